"""Report aggregation on hand-made records: means, std, ranks, no mixing of incomparable numbers."""

import math

import pytest

from ganbench.reporting.markdown import to_markdown
from ganbench.reporting.tables import build_tables


def rec(task, objective, seed, value, status="ok", n=2500, chash="h1", direction="max", version="1"):
    metrics = {} if status != "ok" else {"m": {"value": value, "direction": direction, "n_samples": n}}
    return {"schema": "ganbench.run/1", "run_id": f"{task}-{objective}-{seed}", "task": {"name": task, "version": version, "main_metric": "m"},
            "objective": objective, "seed": seed, "tag": None, "config": {"steps": 10}, "config_hash": chash,
            "status": status, "metrics": metrics, "diverged": {"step": 5, "reason": "nan"} if status == "diverged" else None}


def test_mean_std_rank_and_divergence_count():
    recs = [rec("t/a", "x", 0, 1.0), rec("t/a", "x", 1, 3.0), rec("t/a", "x", 2, None, status="diverged"),
            rec("t/a", "y", 0, 5.0), rec("t/a", "y", 1, 5.0)]
    (table,) = build_tables(recs)
    rows = {r.label: r for r in table.rows}
    assert rows["x"].cells["m"].mean == 2.0 and rows["x"].cells["m"].std == pytest.approx(math.sqrt(2))
    assert rows["x"].n_ok == 2 and rows["x"].n_diverged == 1 and rows["x"].diverged_steps == [5]
    assert rows["y"].rank == 1 and rows["x"].rank == 2
    md = to_markdown([table], recs)
    assert "**5.000 ± 0.000**" in md and "1 (at 5)" in md


def test_lower_is_better_ranks():
    recs = [rec("t/a", "x", 0, 1.0, direction="min"), rec("t/a", "y", 0, 2.0, direction="min")]
    (table,) = build_tables(recs)
    assert [r.label for r in table.rows] == ["x", "y"]


def test_different_sample_counts_are_different_protocols():
    """The main metric on 2,500 samples and on 100 is another evaluation: two tables, never one ranking."""
    recs = [rec("t/a", "x", 0, 1.0, n=2500), rec("t/a", "y", 0, 2.0, n=100), rec("t/a", "y", 1, 2.5, n=2500)]
    tables = build_tables(recs)
    assert len(tables) == 2 and all(len(t.columns) == 1 for t in tables)
    big, small = tables  # the evaluation most runs used first
    assert [r.label for r in big.rows] == ["y", "x"] and big.protocol.eval_label == ""
    assert [r.label for r in small.rows] == ["y"] and small.protocol.eval_label == "n_samples=100"
    assert big.key != small.key and "n_samples=100" in small.protocol_name


def test_another_metric_under_another_setting_gets_its_own_column():
    r1, r2 = rec("t/a", "x", 0, 1.0), rec("t/a", "y", 0, 2.0)
    r1["metrics"]["k"] = {"value": 1.0, "direction": "min", "subsets": 10}
    r2["metrics"]["k"] = {"value": 2.0, "direction": "min", "subsets": 100}
    (table,) = build_tables([r1, r2])
    assert {c.label for c in table.columns} == {"m", "k (subsets=10)", "k (subsets=100)"}


def test_different_configs_and_versions_never_averaged():
    recs = [rec("t/a", "x", 0, 1.0, chash="h1"), rec("t/a", "x", 1, 3.0, chash="h2"), rec("t/a", "x", 0, 9.0, version="2")]
    tables = build_tables(recs)
    assert len(tables) == 2  # two task versions
    v1 = next(t for t in tables if t.version == "1")
    assert len(v1.rows) == 2 and all(r.cells["m"].n == 1 for r in v1.rows)


