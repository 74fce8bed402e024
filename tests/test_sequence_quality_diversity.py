"""Temperature sweeps: the point at T=1 is the ordinary evaluation; colder is sharper."""

import json

import pytest
import torch

from ganbench.core.config import resolve
from ganbench.engine.evaluator import evaluate_samples
from ganbench.objectives import build_objective
from ganbench.domains.sequence.quality_diversity import load_curves, plot_curves, temperature_sweep
from ganbench.tasks import TASKS


@pytest.fixture(scope="module")
def trained():
    task = TASKS.get("text/oracle-tiny")()
    cfg = resolve(task.spec, build_objective("mle"), {}, steps=1)
    torch.manual_seed(0)
    G, _ = task.build_models(cfg)
    opt = torch.optim.Adam(G.parameters(), lr=1e-2)
    data = task.train_tokens()
    for i in range(0, 1600, 64):
        loss = G.nll(data[i:i + 64])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return task, G


def test_sweep_point_at_one_equals_plain_evaluation(trained):
    task, G = trained
    sweep = temperature_sweep(task, G, ["nll_oracle", "nll_test"], n=500, seed=9, temperatures=(0.5, 1.0, 2.0))
    plain_raw = task.sample(G, 500, torch.Generator().manual_seed(9))
    plain = evaluate_samples(task, task.decode(plain_raw), ["nll_oracle", "nll_test"])
    at_one = sweep["points"][1]
    assert at_one["temperature"] == 1.0
    assert at_one["nll_oracle"] == pytest.approx(plain["nll_oracle"].value)
    assert at_one["nll_test"] == pytest.approx(plain["nll_test"].value)
    cold, hot = sweep["points"][0], sweep["points"][2]
    assert cold["nll_oracle"] < at_one["nll_oracle"] < hot["nll_oracle"]  # colder samples: likelier under the oracle
    assert at_one["nll_test"] < cold["nll_test"]  # ... but the model covers the test set worse
    assert G.temperature == 1.0


def test_curves_from_records_and_plot(trained, tmp_path):
    task, G = trained
    rid = "text-oracle-tiny__mle__s0"
    paths = G and task.save_artifacts(G, tmp_path / rid, rid)
    assert (tmp_path / paths["samples"]).read_text().count("\n") == 1000
    record = {"objective": "mle", "tag": None, "artifacts": paths}
    curves = load_curves([record], tmp_path)
    assert len(curves["mle"][0]["points"]) == 5
    plot_curves(curves, "nll_test", "nll_oracle", tmp_path / "qd.png")
    assert (tmp_path / "qd.png").stat().st_size > 1000
    assert json.loads((tmp_path / paths["quality_diversity"]).read_text())["n_samples"] == 2000
