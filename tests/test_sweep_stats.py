"""Significance tests, the stability summary and the published rows, against hand computations."""

import itertools
import math
import os
import re
from pathlib import Path

import pytest

from ganbench.reporting.published import load_published, parse_published, parse_value
from ganbench.reporting.tables import build_tables
from ganbench.reporting.stability import stability_summary
from ganbench.reporting.stats import compare_to_best, p_value


def rec(task, objective, seed, metrics, status="ok", chash="h", main="m", tag=None, start=None):
    """``start``: the generator setting that fixes each seed's start (default: one per objective,
    so methods do not pair by seed)."""
    return {"schema": "ganbench.run/1", "run_id": f"{task}-{objective}-{seed}", "seed": seed, "tag": tag,
            "task": {"name": task, "version": "1", "main_metric": main}, "objective": objective,
            "config": {"steps": 10, "g_start": objective if start is None else start}, "config_hash": chash,
            "status": status,
            "metrics": metrics if status == "ok" else {},
            "diverged": {"step": 3, "reason": "nan"} if status == "diverged" else None}


def m(value, direction="max", **details):
    return {"value": value, "direction": direction, **details}


# --- Welch / Mann-Whitney ------------------------------------------------------------------------
def welch_by_hand(a, b):
    from scipy.stats import t as student_t

    n1, n2 = len(a), len(b)
    m1, m2 = sum(a) / n1, sum(b) / n2
    v1 = sum((x - m1) ** 2 for x in a) / (n1 - 1)
    v2 = sum((x - m2) ** 2 for x in b) / (n2 - 1)
    se2 = v1 / n1 + v2 / n2
    t = (m1 - m2) / math.sqrt(se2)
    df = se2 ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))  # Welch-Satterthwaite
    return 2 * student_t.sf(abs(t), df)


@pytest.mark.parametrize("a, b", [([8, 8, 7], [2, 3, 2]), ([1.0, 2.5, 2.0, 3.1], [2.2, 2.9, 3.5]),
                                  ([0.3, 0.31, 0.29], [0.3, 0.5, 0.1, 0.4, 0.2])])
def test_welch_matches_the_formula(a, b):
    p, note = p_value(a, b, "welch")
    assert p == pytest.approx(welch_by_hand(a, b), rel=1e-9) and note == ""


def test_welch_hand_value():
    # a = 8,8,7 vs b = 2,3,2: t = 5.333/0.4714 = 11.31 on 4 df, two-sided p = 3.45e-4
    p, _ = p_value([8, 8, 7], [2, 3, 2])
    assert p == pytest.approx(3.45e-4, rel=0.01)


def mwu_exact_by_enumeration(a, b):
    """Two-sided exact p of the Mann-Whitney U statistic (no ties): enumerate every relabelling."""
    pooled = a + b
    n1 = len(a)

    def u(x):
        return sum((xi > yj) + 0.5 * (xi == yj) for xi in x for yj in (v for v in pooled if v not in x))

    u_obs = u(a)
    mean_u = n1 * len(b) / 2
    dev = abs(u_obs - mean_u)
    combos = list(itertools.combinations(pooled, n1))
    extreme = sum(abs(u(list(c)) - mean_u) >= dev - 1e-12 for c in combos)
    return extreme / len(combos)


@pytest.mark.parametrize("a, b", [([1.0, 2.0, 3.0], [4.0, 5.0, 6.5, 7.0]), ([0.1, 0.9, 0.4], [0.5, 0.2, 0.8]),
                                  ([3.0, 1.0, 2.5, 7.0], [4.0, 6.0, 5.5, 8.0])])
def test_mann_whitney_matches_exact_enumeration(a, b):
    p, _ = p_value(a, b, "mannwhitney")
    assert p == pytest.approx(mwu_exact_by_enumeration(a, b), rel=1e-9)


def test_mann_whitney_cannot_reach_005_with_three_seeds():
    p, _ = p_value([1, 2, 3], [10, 11, 12], "mannwhitney")
    assert p == pytest.approx(0.1)


def test_cases_without_a_test_say_why():
    assert p_value([1.0], [2.0, 3.0]) == (None, "1 seed")
    assert p_value([8, 8, 8], [8, 8, 8]) == (1.0, "identical")
    assert p_value([8, 8, 8], [7, 7, 7]) == (None, "no seed variation")


