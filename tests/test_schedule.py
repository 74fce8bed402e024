"""Learning-rate schedules: closed-form factors, applied by the trainer, exact across a resume."""

import math

import pytest
import torch

from ganbench.core.config import config_hash, resolve
from ganbench.core.errors import UserError
from ganbench.engine.checkpoint import load_checkpoint
from ganbench.engine.runner import RunRequest, prepare
from ganbench.engine.schedule import lr_factor
from ganbench.engine.trainer import train
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

SMALL = {"g_hidden": 16, "g_layers": 1, "d_hidden": 16, "d_layers": 1, "batch_size": 32}


@pytest.mark.parametrize("name, step, total, expected", [
    ("none", 7, 10, 1.0),
    ("linear", 0, 10, 1.0), ("linear", 5, 10, 0.5), ("linear", 9, 10, 0.1),
    ("cosine", 0, 8, 1.0), ("cosine", 2, 8, (1 + math.sqrt(0.5)) / 2), ("cosine", 4, 8, 0.5),
    ("cosine", 6, 8, (1 - math.sqrt(0.5)) / 2),
])
def test_factors_follow_their_closed_forms(name, step, total, expected):
    assert lr_factor(name, step, total) == pytest.approx(expected, abs=1e-15)


def test_unknown_schedule_is_an_input_error():
    spec = TASKS.get("toy/ring8").spec
    with pytest.raises(UserError, match="lr_decay must be one of none, linear, cosine, got 'exp'"):
        resolve(spec, build_objective("ns"), {"lr_decay": "exp"})


def test_constant_rates_keep_old_hashes_and_a_schedule_changes_the_hash():
    spec = TASKS.get("toy/ring8").spec
    cfg = resolve(spec, build_objective("ns"), budget="quick")  # the quick budget keeps constant rates
    assert cfg["lr_decay"] == "none"
    assert config_hash(cfg) == config_hash({k: v for k, v in cfg.items() if k != "lr_decay"})
    assert config_hash(cfg) != config_hash({**cfg, "lr_decay": "cosine"})


def _weights(path):
    return load_checkpoint(path)["G"]


def test_trainer_sets_the_scheduled_rate_and_resumes_exactly(tmp_path):
    over = {**SMALL, "lr_decay": "linear", "checkpoint_every": 10}
    task, obj, cfg = prepare(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=40, overrides=over))
    whole = train(task, obj, cfg, 0, tmp_path / "whole", progress=False)
    assert whole.status == "ok"
    halted = train(task, obj, cfg, 0, tmp_path / "split", progress=False, stop_after=20)
    assert halted.status == "stopped"
    ck = load_checkpoint(tmp_path / "split" / "checkpoint.pt")
    # the last step taken was step 19 of 40: linear factor 1 - 19/40
    for key, base in (("opt_g", cfg["lr_g"]), ("opt_d", cfg["lr_d"])):
        assert ck[key]["param_groups"][0]["lr"] == pytest.approx(base * (1 - 19 / 40))
    task, obj, cfg = prepare(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=40, overrides=over))
    assert train(task, obj, cfg, 0, tmp_path / "split", progress=False).status == "ok"
    a, b = _weights(tmp_path / "whole" / "checkpoint.pt"), _weights(tmp_path / "split" / "checkpoint.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)
    constant = train(*prepare(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=40,
                                         overrides={**over, "lr_decay": "none"}))[:3], 0, tmp_path / "const", progress=False)
    assert constant.status == "ok"
    c = _weights(tmp_path / "const" / "checkpoint.pt")
    assert any(not torch.equal(a[k], c[k]) for k in a)  # the schedule did change the training


def test_a_named_budget_brings_its_settings_and_steps_alone_do_not():
    from dataclasses import replace

    spec = replace(TASKS.get("toy/ring8").spec, budgets={"quick": 10, "default": 40},
                   budget_settings={"default": {"lr_decay": "cosine"}})
    ns = build_objective("ns")
    assert resolve(spec, ns)["lr_decay"] == "cosine" and resolve(spec, ns)["steps"] == 40
    assert resolve(spec, ns, budget="default")["lr_decay"] == "cosine"
    assert resolve(spec, ns, budget="quick")["lr_decay"] == "none"
    assert resolve(spec, ns, steps=40)["lr_decay"] == "none"  # a bare length is not the default protocol
    assert resolve(spec, ns, {"lr_decay": "linear"}, budget="default")["lr_decay"] == "linear"  # --set wins
    with pytest.raises(ValueError, match="budget_settings for unknown budgets"):
        replace(spec, budget_settings={"long": {"lr_decay": "cosine"}})


def test_moses_default_budget_is_the_converged_charrnn_protocol():
    cfg = resolve(TASKS.get("molecule/moses").spec, build_objective("mle"))
    assert (cfg["steps"], cfg["lr_decay"], cfg["g_hidden_dim"], cfg["lr_g"]) == (30_000, "cosine", 384, 1e-3)
    # the committed 256-unit records were made with --steps alone, which keeps the task's 256 units
    assert resolve(TASKS.get("molecule/moses").spec, build_objective("mle"), steps=30_000)["g_hidden_dim"] == 256


@pytest.mark.parametrize("name,steps", [("toy/ring8", 20_000), ("toy/grid25", 30_000)])
def test_toy_default_budget_trains_pacgans_nets_and_the_quick_one_the_small_nets(name, steps):
    spec, ns = TASKS.get(name).spec, build_objective("ns")
    nets = ("g_hidden", "g_layers", "d_hidden", "d_layers", "d_maxout", "batch_size")
    full = resolve(spec, ns)
    # PacGAN's synthetic_data_experiments: G 4 x 400, D 3 x 200 maxout(5), batch 100
    assert [full[k] for k in nets] + [full["steps"], full["lr_decay"]] == [400, 4, 200, 3, 5, 100, steps, "cosine"]
    quick = resolve(spec, ns, budget="quick")
    assert [quick[k] for k in nets] + [quick["lr_decay"]] == [128, 3, 128, 2, 5, 100, "none"]
    # a bare --steps keeps the small nets, so the 5,000-step records still match their command
    assert resolve(spec, ns, steps=5000)["g_hidden"] == 128
