"""The same run gives bit-identical numbers however it is launched: alone, in a 1-run sweep, in a
4-run sweep, and in a sweep killed with SIGKILL mid-run and re-run with another ``--workers``.

Torch's thread count changes floating-point sums; it is part of a run's config (``threads``) and
the trainer applies it, so the executor's choice of parallel runs cannot reach the numbers. At the
smoke sizes the metrics alone are too coarse to show a thread-count difference after 60 steps, so
the test also compares the per-step losses (``log.csv``) and the trained weights bit for bit.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.core.config import ADDED_KEYS, config_hash, resolve
from ganbench.core.records import load_records, read_record
from ganbench.engine.runner import RunRequest, execute
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

SMOKE = {"g_hidden": 16, "g_layers": 1, "d_hidden": 16, "d_layers": 1, "batch_size": 32}
STEPS = 60
RUN = "toy-ring8__ns__s0"


def sweep_file(folder: Path, name: str, seeds: str, **extra) -> Path:
    settings = ", ".join(f"{k}: {v}" for k, v in {**SMOKE, **extra}.items())
    path = folder / f"{name}.yaml"
    path.write_text(f"tasks: [toy/ring8]\nobjectives: [ns]\nseeds: {seeds}\nsteps: {STEPS}\nset: {{{settings}}}\n")
    return path


def fingerprint(results: Path) -> dict:
    """Everything a run's numbers are: metrics, config hash, per-step log and trained weights."""
    rec = read_record(results / f"{RUN}.json")
    assert rec["status"] == "ok", rec.get("error")
    ckpt = torch.load(results / RUN / "checkpoint.pt", map_location="cpu", weights_only=True)
    return {"metrics": rec["metrics"], "config_hash": rec["config_hash"],
            "log": (results / RUN / "log.csv").read_text(),
            "G": {k: v.numpy().tobytes() for k, v in ckpt["G"].items()},
            "D": {k: v.numpy().tobytes() for k, v in ckpt["D"].items()}}


def kill_after_first_checkpoint(sweep: Path, results: Path, log: Path) -> None:
    """Start ``ganbench sweep`` in its own session and SIGKILL the whole group (a lost machine:
    nothing cleans up) as soon as the compared run has written its first checkpoint."""
    env = dict(os.environ, CI="true")
    proc = subprocess.Popen([sys.executable, "-m", "ganbench.cli", "sweep", str(sweep), "--results", str(results),
                             "--workers", "2", "--no-progress"], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)
    ckpt, t0 = results / RUN / "checkpoint.pt", time.monotonic()
    try:
        while not ckpt.exists():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() - t0 < 120, "no checkpoint within 120 s"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups")
def test_same_run_same_bits_however_launched(tmp_path, capsys):
    smoke = [a for k, v in SMOKE.items() for a in ("--set", f"{k}={v}")]
    alone = tmp_path / "alone"
    assert main(["run", "toy/ring8", "-o", "ns", "--steps", str(STEPS), *smoke, "--results", str(alone),
                 "--no-progress", "--no-table"]) == 0
    reference = fingerprint(alone)

    one = tmp_path / "one"
    assert main(["sweep", str(sweep_file(tmp_path, "one", "[0]")), "--results", str(one), "--no-progress"]) == 0
    four = tmp_path / "four"
    assert main(["sweep", str(sweep_file(tmp_path, "four", "0-3")), "--results", str(four),
                 "--workers", "2", "--no-progress"]) == 0

    killed = tmp_path / "killed"
    cut = sweep_file(tmp_path, "killed", "0-1", checkpoint_every=5)  # checkpoint cadence is not identity
    kill_after_first_checkpoint(cut, killed, tmp_path / "killed.log")
    assert not (killed / f"{RUN}.json").exists(), "the run finished before the kill; nothing was resumed"
    assert main(["sweep", str(cut), "--results", str(killed), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    resumed = read_record(killed / f"{RUN}.json")
    assert resumed.get("resumed_from_step", 0) >= 5  # it did resume, in a process launched differently

    launches = {"1-run sweep": one, "4-run sweep": four, "killed and re-run sweep": killed}
    differ = [f"{name}: {key}" for name, folder in launches.items()
              for key, value in fingerprint(folder).items() if value != reference[key]]
    assert not differ, f"differs from `ganbench run`: {differ}"


def test_threads_are_identity_and_the_legacy_value_is_what_committed_records_ran_with(committed_results):
    cfg = resolve(TASKS.get("toy/ring8").spec, build_objective("ns"))
    assert cfg["threads"] == 1
    without = {k: v for k, v in cfg.items() if k != "threads"}
    assert config_hash(cfg) == config_hash(without)  # a record from before the key keeps its hash
    assert config_hash({**cfg, "threads": 2}) != config_hash(cfg)
    assert config_hash({**cfg, "threads": True}) != config_hash(cfg)  # only the int 1 is the legacy value
    legacy = ADDED_KEYS["threads"].legacy
    loaded = load_records(committed_results)
    assert loaded.records
    for rec in loaded.records:  # they hash as threads=1 runs: that must be what they were
        assert "threads" in rec["config"] or rec["provenance"]["torch_threads"] in legacy, rec["run_id"]


def test_the_trainer_applies_the_run_threads_and_records_them(tmp_path, monkeypatch):
    from ganbench.engine.threads import ENV_VARS, apply_threads

    before = torch.get_num_threads()
    for var in ENV_VARS:  # restored after the test
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    try:
        torch.set_num_threads(1)
        rec = execute(RunRequest("toy/ring8", "ns", 0, tmp_path, steps=3, overrides={**SMOKE, "threads": 2},
                                 progress=False)).record
        assert rec["config"]["threads"] == 2 and rec["provenance"]["torch_threads"] == 2
        assert os.environ["OMP_NUM_THREADS"] == "2"
        plain = resolve(TASKS.get("toy/ring8").spec, build_objective("ns"), SMOKE, steps=3)
        assert rec["config_hash"] != config_hash(plain)  # another thread count is another run
    finally:
        apply_threads(before)


def test_sweep_threads_option_is_refused_with_the_way_to_set_them(tmp_path, capsys):
    f = sweep_file(tmp_path, "s", "[0]")
    assert main(["sweep", str(f), "--results", str(tmp_path / "r"), "--threads", "2", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--threads" in err and "set: {threads: N}" in err and not (tmp_path / "r").exists()
