"""The methods × domains matrix, the equal-compute view, and the report's new sections in Markdown,
JSON and HTML, on hand-made records."""

import json
import re

import pytest

from ganbench.cli import main
from ganbench.core.domain import MAX, CollapseMetric, Domain
from ganbench.reporting.compute import equal_compute
from ganbench.reporting.leaderboard import build_leaderboard, leaderboard_json, leaderboard_markdown
from ganbench.reporting.matrix import build_matrix
from ganbench.reporting.ranking import rank_tasks
from ganbench.reporting.tables import build_tables
from ganbench.core.records import load_records, write_record

from domain_fixtures import add_domain

ZETA = Domain(name="zeta", summary="a domain that exists only in this test",
              collapse=(CollapseMetric("spread", MAX, ("spread",)),), report_rank=0)


@pytest.fixture
def with_zeta(monkeypatch):
    add_domain(monkeypatch, "zeta", f"{__name__}:ZETA", ZETA.summary)


def rec(task, objective, seed, value, status="ok", main="m", steps=100, wall=10.0, extra=None, direction="max"):
    metrics = {main: {"value": value, "direction": direction}, **(extra or {})} if status == "ok" else {}
    return {"schema": "ganbench.run/1", "run_id": f"{task}-{objective}-{seed}".replace("/", "-"), "seed": seed,
            "tag": None, "task": {"name": task, "version": "1", "main_metric": main}, "objective": objective,
            "config": {"steps": steps}, "config_hash": "h", "status": status, "wall_time_s": wall,
            "steps": {"planned": steps, "completed": steps if status == "ok" else steps // 2}, "metrics": metrics,
            "diverged": {"step": steps // 2, "reason": "nan"} if status == "diverged" else None, "artifacts": {}}


def matrix_records():
    """toy/a, toy/b: x first, y second, z (toy/a only) last; zeta/c: y first; one y seed diverged on toy/b."""
    recs = []
    for task in ("toy/a", "toy/b"):
        recs += [rec(task, "x", s, 10.0 + s) for s in range(3)]
        recs += [rec(task, "y", s, 5.0 + s) for s in range(3 if task == "toy/a" else 2)]
    recs.append(rec("toy/b", "y", 2, None, status="diverged"))
    recs += [rec("toy/a", "z", s, 1.0 + s) for s in range(3)]
    recs += [rec("zeta/c", "x", s, 1.0 + s, extra={"spread": {"value": 0.2, "direction": "max"}}) for s in range(3)]
    recs += [rec("zeta/c", "y", s, 10.0 + s, extra={"spread": {"value": 0.6, "direction": "max"}}) for s in range(3)]
    return recs


def test_matrix_cells_average_only_full_domains(with_zeta):
    recs = matrix_records()
    rankings = rank_tasks(build_tables(recs))
    mx = build_matrix(rankings, recs)
    assert mx.domains == ["zeta", "toy"]  # declaration order (report_rank), not written in the report code
    assert mx.tasks == {"zeta": ["zeta/c"], "toy": ["toy/a", "toy/b"]}
    x, y, z = (mx.cell(m, "toy") for m in ("x", "y", "z"))
    assert x.score == 1.0 and x.first and x.interval == (1.0, 1.0)
    # y: second of 3 on toy/a (0.5), last of 2 on toy/b (0.0)
    assert y.score == pytest.approx(0.25) and not y.first
    assert z.score is None and z.skipped == ["toy/b"] and [t for t, _, _ in z.partial] == ["toy/a"]
    assert y.stability.divergence_rate == pytest.approx(1 / 6)  # 1 diverged of 6 toy runs
    zy = mx.cell("y", "zeta")
    assert zy.score == 1.0 and zy.first and zy.collapse == [("spread ↑", 0.6, 3)]
    assert not mx.cell("z", "zeta").ran


def test_equal_compute_reads_periodic_evaluations_and_estimates_seconds(tmp_path):
    recs = []
    for objective, steps, wall in (("fast", 400, 10.0), ("slow", 400, 80.0)):  # one budget, 8x the seconds
        for seed in range(2):
            r = rec("toy/a", objective, seed, 5.0 + seed + (objective == "slow"), steps=steps, wall=wall)
            rid = r["run_id"]
            (tmp_path / rid).mkdir()
            with open(tmp_path / rid / "evals.jsonl", "w") as f:
                for s in range(50, steps, 50):
                    f.write(json.dumps({"step": s, "m": s / 100}) + "\n")
            r["artifacts"] = {"evals": f"{rid}/evals.jsonl"}
            r["_path"] = str(tmp_path / f"{rid}.json")
            recs.append(r)
    (table,) = build_tables(recs)
    tc = equal_compute(table, recs)
    assert tc.matched_steps == 400 and tc.matched_seconds == 10.0 and tc.estimated and tc.periodic == 4 * 7
    slow = next(m for m in tc.methods if m.label == "slow")
    run = slow.runs[0]
    assert run.points[0] == (50, pytest.approx(50 * 80.0 / 400), 0.5)  # seconds = step x wall / steps
    assert run.points[-1] == (400, 80.0, 6.0)  # the final evaluation
    assert slow.at(100, 0) == (pytest.approx(1.0), 2)  # the evaluation at step 100
    assert slow.at(10.0, 1) == (pytest.approx(0.5), 2)  # by 10 s the slow method reached step 50
    assert slow.final() == (pytest.approx(6.5), 2)
    fast = next(m for m in tc.methods if m.label == "fast")
    assert fast.at(100, 0) == (pytest.approx(1.0), 2) and fast.sec_per_step == pytest.approx(10.0 / 400)
    assert fast.at(10.0, 1) == (pytest.approx(5.5), 2)  # by 10 s the fast method had finished


def test_equal_compute_marks_runs_whose_pretraining_another_run_paid_for(tmp_path):
    """A run whose log says it loaded its MLE phase from a snapshot is counted, and the Markdown and
    JSON say its seconds leave that phase out; a run that computed the phase itself is not marked."""
    from ganbench.core.records import SHARED_PHASE_LOG_KEY
    from ganbench.reporting.markdown_sections import compute_caption, compute_cells

    recs = []
    for objective, seed, loaded in (("gan", 0, False), ("gan", 1, True), ("mle", 0, False), ("mle", 1, False)):
        r = rec("text/a", objective, seed, 1.0 + seed, steps=300, wall=50.0)
        rid = r["run_id"]
        (tmp_path / rid).mkdir()
        cols = ["step", SHARED_PHASE_LOG_KEY, "loss_g"] if objective == "gan" else ["step", "loss_mle"]
        first = ["0", "1" if loaded else "", "0.5"] if objective == "gan" else ["0", "3.2"]
        (tmp_path / rid / "log.csv").write_text(",".join(cols) + "\n" + ",".join(first) + "\n")
        r["artifacts"] = {"log": f"{rid}/log.csv"}
        r["_path"] = str(tmp_path / f"{rid}.json")
        recs.append(r)
    (table,) = build_tables(recs)
    tc = equal_compute(table, recs)
    by = {m.label: m for m in tc.methods}
    assert [r.shared_phase for r in by["gan"].runs] == [False, True] and by["mle"].shared_phase_runs == 0
    assert tc.shared_phase and "understate" in compute_caption(tc)
    assert compute_cells(tc, by["gan"])[1] == "50.0 †1/2" and compute_cells(tc, by["mle"])[1] == "50.0"
    doc = json.loads(leaderboard_json(build_leaderboard([dict(r) for r in recs])))
    gan = next(m for c in doc["equal_compute"] for m in c["methods"] if m["method"] == "gan")
    assert gan["runs_with_shared_pretraining"] == 1 and [c["shared_pretraining"] for c in gan["curves"]] == [False, True]


def test_markdown_has_the_new_sections_and_no_unequal_mean_rank(with_zeta):
    md = leaderboard_markdown(matrix_records())
    assert "mean rank" not in md.lower() and "## Across tasks: like with like" in md
    assert "**Rank intervals** on `m` ↑" in md and "Defensibly first (interval reaches 1): **x**." in md
    assert "## Where each loss is good" in md and "| x | 0.00 [0.00, 0.00] · 0% (0/3) · 0.200 | 1.00 [1.00, 1.00] ★ · 0% (0/6) |" in md
    assert "only toy/a: 0.00 (skipped toy/b)" in md
    assert "## Equal compute" in md and "no periodic evaluations" in md
    # the summary: x and y over all three tasks; z skipped two of them and is listed, not averaged
    summary = md[md.index("## Across tasks"):md.index("## Where each")]
    assert re.search(r"^\| z \| toy/b, zeta/c \|$", summary, re.M)
    assert not re.search(r"^\| \d+ \| [\d–]+ \| z \|", summary, re.M)


def test_json_carries_the_same_numbers(with_zeta):
    recs = matrix_records()
    lb = build_leaderboard(recs)
    data = json.loads(leaderboard_json(lb))
    toy_a = next(r for r in data["rankings"] if r["task"] == "toy/a")
    assert toy_a["defensibly_first"] == ["x"] and [r["rank_interval"] for r in toy_a["rows"]] == [[1, 1], [2, 2], [3, 3]]
    assert toy_a["rows"][0]["seeds_to_separate_from_next"]["order_of_magnitude"] == \
        lb.rankings[toy_a["table"]].methods[0].next_seeds.short()
    assert data["aggregate"]["tasks"] == ["toy/a", "toy/b", "zeta/c"]
    assert {s["method"]: s["compared"] for s in data["summary"]} == {"x": True, "y": True, "z": False}
    cell = next(c for c in data["matrix"]["cells"] if c["method"] == "y" and c["domain"] == "toy")
    assert cell["score"] == pytest.approx(0.25) and cell["divergence_rate"] == pytest.approx(1 / 6)
    assert {c["task"] for c in data["equal_compute"]} == {"toy/a", "toy/b", "zeta/c"}


def test_cli_json_and_compare(tmp_path, capsys):
    res = tmp_path / "res"
    res.mkdir()
    for r in matrix_records():
        write_record(res / f"{r['run_id']}.json", r)
    assert main(["report", "--results", str(res), "--format", "json", "--compare", "x", "--compare", "z"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["aggregate"]["chosen"] == "named" and data["aggregate"]["tasks"] == ["toy/a"]
    assert main(["report", "--results", str(res), "--compare", "nope"]) == 2
    assert "no ranked runs of 'nope'" in capsys.readouterr().err
    assert len(load_records(res).records) == len(matrix_records())


def test_the_report_marks_the_committed_runs_that_loaded_a_shared_pretraining(committed_results):
    """The committed coco losses loaded their MLE phase from a snapshot another run computed: their
    log.csv says so at step 0, and the equal-compute view marks their seconds (†). (Reports read the
    task registry to place records in protocols, so they import torch; they never load a checkpoint.)"""
    from ganbench.core.records import load_records

    md = leaderboard_markdown(load_records(committed_results / "cross-domain").records)
    section = md[md.index("## Equal compute"):]
    coco = section[section.index("### text/coco"):]
    assert "†" in coco.split("###")[1]