def test_no_mean_rank_over_unequal_task_sets():
    """rsgan first on its one task and mle first on another never share a summary row: the
    cross-task summary compares methods over tasks all of them ran (ganbench.reporting.aggregate)."""
    from ganbench.reporting.leaderboard import leaderboard_markdown

    recs = [rec("t/a", "x", s, 1.0 + s) for s in range(2)] + [rec("t/a", "y", s, 2.0 + s) for s in range(2)]
    recs += [rec("t/b", "x", s, 3.0 + s) for s in range(2)] + [rec("t/b", "y", s, 2.0 + s) for s in range(2)]
    recs += [rec("t/c", "solo", s, 9.0 + s) for s in range(2)] + [rec("t/c", "x", s, 0.0 + s) for s in range(2)]
    md = leaderboard_markdown(recs)
    assert "mean rank" not in md
    summary = md[md.index("## Across tasks: like with like"):]
    assert "2 methods over the 2 tasks every one of them ran" in summary  # x and y over t/a and t/b
    assert "| solo | t/a, t/b |" in summary  # shown as missing, never averaged over its one task


def test_rows_name_the_settings_that_differ_from_the_defaults():
    """A run of ns with another architecture is its own, readable row; a tag wins over the settings,
    not over the remedies (the EMA here), which the row always names; records from before variants
    were recorded keep their plain label."""
    from ganbench.core.config import variant

    defaults = {"steps": 100, "lr_g": 2e-4, "g_arch": "mlp-generator", "seed": 0, "checkpoint_every": 10}
    cfg = {**defaults, "steps": 30, "lr_g": 1e-4, "g_arch": "my-mlp", "seed": 3, "checkpoint_every": 5, "my_width": 8}
    assert variant(cfg, defaults) == {"lr_g": 1e-4, "g_arch": "my-mlp", "my_width": 8}  # no steps, seed, cadence
    plain, arch, tagged = rec("t/a", "ns", 0, 1.0), rec("t/a", "ns", 0, 2.0, chash="h2"), rec("t/a", "ns", 0, 3.0, chash="h3")
    arch["variant"] = {"g_arch": "my-mlp", "lr_g": 1e-4}
    tagged["variant"], tagged["tag"] = {"ema": 0.999}, "ema"
    (table,) = build_tables([plain, arch, tagged])
    assert sorted(r.label for r in table.rows) == ["ns", "ns+ema=0.999[ema]", "ns[g_arch=my-mlp,lr_g=0.0001]"]


def test_runs_claimed_by_two_different_records_are_named_in_the_notes_never_averaged():
    """build_tables gets such records apart (load_records finds them): they never enter a cell,
    and the task's notes name the run and both files."""
    a, b = rec("t/a", "x", 2, 9.0), rec("t/a", "x", 2, 0.0)
    a["_path"], b["_path"] = "res/t/a.json", "res/old|copy/a.json"
    recs = [rec("t/a", "x", 0, 1.0), rec("t/a", "x", 1, 3.0)]
    (table,) = build_tables(recs, excluded=[a, b])
    (row,) = table.rows
    assert row.seeds == [0, 1] and row.cells["m"].mean == 2.0
    (note,) = table.notes
    assert note.startswith("left out: x seed 2") and "`res/t/a.json`" in note and "`res/old\\|copy/a.json`" in note
    md = to_markdown([table], recs)
    assert f"- {note}" in md.splitlines()
    other_task = build_tables([rec("t/b", "x", 0, 1.0)], excluded=[a, b])
    assert other_task[0].notes == []


def test_a_diverged_record_without_a_step_is_counted_without_one():
    r = rec("t/a", "x", 0, None, status="diverged")
    r["diverged"] = {"reason": "nan"}
    (table,) = build_tables([r, rec("t/a", "x", 1, 1.0)])
    assert table.rows[0].n_diverged == 1 and table.rows[0].diverged_steps == []


