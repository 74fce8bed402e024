"""Trainer: seeds give identical runs, resume after a kill is exact, divergence is a result."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganbench.core.errors import UserError
from ganbench.objectives.adversarial import NonSaturating
from ganbench.core.records import read_record
from ganbench.engine.runner import RunRequest, execute

SMALL = ["--set", "g_hidden=16", "--set", "g_layers=1", "--set", "d_hidden=16", "--set", "d_layers=1",
         "--set", "batch_size=32"]
SMALL_OVR = {"g_hidden": 16, "g_layers": 1, "d_hidden": 16, "d_layers": 1, "batch_size": 32}


def _comparable(rec):
    return {k: rec[k] for k in ("metrics", "config", "config_hash", "steps", "status")}


def test_same_seed_same_numbers(tmp_path):
    a = execute(RunRequest("toy/ring8", "ns", 3, tmp_path / "a", steps=60, overrides=SMALL_OVR, progress=False))
    b = execute(RunRequest("toy/ring8", "ns", 3, tmp_path / "b", steps=60, overrides=SMALL_OVR, progress=False))
    assert _comparable(a.record) == _comparable(b.record)
    assert (tmp_path / "a" / a.record["run_id"] / "log.csv").read_text() == \
        (tmp_path / "b" / b.record["run_id"] / "log.csv").read_text()
    assert (tmp_path / "a" / a.record["artifacts"]["samples_png"]).stat().st_size > 1000
    c = execute(RunRequest("toy/ring8", "ns", 4, tmp_path / "a", steps=60, overrides=SMALL_OVR, progress=False))
    assert c.record["metrics"] != a.record["metrics"] or c.record["run_id"] != a.record["run_id"]


def test_existing_record_is_reused_and_never_overwritten(tmp_path):
    req = RunRequest("toy/ring8", "ns", 0, tmp_path, steps=20, overrides=SMALL_OVR, progress=False)
    first = execute(req)
    text = first.record_path.read_text()
    assert execute(req).action == "skipped"
    with pytest.raises(UserError, match="--tag"):
        execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=21, overrides=SMALL_OVR, progress=False))
    assert first.record_path.read_text() == text
    tagged = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=21, overrides=SMALL_OVR, tag="long", progress=False))
    assert tagged.record_path != first.record_path and tagged.record["tag"] == "long"


def _cli(*args, **kw):
    env = {**os.environ, "CI": "true", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "ganbench.cli", *args], env=env, **kw)


def test_resume_after_kill_gives_identical_record(tmp_path):
    args = ["run", "toy/ring8", "--objective", "ns", "--steps", "1500", "--set", "checkpoint_every=50",
            "--no-table", *SMALL]
    ref = _cli(*args, "--results", str(tmp_path / "ref"), stdout=subprocess.DEVNULL)
    assert ref.wait(timeout=300) == 0
    killed_dir = tmp_path / "killed"
    proc = _cli(*args, "--results", str(killed_dir), stdout=subprocess.DEVNULL)
    ckpt = killed_dir / "toy-ring8__ns__s0" / "checkpoint.pt"
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    record = killed_dir / "toy-ring8__ns__s0.json"
    assert not record.exists(), "the run finished before it could be killed; raise --steps"
    again = _cli(*args, "--results", str(killed_dir), stdout=subprocess.PIPE, text=True)
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0 and "resumed" in out
    a, b = read_record(tmp_path / "ref" / "toy-ring8__ns__s0.json"), read_record(record)
    assert b["resumed_from_step"] > 0
    assert _comparable(a) == _comparable(b)
    assert (tmp_path / "ref" / "toy-ring8__ns__s0" / "log.csv").read_text() == \
        (killed_dir / "toy-ring8__ns__s0" / "log.csv").read_text()


def test_resume_refuses_changed_config(tmp_path):
    from ganbench.engine.trainer import train
    from ganbench.engine.runner import prepare

    task, obj, cfg = prepare(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=40, overrides={**SMALL_OVR, "checkpoint_every": 10}))
    res = train(task, obj, cfg, 0, tmp_path / "run", progress=False, stop_after=20)
    assert res.status == "stopped"
    with pytest.raises(UserError, match="refusing to resume"):
        train(task, obj, {**cfg, "lr_g": 0.5}, 0, tmp_path / "run", progress=False)


class ExplodingNS(NonSaturating):
    """Returns a NaN loss at step 7, as a diverging GAN would."""

    def step(self, state):
        logs = super().step(state)
        if state.step == 7:
            logs["loss_g"] = float("nan")
        return logs


def test_divergence_is_recorded_not_raised(tmp_path, monkeypatch):
    import ganbench.engine.runner as runner

    monkeypatch.setattr(runner, "build_objective", lambda name: ExplodingNS())
    out = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=30, overrides=SMALL_OVR, progress=False))
    rec = read_record(out.record_path)
    assert rec["status"] == "diverged" and rec["diverged"]["step"] == 7 and "loss_g" in rec["diverged"]["reason"]
    assert rec["metrics"] == {}
    log = (tmp_path / rec["run_id"] / "log.csv").read_text().splitlines()
    assert log[-1].startswith("7,") and "nan" in log[-1]


def test_training_crash_is_a_failed_record(tmp_path, monkeypatch):
    import ganbench.engine.runner as runner

    class Broken(NonSaturating):
        def step(self, state):
            raise RuntimeError("boom")

    monkeypatch.setattr(runner, "build_objective", lambda name: Broken())
    out = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=5, overrides=SMALL_OVR, progress=False))
    assert out.record["status"] == "failed" and "boom" in out.record["error"]
    # re-running retries it and keeps the failed record aside, not lost
    monkeypatch.setattr(runner, "build_objective", lambda name: NonSaturating())
    again = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=5, overrides=SMALL_OVR, progress=False))
    assert again.record["status"] == "ok"
    kept = list((tmp_path / out.record["run_id"] / "previous-failures").glob("*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["status"] == "failed"


def test_crash_records_and_run_records_share_one_layout(tmp_path):
    from ganbench.engine.executors import record_crash

    ok = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=5, overrides=SMALL_OVR, progress=False)).record
    crash = RunRequest("toy/ring8", "ns", 1, tmp_path, steps=5, overrides=SMALL_OVR, progress=False)
    record_crash(crash, "WorkerDied: test")
    died = read_record(tmp_path / "toy-ring8__ns__s1.json")
    assert list(died) == list(ok)  # same keys, same order: one builder
    assert died["status"] == "failed" and died["steps"] == {"planned": 5, "completed": None}
    assert {k: died[k] for k in ("task", "config", "config_hash")} == {k: ok[k] for k in ("task", "config", "config_hash")}


def test_periodic_evaluations_say_their_step_and_training_seconds(tmp_path):
    """evals.jsonl: one line per eval_every steps (not at the end: the record has that), with the
    training seconds so far, growing, evaluations left out (the equal-compute view's x axis)."""
    out = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=60, progress=False,
                             overrides={**SMALL_OVR, "eval_every": 20}))
    lines = [json.loads(x) for x in (tmp_path / out.record["run_id"] / "evals.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [20, 40]
    assert 0 < lines[0]["seconds"] < lines[1]["seconds"] <= out.record["wall_time_s"]
    assert all("modes_covered" in x for x in lines)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_multi_tensor_optimizer_steps_equal_the_per_parameter_ones_bit_for_bit(optimizer):
    """The trainer's foreach optimizers (faster on the CPU) must not change a seeded run's weights:
    reference is PyTorch's per-parameter (foreach=False) update of the same net on the same grads."""
    import copy

    import torch

    from ganbench.core.device import optimizer_step
    from ganbench.engine.trainer import make_optimizer

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 1))
    ref = copy.deepcopy(net)
    cfg = {"lr_d": 2e-4, "optimizer": optimizer, "beta1": 0.5, "beta2": 0.999}
    ours = make_optimizer(net.parameters(), cfg, "d")
    theirs = (torch.optim.Adam(ref.parameters(), lr=2e-4, betas=(0.5, 0.999), foreach=False) if optimizer == "adam"
              else torch.optim.RMSprop(ref.parameters(), lr=2e-4, foreach=False))
    for step in range(25):
        x = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(step))
        norm, applied = optimizer_step(ours, net(x).square().mean(), list(net.parameters()))
        theirs.zero_grad()
        ref(x).square().mean().backward()
        expected = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in ref.parameters()]))
        theirs.step()
        assert applied and norm == float(expected)
    for a, b in zip(net.state_dict().values(), ref.state_dict().values()):
        assert torch.equal(a, b)