def test_compare_to_best_uses_rank_one_and_main_metric():
    recs = [rec("t/a", "good", s, {"m": m(v)}) for s, v in enumerate([8, 8, 7])]
    recs += [rec("t/a", "bad", s, {"m": m(v)}) for s, v in enumerate([2, 3, 2])]
    recs += [rec("t/a", "close", s, {"m": m(v)}) for s, v in enumerate([8, 6, 7])]
    recs += [rec("t/a", "one", 0, {"m": m(5)})]
    (table,) = build_tables(recs)
    comps = compare_to_best(table)
    assert comps["good"].short() == "best"
    assert comps["bad"].significant is True and comps["bad"].p_value == pytest.approx(welch_by_hand([8, 8, 7], [2, 3, 2]))
    assert comps["close"].significant is False
    assert comps["one"].p_value is None and comps["one"].short() == "n/a (1 seed)"
    assert not comps["bad"].paired and comps["bad"].test == "Welch's t-test"


def test_rows_that_share_each_seeds_start_are_compared_paired_and_holm_adjusted():
    """The text/coco case: every loss starts from the same seed's snapshot, so seeds pair; a method
    worse on every seed by a little is told apart by the paired t-test, not by Welch's."""
    from scipy import stats

    best, worse, other = [0.18, 0.17, 0.20], [0.17, 0.16, 0.19], [0.10, 0.30, 0.12]
    recs = [rec("t/a", name, s, {"m": m(v)}, start="snapshot") for name, vals in
            (("mle", best), ("loss", worse), ("other", other)) for s, v in enumerate(vals)]
    (table,) = build_tables(recs)
    comps = compare_to_best(table)
    loss = comps["loss"]
    assert loss.paired and loss.test == "paired t-test" and loss.n == 3
    assert loss.p_value == pytest.approx(float(stats.ttest_rel(best, worse).pvalue))
    assert loss.p_value < stats.ttest_ind(best, worse, equal_var=False).pvalue  # pairing is what separates them
    raw = sorted([(comps["loss"].p_value, "loss"), (comps["other"].p_value, "other")])
    # Holm by hand: the smaller p times 2, the larger times 1, kept monotone, capped at 1
    first = min(1.0, 2 * raw[0][0])
    assert comps[raw[0][1]].p_adjusted == pytest.approx(first)
    assert comps[raw[1][1]].p_adjusted == pytest.approx(max(first, raw[1][0]))
    assert "Holm" in loss.short()
    rank = compare_to_best(table, "rank")
    assert rank["loss"].test == "Wilcoxon signed-rank test"
    assert rank["loss"].p_value == pytest.approx(float(stats.wilcoxon(best, worse, zero_method="zsplit").pvalue))


def test_holm_matches_statsmodels_style_hand_values():
    from ganbench.reporting.stats import holm

    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5]) == [0.5] and holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("n, text", [(4, "≈ 4"), (37, "≈ 40"), (44_689, "> 1,000"), (159_153, "> 1,000"), (250, "hundreds")])
def test_seeds_needed_print_an_order_of_magnitude(n, text):
    from ganbench.reporting.stats import SeedsNeeded

    assert SeedsNeeded(n, 1.0).short() == text


