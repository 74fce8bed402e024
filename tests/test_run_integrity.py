"""What a run resumes from, what it keeps, and what the machine's faults leave behind (issue 24).

A checkpoint names its run (task, task version, objective, seed, tag, config hash) and is refused
with one line when any differs; an older checkpoint of the same run still resumes. A full disk
while a checkpoint is written is one line saying so, and no failed record: the same command
resumes. A stored error message is cut to a bound. Cache entries carry a checksum that every read
verifies, and ``ganbench cache verify`` checks them all; ``GANBENCH_CACHE=/`` is refused instead
of walked. Garbage in ``GANBENCH_PLUGINS`` is one line and the built-ins work; a plugin that calls
``sys.exit`` is one line, not a silent end.
"""

import errno
import json
import os
import shutil
import sys

import numpy as np
import pytest
import torch

from cli_helpers import NETS, QUIET, ganbench_child, one_line_error, run_cli
from ganbench.cli import main


def _run(capsys, results, task="toy/ring8", *extra, steps="4"):
    return run_cli(capsys, "run", task, "--steps", steps, *NETS, *QUIET, "--results", str(results), *extra)


# --- a checkpoint names its run ------------------------------------------------------------------
@pytest.fixture(scope="module")
def grid_checkpoint(tmp_path_factory):
    root = tmp_path_factory.mktemp("grid")
    assert main(["run", "toy/grid25", "--steps", "4", *NETS, *QUIET, "--results", str(root)]) == 0
    return root / "toy-grid25__ns__s0" / "checkpoint.pt"


@pytest.mark.parametrize("target, extra, needle", [
    ("toy-ring8__ns__s0", ("toy/ring8",), "task 'toy/grid25', now 'toy/ring8'"),
    ("toy-grid25__hinge__s0", ("toy/grid25", "-o", "hinge"), "objective 'ns', now 'hinge'"),
    ("toy-grid25__ns__s0__other", ("toy/grid25", "--tag", "other"), "tag None, now 'other'"),
])
def test_a_checkpoint_of_another_run_is_refused(capsys, tmp_path, grid_checkpoint, target, extra, needle):
    folder = tmp_path / "R" / target
    folder.mkdir(parents=True)
    shutil.copy(grid_checkpoint, folder / "checkpoint.pt")
    code, _, err = run_cli(capsys, "run", *extra, "--steps", "4", *NETS, *QUIET, "--results", str(tmp_path / "R"))
    one_line_error(code, err, needle)
    assert "written by another run" in err and not list((tmp_path / "R").glob("*.json"))


def test_grid_and_ring_share_a_config_hash_so_only_the_name_tells():
    """Why the hash alone cannot catch the copy: both tasks resolve to the same config."""
    from ganbench.core import config as config_mod
    from ganbench.objectives import build_objective
    from ganbench.tasks import TASKS

    hashes = {config_mod.config_hash(config_mod.resolve(TASKS.get(t).spec, build_objective("ns"), {}, steps=4))
              for t in ("toy/ring8", "toy/grid25")}
    assert len(hashes) == 1


def test_an_older_checkpoint_of_the_same_run_still_resumes(capsys, tmp_path):
    from ganbench.engine import runner
    from ganbench.engine.checkpoint import load_checkpoint, save_checkpoint
    from ganbench.engine.planning import RunRequest
    from ganbench.engine.trainer import train

    results = tmp_path / "R"
    req = RunRequest("toy/ring8", "ns", 0, results, steps=4,
                     overrides={"g_hidden": 8, "g_layers": 1, "d_hidden": 8, "d_layers": 1, "checkpoint_every": 2})
    run = runner.resolve(req)
    train(run.task, run.objective, run.cfg, 0, run.run_dir, progress=False, stop_after=2)
    ck = load_checkpoint(run.run_dir / "checkpoint.pt")
    assert ck["run"]["task"] == "toy/ring8" and ck["run"]["objective"] == "ns"
    del ck["run"]  # as a checkpoint written before checkpoints named their run
    save_checkpoint(run.run_dir / "checkpoint.pt", ck)
    outcome = runner.execute(req)
    assert outcome.action == "resumed" and outcome.record["status"] == "ok"
    assert outcome.record["resumed_from_step"] == 2