def test_one_method_at_two_budgets_is_two_tables_with_their_own_numbers():
    """A suite's short runs beside the longer ones: the same method at another budget is another
    protocol, so it is ranked in its own table, never beside the other budget."""
    from ganbench.reporting.leaderboard import build_leaderboard

    recs = [rec("t/a", "ns", s, v) for s, v in enumerate((5.0, 5.5, 6.0))]
    short = [rec("t/a", "ns", s, v, chash="h2") for s, v in enumerate((1.0, 1.5, 2.0))]
    for r in short:
        r["config"] = {"steps": 3}
    other = [rec("t/a", "x", s, v, chash="h3") for s, v in enumerate((1.0, 1.2, 1.4))]
    twins = [rec("t/a", "x", s, v, chash="h4") for s, v in enumerate((3.0, 3.2, 3.4))]  # same steps: by config
    long_table, short_table = build_tables(recs + short + other + twins)
    assert long_table.protocol.steps == 10 and short_table.protocol.steps == 3
    assert [r.label for r in long_table.rows] == ["ns", "x[config h4]", "x[config h3]"]
    assert [r.label for r in short_table.rows] == ["ns"]
    lb = build_leaderboard(recs + short + other + twins)
    comps = lb.comparisons[long_table.key]
    assert comps["ns"].method == comps["ns"].best and comps["x[config h3]"].p_value is not None
    assert lb.comparisons[short_table.key]["ns"].short() == "best"
    for label in ("ns", "x[config h4]", "x[config h3]"):  # the matrix names the rows as the tables do
        assert lb.matrix.cells[(label, "t")].stability is not None, label


def test_the_comparability_key_drops_provenance_and_normalises_numbers():
    """Records from before the evaluator streamed samples say samples_from=memory, later ones
    samples_from=generator; older records wrote the classifier's accuracy with 3 digits, newer ones
    with 4: the same generator's samples in the same extractor, one column. Numbers written with
    other precision are one setting."""
    from ganbench.reporting.comparability import metric_key

    base = {"value": 0.9, "direction": "max", "n_samples": 30000, "definition": "valid / all samples"}
    assert metric_key({**base, "samples_from": "memory"}) == metric_key({**base, "samples_from": "generator"})
    assert metric_key({**base, "n_samples": 30000}) != metric_key({**base, "n_samples": 2000})
    fid = {"value": 86.9, "direction": "min", "extractor": "classifier:image/fashion-mnist-v1-seed0", "n": 10000}
    assert metric_key({**fid, "classifier_test_accuracy": 0.912}) == metric_key({**fid, "classifier_test_accuracy": 0.9121})
    assert metric_key({**fid, "extractor": "inception-v3"}) != metric_key(fid)
    assert metric_key({**fid, "sigma": 0.01}) == metric_key({**fid, "sigma": 0.010000000000000002})
    assert metric_key({**fid, "n": 10000.0}) == metric_key(fid)


def test_tags_with_newlines_or_formula_starts_stay_inert_in_markdown_and_csv():
    """A tag is user text: in Markdown a newline or | must not break the table; in CSV a leading
    =, +, -, @ must not become a live spreadsheet formula."""
    import csv
    import io

    from ganbench.reporting.tables import to_csv

    evil = "=HYPERLINK(\"http://x\")|\nrow"
    r = rec("t/a", "x", 0, 1.0)
    r["tag"], r["variant"] = evil, {"lr_g": 1.0}
    (table,) = build_tables([r, rec("t/a", "y", 0, 2.0)])
    md = to_markdown([table], [r])
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == rows[0].count(" | ") for line in rows)  # every row has the header's cells
    assert "\\n" in md and "\n" + "row" not in md.replace("\\n", "")
    cells = [cell for row in csv.reader(io.StringIO(to_csv([table]))) for cell in row]
    assert any("HYPERLINK" in c for c in cells)
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_a_spread_below_the_means_decimals_reads_zero_not_float_noise():
    import numpy as np

    from ganbench.reporting.tables import Cell

    values = np.array([0.1, 0.1, 0.1])
    cell = Cell(float(values.mean()), float(values.std(ddof=1)) or 1.7e-17, 3)
    assert cell.fmt() == "0.100 ± 0.000"
    assert Cell(7.6, 0.5477, 5).fmt() == "7.600 ± 0.548"
    assert Cell(2e-5, 1e-6, 3).fmt() == "2e-05 ± 1e-06"  # tiny means keep significant digits
