"""The CLI as a user meets it: exit codes, one-line errors, JSON from eval, report formats."""

import csv
import io
import json

import numpy as np
import pytest

from ganbench.cli import main
from ganbench.tasks import TASKS

SMALL = ["--set", "g_hidden=16", "--set", "g_layers=1", "--set", "d_hidden=16", "--set", "d_layers=1"]


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_tasks_objectives_metrics(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    for word in ("toy/ring8", "toy/grid25", "wgan-gp", "modes_covered", "quick"):
        assert word in out
    code, out, _ = run_cli(capsys, "list", "--json")
    assert {"tasks", "objectives", "metrics", "suites"} <= set(json.loads(out))


@pytest.mark.parametrize("args, needle", [
    (["run", "toy/rng8"], "did you mean toy/ring8"),
    (["run", "toy/ring8", "--objective", "wgan_gp"], "did you mean wgan-gp"),
    (["run", "toy/ring8", "--set", "lr_g"], "malformed --set"),
    (["run", "toy/ring8", "--set", "lr_gen=1"], "unknown hyper-parameter"),
    (["run", "toy/ring8", "--seeds", "a,b"], "malformed --seeds"),
    (["run", "--suite", "quik"], "did you mean quick"),
    (["run", "toy/ring8", "--budget", "huge"], "unknown budget"),
    (["eval", "toy/ring8", "--samples", "/nonexistent.npy"], "does not exist"),
    (["report", "--results", "/nonexistent-dir"], "does not exist"),
])
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, args, needle):
    code, out, err = run_cli(capsys, *args, *(["--results", str(tmp_path)] if args[0] == "run" else []))
    assert code == 2
    assert needle in err and err.count("\n") == 1 and err.startswith("ganbench: error:")


def test_eval_wrong_shape_and_garbage(capsys, tmp_path):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((10, 3)))
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(bad))
    assert code == 2 and "N×2" in err
    junk = tmp_path / "junk.npy"
    junk.write_bytes(b"not an array")
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(junk))
    assert code == 2 and "cannot read" in err


def _ring_points(tmp_path):
    pts = tmp_path / "ring-points.npy"
    np.save(pts, TASKS.get("toy/ring8")().reference_samples(500))
    return pts


def test_eval_prints_metrics_json(capsys, tmp_path):
    ring = TASKS.get("toy/ring8")()
    pts = tmp_path / "points.npy"
    np.save(pts, ring.reference_samples(2500))
    code, out, _ = run_cli(capsys, "eval", "toy/ring8", "--samples", str(pts))
    assert code == 0
    data = json.loads(out)
    assert data["metrics"]["modes_covered"]["value"] == 8
    assert data["metrics"]["modes_covered"]["direction"] == "max"
    assert data["metrics"]["high_quality"]["n_samples"] == 2500


def test_run_then_report_formats(capsys, tmp_path):
    res = str(tmp_path / "runs")
    code, out, _ = run_cli(capsys, "run", "toy/ring8", "toy/grid25", "--objective", "ns,hinge", "--seeds", "0,1",
                           "--steps", "30", "--results", res, *SMALL)
    assert code == 0 and "## toy/ring8" in out and "Across tasks" in out
    (tmp_path / "runs" / "garbage.json").write_text("{not json")
    (tmp_path / "runs" / "foreign.json").write_text('{"hello": 1}')
    code, points, _ = run_cli(capsys, "eval", "toy/ring8", "--samples", str(_ring_points(tmp_path)),
                              "--out", str(tmp_path / "runs" / "my-eval.json"))
    assert code == 0 and json.loads(points)["schema"] == "ganbench.eval/1"
    code, md, err = run_cli(capsys, "report", "--results", res)
    assert code == 0 and "skipped" in err and "garbage.json" in err and "foreign.json" in err
    assert "my-eval.json" not in err  # ganbench's own eval output is not a problem, just not a run
    assert "| ns |" in md and "± " in md
    code, text, _ = run_cli(capsys, "report", "--results", res, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["task"] for r in rows} == {"toy/ring8", "toy/grid25"}
    assert all(r["n"] == "2" for r in rows if r["metric"] == "modes_covered")
    out_file = tmp_path / "lb.json"
    code, _, _ = run_cli(capsys, "report", "--results", res, "--format", "json", "--out", str(out_file))
    data = json.loads(out_file.read_text())
    assert len(data["tables"]) == 2 and len(data["skipped_files"]) == 2
    assert {s["method"].split("[")[0] for s in data["summary"]} == {"ns", "hinge"}  # "ns[g_hidden=16,...]": a variant
