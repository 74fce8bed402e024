"""The public Python API: fast import, plain floats equal to the CLI's, DataFrames of every record."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ganbench
from ganbench.core.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def test_import_is_light():
    code = ("import sys, ganbench; heavy = [m for m in ('torch', 'rdkit', 'torchvision', 'pandas') if m in sys.modules];"
            "assert not heavy, heavy; assert callable(ganbench.evaluate)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_base_classes_are_public():
    from ganbench.core.task import Task, TaskSpec
    from ganbench.metrics.base import MetricFamily
    from ganbench.objectives.base import AdversarialObjective, Objective

    assert (ganbench.Task, ganbench.TaskSpec, ganbench.Objective, ganbench.AdversarialObjective,
            ganbench.MetricFamily) == (Task, TaskSpec, Objective, AdversarialObjective, MetricFamily)
    with pytest.raises(AttributeError):
        ganbench.no_such_thing  # noqa: B018


def test_evaluate_points_equals_cli_eval(tmp_path):
    """Known answer: samples exactly on the 8 modes cover all 8 with 100 % high quality; and the
    numbers equal `ganbench eval` on the same samples saved to a file."""
    task = ganbench.load_task("toy/ring8")
    pts = np.repeat(task.means(), 10, axis=0)
    scores = ganbench.evaluate("toy/ring8", pts)
    assert scores["modes_covered"] == 8.0 and scores["high_quality"] == pytest.approx(100.0)
    assert isinstance(scores["mode_kl"], float) and scores.details["modes_covered"]["direction"] == "max"
    np.save(tmp_path / "p.npy", pts)
    out = subprocess.run([sys.executable, "-m", "ganbench.cli", "eval", "toy/ring8", "--samples", str(tmp_path / "p.npy")],
                         check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)["metrics"]
    assert {k: v["value"] for k, v in cli.items()} == dict(scores)
    import torch

    assert ganbench.evaluate(task, torch.as_tensor(pts)) == scores  # a tensor is accepted too


def test_evaluate_checks_its_input():
    with pytest.raises(UserError, match="N×2"):
        ganbench.evaluate("toy/ring8", np.zeros((5, 3)))
    with pytest.raises(UserError, match="exactly one"):
        ganbench.evaluate("toy/ring8")
    with pytest.raises(UserError, match="no metric"):
        ganbench.evaluate("toy/ring8", np.zeros((5, 2)), metrics=["fid"])
    with pytest.raises(UserError, match="sample\\(n, rng\\)"):
        ganbench.evaluate("toy/ring8", generator=object())


def test_evaluate_generator_is_seeded():
    task = ganbench.load_task("toy/ring8")
    cfg = {**task.spec.defaults, **task.spec.smoke}
    import torch

    torch.manual_seed(0)
    G, _ = task.build_models(cfg)
    G.eval()
    a = ganbench.evaluate(task, generator=G, n=500, seed=3)
    b = ganbench.evaluate(task, generator=G, n=500, seed=3)
    assert json.dumps(a) == json.dumps(b)  # NaN-safe equality (an untrained G may cover no mode: mode_kl NaN)
    assert a.details["high_quality"]["n_samples"] == 500


def test_evaluate_images_in_memory():
    task = ganbench.load_task("image/digits")
    imgs = task.reference_samples(64)
    floats = imgs.astype(np.float64) / 255.0
    assert ganbench.evaluate(task, imgs, metrics=["fid"]) == ganbench.evaluate(task, floats, metrics=["fid"])
    with pytest.raises(UserError, match="expected"):
        ganbench.evaluate(task, imgs[:, :4], metrics=["fid"])


def test_load_results_has_every_committed_run(committed_results):
    from ganbench.core.records import load_records

    loaded = load_records(committed_results)
    df = ganbench.load_results(committed_results)
    assert set(df["run_id"] + "|" + df["path"]) == {r["run_id"] + "|" + r["_path"] for r in loaded.records}
    n_metric_rows = sum(max(1, len(r["metrics"])) for r in loaded.records)
    assert len(df) == n_metric_rows
    one = loaded.records[0]
    name, m = next(iter(one["metrics"].items()))
    row = df[(df["path"] == one["_path"]) & (df["metric"] == name)].iloc[0]
    assert row["value"] == pytest.approx(float(m["value"]), nan_ok=True) and row["direction"] == m["direction"]


def test_leaderboard_frames_match_the_report_tables(committed_results):
    from ganbench.core.records import load_records
    from ganbench.reporting.tables import build_tables, short_names

    recs = [r for r in load_records(committed_results).records if r["task"]["name"].startswith("toy/")]
    built = build_tables(recs)
    names = short_names(built)
    tables = {names[t.key]: t for t in built}
    board = ganbench.leaderboard(committed_results, tasks=["toy/ring8", "toy/grid25"])
    assert set(board) == set(tables) and {"toy/ring8", "toy/grid25"} <= set(board)  # the default protocol: the task
    assert board["toy/ring8"].attrs["protocol"] == "default" and not board["toy/ring8"].attrs["exploratory"]
    for name, t in tables.items():
        df = board[name]
        assert list(df["method"]) == [r.label for r in t.rows]
        for r, (_, row) in zip(t.rows, df.iterrows()):
            cell = r.cells[t.main_column]
            assert row[t.main_column] == pytest.approx(cell.mean) and row[f"{t.main_column} n"] == cell.n


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The README's Python block runs as written (in a scratch folder)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## From Python.*?```python\n(.*?)```", text, re.S)
    assert block, "README has no '## From Python' example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["scores"]["modes_covered"] > 0
    assert set(namespace["df"]["objective"]) == {"ns", "hinge"}
    assert (tmp_path / "runs").is_dir()