# --- stability ------------------------------------------------------------------------------------
def test_stability_by_hand():
    toy = lambda v: {"modes_covered": m(v, n_modes=8)}  # noqa: E731
    recs = [rec("toy/ring8", "x", 0, toy(8), main="modes_covered"), rec("toy/ring8", "x", 1, toy(6), main="modes_covered"),
            rec("toy/ring8", "x", 2, {}, status="diverged", main="modes_covered"),
            rec("toy/ring8", "y", 0, toy(8), main="modes_covered"), rec("toy/ring8", "y", 1, toy(8), main="modes_covered"),
            rec("toy/ring8", "y", 2, {}, status="failed", main="modes_covered")]
    text = lambda b, s: {"bleu4": m(b), "self_bleu4": m(s, "min")}  # noqa: E731
    recs += [rec("text/coco", "x", 0, text(0.2, 0.9), main="bleu4"), rec("text/coco", "x", 1, text(0.4, 0.7), main="bleu4"),
             rec("text/coco", "y", 0, text(0.3, 0.5), main="bleu4")]
    st = stability_summary(recs)
    by = {s.method: s for s in st.methods}
    # x: 1 diverged of (4 finished + 1 diverged) over both tasks; y's crash is counted apart
    assert by["x"].divergence_rate == pytest.approx(1 / 5) and by["y"].divergence_rate == 0.0
    assert by["y"].failed == 1 and by["y"].runs == 4
    # toy scale = |mean(8, 6, 8, 8)| = 7.5; x: std(8, 6) = sqrt 2; text scale = mean(.2, .4, .3) = .3; x: std = .1414
    assert by["x"].spreads["toy/ring8 v1"] == pytest.approx(math.sqrt(2) / 7.5)
    assert by["x"].spreads["text/coco v1"] == pytest.approx(math.sqrt(0.02) / 0.3)
    assert by["x"].seed_spread == pytest.approx((math.sqrt(2) / 7.5 + math.sqrt(0.02) / 0.3) / 2)
    assert by["y"].spreads == {"toy/ring8 v1": 0.0}  # one coco seed: no spread there
    headers = [c.header for c in st.columns]
    assert headers == ["toy: modes covered (fraction) ↑", "text: self-BLEU-4 ↓"]
    assert by["x"].collapse[headers[0]] == (pytest.approx((1 + 0.75) / 2), 2)
    assert by["x"].collapse[headers[1]] == (pytest.approx(0.8), 2)
    assert [s.method for s in st.methods] == ["y", "x"]  # steadier first


# --- published rows --------------------------------------------------------------------------------
def test_published_values_parse():
    v = parse_value("98.2±0.2%")
    assert (v.value, v.spread, v.percent) == (98.2, 0.2, True)
    assert parse_value(".731").value == 0.731 and parse_value("26.5 ± 1.6").spread == 1.6
    with pytest.raises(ValueError):
        parse_value("n/a")


def test_every_published_value_is_in_the_source_document():
    src = Path(os.environ.get("GANBENCH_DATA", "/work/shared/data")).parent / "published-results.md"
    if not src.is_file():
        src = Path("/work/shared/published-results.md")
    if not src.is_file():
        pytest.skip("shared/published-results.md not available")
    text = re.sub(r"\s+", "", src.read_text())
    pub = load_published()
    assert len(pub.rows) >= 50
    for row in pub.rows:
        assert row.status in ("verified", "recalled", "measured") and row.citation
        for label, v in row.values.items():
            assert re.sub(r"\s+", "", v.raw) in text, (row.task, row.method, label, v.raw)


def test_published_rows_placed_only_where_comparable():
    pub = load_published()
    fid = [r for r in pub.for_task("image/fashion-mnist")]
    assert fid and all(r.split(["fid", "kid"])[0] == {} for r in fid)  # Inception FID never in our FID column
    coco = pub.for_task("text/coco")[0]
    placed, rest = coco.split(["bleu2", "bleu4", "self_bleu2", "nll_test"])
    assert set(placed) == {"bleu2", "bleu4"} and "Self-BLEU-2" in rest  # Texygen's buggy Self-BLEU stays a note
    moses = next(r for r in pub.for_task("molecule/moses") if r.method == "CharRNN")
    placed, _ = moses.split(["validity", "FCD/Test", "unique_10k", "intdiv"])
    assert placed["FCD/Test"][1].value == 0.0732 and placed["unique_10k"][1].value == 0.9994


def test_bad_published_data_is_refused():
    base = {"sources": {"s": {"citation": "c"}},
            "tables": [{"task": "t/a", "source": "s", "status": "verified", "columns": {"A": "a"},
                        "rows": [{"method": "M", "values": {"A": "1"}}]}]}
    assert parse_published(base).rows[0].values["A"].value == 1.0
    bad_status = {**base, "tables": [{**base["tables"][0], "status": "guessed"}]}
    with pytest.raises(ValueError, match="status"):
        parse_published(bad_status)
    bad_source = {**base, "tables": [{**base["tables"][0], "source": "nope"}]}
    with pytest.raises(ValueError, match="source"):
        parse_published(bad_source)