# --- a full disk while checkpointing ----------------------------------------------------------------
def test_full_disk_during_a_checkpoint_is_one_line_and_the_run_resumes(capsys, tmp_path, monkeypatch):
    """The second checkpoint hits ENOSPC half-way (faked at the file the checkpoint writes): one
    line naming the cause, no failed record, no temporary file left; the same command resumes
    from the first checkpoint once there is space."""
    from ganbench.engine import checkpoint

    real_open = open
    calls = []

    class FullDisk:
        def __init__(self, f):
            self.f, self.written = f, 0

        def write(self, data):
            self.written += len(data)
            if self.written > 600:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.f.__exit__(*exc)

    def fake_open(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        if "w" in mode and ".checkpoint.pt." in str(path):
            calls.append(path)
            if len(calls) == 2:
                return FullDisk(f)
        return f

    monkeypatch.setattr(checkpoint, "open", fake_open, raising=False)
    results = tmp_path / "R"
    code, _, err = _run(capsys, results, "toy/ring8", "--set", "checkpoint_every=2")
    one_line_error(code, err, "No space left on device")
    assert "checkpoint.pt" in err and "RuntimeError" not in err and "enforce" not in err
    assert not list(results.glob("*.json"))
    assert [p.name for p in (results / "toy-ring8__ns__s0").iterdir() if p.name.startswith(".")] == []
    monkeypatch.setattr(checkpoint, "open", real_open, raising=False)  # space freed
    code, out, err = _run(capsys, results, "toy/ring8", "--set", "checkpoint_every=2")
    assert code == 0 and "resumed, ok" in out, err


def test_torch_writer_failure_without_an_os_error_stays_a_failure_of_the_run(tmp_path, monkeypatch):
    """Only an OS error is the machine's: any other error of torch.save is not turned into one."""
    from ganbench.engine import checkpoint

    def broken(obj, f, *a, **k):
        raise RuntimeError("something inside torch")

    monkeypatch.setattr(checkpoint.torch, "save", broken)
    with pytest.raises(RuntimeError, match="something inside torch"):
        checkpoint.save_checkpoint(tmp_path / "checkpoint.pt", {"a": torch.zeros(3)})
    assert list(tmp_path.iterdir()) == []


# --- a stored error is bounded ---------------------------------------------------------------------
def test_a_huge_error_message_is_cut_in_the_record(capsys, tmp_path, monkeypatch):
    from ganbench.domains.toy.task import GaussianMixtureTask

    def explode(self, cfg):
        raise ValueError("spam " * 2_000_000)  # 10 MB of message

    monkeypatch.setattr(GaussianMixtureTask, "build_models", explode)
    code, out, err = _run(capsys, tmp_path / "R")
    assert code == 1
    path = tmp_path / "R" / "toy-ring8__ns__s0.json"
    rec = json.loads(path.read_text())
    assert rec["status"] == "failed" and rec["error"].startswith("ValueError: spam spam")
    assert "characters cut" in rec["error"] and path.stat().st_size < 40_000
    assert len(out) < 10_000


def test_an_older_record_with_a_huge_error_is_read_cut(capsys, tmp_path, monkeypatch):
    from ganbench.core.records import load_records
    from ganbench.domains.toy.task import GaussianMixtureTask

    monkeypatch.setattr(GaussianMixtureTask, "build_models", lambda self, cfg: 1 / 0)
    assert _run(capsys, tmp_path / "R")[0] == 1
    path = tmp_path / "R" / "toy-ring8__ns__s0.json"
    rec = json.loads(path.read_text())
    rec["error"] = "ZeroDivisionError: " + "x" * 5_000_000  # as an older ganbench stored it
    path.write_text(json.dumps(rec))
    loaded = load_records(tmp_path / "R").records
    assert len(loaded) == 1 and len(loaded[0]["error"]) < 2100 and "characters cut" in loaded[0]["error"]


# --- cache entries carry a checksum ------------------------------------------------------------------
def _cache(tmp_path):
    from ganbench.engine.refcache import RefKey, ReferenceCache

    return ReferenceCache(tmp_path / "cache" / "refstats"), RefKey("toy/x", "1", "feat", n=3)


def test_an_altered_cache_entry_is_recomputed_not_used(tmp_path):
    cache, key = _cache(tmp_path)
    made = []

    def compute():
        made.append(1)
        return {"mu": np.arange(3.0), "sigma": np.eye(3)}

    first = cache.get(key, compute)
    with np.load(cache.path(key), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["mu"] = arrays["mu"] + 0.5  # someone edits the statistics and keeps the checksum
    np.savez(cache.path(key), **arrays)
    with pytest.warns(RuntimeWarning, match="checksum"):
        again = cache.get(key, compute)
    assert len(made) == 2 and np.array_equal(again["mu"], first["mu"])
    assert set(again) == {"mu", "sigma"}


def test_an_entry_without_a_checksum_is_recomputed(tmp_path):
    cache, key = _cache(tmp_path)
    cache.root.mkdir(parents=True)
    np.savez(cache.path(key), mu=np.zeros(3) + 7, sigma=np.eye(3))  # as an older ganbench wrote it
    with pytest.warns(RuntimeWarning, match="no checksum"):
        got = cache.get(key, lambda: {"mu": np.arange(3.0), "sigma": np.eye(3)})
    assert np.array_equal(got["mu"], np.arange(3.0))


def test_cache_verify_checks_every_entry(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    from ganbench.engine.refcache import RefKey, ReferenceCache

    good = ReferenceCache(kind="refstats")
    good.get(RefKey("toy/x", "1", "a"), lambda: {"v": np.arange(4)})
    good.get(RefKey("toy/x", "1", "b"), lambda: {"v": np.arange(5)})
    ReferenceCache(kind="classifiers").get(RefKey("image/x", "1", "net"), lambda: {"w": np.ones(2)})
    code, out, err = run_cli(capsys, "cache", "verify")
    assert code == 0 and "3 entries" in out and "intact" in out, out + err
    bad = good.path(RefKey("toy/x", "1", "b"))
    with np.load(bad, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["v"] = arrays["v"] * 2
    np.savez(bad, **arrays)
    (tmp_path / "cache" / "refstats" / "junk.npz").write_bytes(b"not a zip")
    code, out, err = run_cli(capsys, "cache", "verify")
    assert code == 1 and bad.name in out and "junk.npz" in out, out


def test_cache_verify_of_a_task_still_recomputes_its_shipped_statistics(capsys):
    code, _, err = run_cli(capsys, "cache", "verify", "molecule/nope")
    assert code == 2 and "no shipped statistics named 'molecule/nope'" in err


def test_an_altered_mle_snapshot_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    from ganbench.domains.sequence import snapshots

    class State:
        def __init__(self):
            self.G = torch.nn.Linear(2, 2)
            self.opt_g = torch.optim.Adam(self.G.parameters())
            self.rng = torch.Generator().manual_seed(0)
            self.extras = {"mle_origin": "abc"}

    saved = State()
    saved.G(torch.ones(1, 2)).sum().backward()
    saved.opt_g.step()  # Adam's state holds 0-d step tensors
    snapshots.save_snapshot(saved, 5)
    path = snapshots.snapshot_path("abc", 5)
    blob = torch.load(path, weights_only=True)
    blob["G"]["weight"] += 1.0  # altered weights, checksum kept
    torch.save(blob, path)
    fresh = State()
    before = fresh.G.weight.detach().clone()
    with pytest.warns(RuntimeWarning, match="checksum"):
        assert snapshots.load_snapshot(fresh, 5) is False
    assert torch.equal(fresh.G.weight, before)
    snapshots.save_snapshot(saved, 6)
    assert snapshots.load_snapshot(State(), 6) is True


@pytest.mark.parametrize("root", ["/", "~"])
def test_cache_at_the_file_system_root_is_refused_not_walked(capsys, monkeypatch, root):
    monkeypatch.setenv("GANBENCH_CACHE", os.path.expanduser(root))
    code, _, err = run_cli(capsys, "cache")
    one_line_error(code, err, "GANBENCH_CACHE")


def test_cache_info_counts_only_ganbench_folders_and_is_bounded(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path))
    (tmp_path / "unrelated").mkdir()
    for i in range(50):
        (tmp_path / "unrelated" / f"{i}.bin").write_bytes(b"x")
    (tmp_path / "refstats").mkdir()
    (tmp_path / "refstats" / "a.npz").write_bytes(b"x" * 10)
    code, out, _ = run_cli(capsys, "cache")
    assert code == 0 and "unrelated" not in out and "refstats" in out


# --- plugins from the environment ---------------------------------------------------------------


GARBAGE = os.pathsep.join(["", "no_such_plugin_module", "/nonexistent/x.py", ".", "a b c", "\x7f"])


def test_garbage_in_the_plugin_variable_leaves_the_builtins_working(tmp_path):
    out = ganbench_child(["list"], {"GANBENCH_PLUGINS": GARBAGE}, tmp_path)
    assert out.returncode == 0 and "toy/ring8" in out.stdout, out.stderr
    problems = out.stderr.strip().splitlines()
    assert problems and all(line.startswith("ganbench: plugin problem:") for line in problems), out.stderr
    pts = tmp_path / "p.npy"
    np.save(pts, np.zeros((10, 2)))
    out = ganbench_child(["eval", "toy/ring8", "--samples", str(pts)], {"GANBENCH_PLUGINS": "no_such_plugin_module"}, tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout)["task"] == "toy/ring8", out.stderr
    assert out.stderr.count("\n") == 1 and "no_such_plugin_module" in out.stderr


@pytest.mark.parametrize("how", ["env", "option"])
def test_a_plugin_that_calls_sys_exit_is_one_line(tmp_path, how):
    (tmp_path / "quits.py").write_text("import sys\nsys.exit(3)\n")
    if how == "env":
        out = ganbench_child(["list"], {"GANBENCH_PLUGINS": str(tmp_path / "quits.py")}, tmp_path)
        assert out.returncode == 0 and "toy/ring8" in out.stdout
        assert "sys.exit(3)" in out.stderr and out.stderr.count("\n") == 1, out.stderr
    else:
        out = ganbench_child(["--plugin", str(tmp_path / "quits.py"), "list"], {}, tmp_path)
        assert out.returncode == 2 and out.stderr.startswith("ganbench: error:") and "sys.exit(3)" in out.stderr
        assert out.stderr.count("\n") == 1, out.stderr


def test_an_objective_that_calls_sys_exit_while_training_is_a_failed_run(capsys, tmp_path, monkeypatch):
    from ganbench.objectives.adversarial import NonSaturating

    def quit_(self, state):
        sys.exit(4)

    monkeypatch.setattr(NonSaturating, "step", quit_)
    code, out, err = _run(capsys, tmp_path / "R")
    assert code == 1
    rec = json.loads((tmp_path / "R" / "toy-ring8__ns__s0.json").read_text())
    assert rec["status"] == "failed" and "sys.exit(4)" in rec["error"]
