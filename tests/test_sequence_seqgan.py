"""MLE and SeqGAN through the shared trainer on the tiny oracle task."""

import math

import pytest
import torch

from ganbench.core.config import resolve
from ganbench.core.errors import UserError
from ganbench.objectives import build_objective
from ganbench.engine.trainer import train
from ganbench.tasks import TASKS

SMALL = {"d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8], "batch_size": 16}


@pytest.fixture(scope="module")
def task():
    return TASKS.get("text/oracle-tiny")()


def _run(task, objective, steps, run_dir, **over):
    obj = build_objective(objective)
    cfg = resolve(task.spec, obj, {**SMALL, **over}, steps=steps)
    obj.check(task, cfg)
    return train(task, obj, cfg, seed=3, run_dir=run_dir, progress=False)


def test_mle_lowers_test_nll(task, tmp_path):
    G0, _ = task.build_models(resolve(task.spec, build_objective("mle"), SMALL, steps=1))
    before = G0.nll_sum(task.test_tokens())
    result = _run(task, "mle", 60, tmp_path / "mle")
    after = result.G.nll_sum(task.test_tokens())
    assert after[0] / after[1] < before[0] / before[1] - 0.05


def test_seqgan_reuses_an_identical_mle_run_exactly(task, tmp_path, monkeypatch):
    over = {"pretrain_g_steps": 12, "pretrain_d_steps": 3, "rollouts": 2, "n_dis": 1}
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache-a"))
    fresh = _run(task, "seqgan", 18, tmp_path / "a", **over)  # computes its own MLE phase
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache-b"))
    _run(task, "mle", 12, tmp_path / "mle")  # leaves a snapshot after 12 steps
    reused = _run(task, "seqgan", 18, tmp_path / "b", **over)
    log = (tmp_path / "b" / "log.csv").read_text().splitlines()
    assert "mle_snapshot_loaded" in log[0]
    for p, q in zip(fresh.G.parameters(), reused.G.parameters()):
        assert torch.equal(p, q)


def test_seqgan_phases_log_what_they_do(task, tmp_path):
    result = _run(task, "seqgan", 9, tmp_path / "s", pretrain_g_steps=3, pretrain_d_steps=2, rollouts=2, n_dis=2)
    assert result.status == "ok"
    rows = (tmp_path / "s" / "log.csv").read_text().splitlines()
    header = rows[0].split(",")
    last = dict(zip(header, rows[-1].split(",")))
    assert math.isfinite(float(last["loss_g"])) and 0 < float(last["reward"]) < 1
    assert float(dict(zip(header, rows[1].split(",")))["loss_mle"]) > 0


def test_seqgan_resume_equals_an_uninterrupted_run(task, tmp_path):
    over = {"pretrain_g_steps": 3, "pretrain_d_steps": 2, "rollouts": 2, "n_dis": 1, "checkpoint_every": 1}
    whole = _run(task, "seqgan", 9, tmp_path / "whole", **over)
    obj = build_objective("seqgan")
    cfg = resolve(task.spec, obj, {**SMALL, **over}, steps=9)
    train(task, obj, cfg, seed=3, run_dir=tmp_path / "cut", progress=False, stop_after=7)
    resumed = train(task, build_objective("seqgan"), cfg, seed=3, run_dir=tmp_path / "cut", progress=False)
    assert resumed.resumed_from == 7
    for p, q in zip(whole.G.parameters(), resumed.G.parameters()):
        assert torch.equal(p, q)


def test_configuration_errors_are_user_errors(task):
    obj = build_objective("seqgan")
    with pytest.raises(UserError, match="adversarial phase"):
        obj.check(task, resolve(task.spec, obj, {"pretrain_g_steps": 10, "pretrain_d_steps": 5}, steps=15))
    with pytest.raises(UserError, match="differentiable"):
        ns = build_objective("ns")
        ns.check(task, resolve(task.spec, ns, {"gumbel": False}, steps=500))  # the relaxation turned off
    ring = TASKS.get("toy/ring8")()
    with pytest.raises(UserError, match="discrete sequence"):
        build_objective("mle").check(ring, {})


def test_gumbel_path_trains_with_core_objectives(task):
    from ganbench.engine.trainer import TrainState, make_optimizer

    for name in ("ns", "hinge", "wgan-gp", "rsgan"):
        obj = build_objective(name)
        cfg = resolve(task.spec, obj, {**SMALL, "pretrain_g_steps": 0}, steps=4)  # the relaxation is the default
        obj.check(task, cfg)
        G, D = task.build_models(cfg)
        state = TrainState(task, cfg, G, D, make_optimizer(G.parameters(), cfg, "g"), make_optimizer(D.parameters(), cfg, "d"),
                           torch.Generator().manual_seed(0))
        before = [p.clone() for p in G.parameters()]
        logs = obj.step(state)
        assert all(math.isfinite(v) for v in logs.values()), (name, logs)
        assert any(not torch.equal(a, b) for a, b in zip(before, G.parameters())), name
    task._one_hot_batches = False
