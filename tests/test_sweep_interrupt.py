"""A sweep that is interrupted (killed worker, Ctrl-C, lost machine) loses no record and finishes on re-run.

The sweep runs as a real `ganbench sweep` process in its own session, so the test can kill one
worker, the whole process group (a lost node: nothing gets to clean up), or send the parent SIGINT.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.core.records import load_records

SWEEP = """
tasks: [toy/ring8]
objectives: [ns]
seeds: 0-5
steps: 150
set: {g_hidden: 16, g_layers: 1, d_hidden: 16, d_layers: 1, batch_size: 32, checkpoint_every: 50}
"""
EXPECTED = {f"toy-ring8__ns__s{s}" for s in range(6)}


def start(sweep: Path, res: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, CI="true", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "ganbench.cli", "sweep", str(sweep), "--results", str(res),
                             "--workers", "2", "--no-progress"],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True, env=env)


def records(res: Path) -> list[Path]:
    return sorted(res.glob("*.json")) if res.exists() else []


def wait_for(cond, proc, timeout=180.0):
    t0 = time.monotonic()
    while not cond():
        if proc.poll() is not None:
            return False
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting for the sweep")
        time.sleep(0.1)
    return True


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def worker_pids(parent: int) -> list[int]:
    """The pool's workers under ``parent``: spawned interpreters, or forks of the forkserver."""
    out = []
    for pid in children(parent):
        cmd = cmdline(pid)
        if b"spawn_main" in cmd:
            out.append(pid)
        elif b"forkserver" in cmd:
            out += children(pid)
    return out


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited orphan may wait for a reaper that never comes in a container)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
def test_killed_worker_then_ctrl_c_lose_nothing_and_rerun_completes(tmp_path, capsys):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP)
    res = tmp_path / "runs"

    # 1. a worker is killed mid-run: the pool is rebuilt, the run is retried, nothing is recorded as failed
    proc = start(sweep, res, tmp_path / "log1.txt")
    try:
        assert wait_for(lambda: len(records(res)) >= 1, proc), "sweep ended before the first record"
        pids, t0 = [], time.monotonic()
        while not pids and proc.poll() is None and time.monotonic() - t0 < 60:  # a loaded machine is slow
            pids = worker_pids(proc.pid)
            time.sleep(0.05)
        assert pids, "no pool worker found"
        os.kill(pids[0], signal.SIGKILL)
        assert wait_for(lambda: "a worker process died" in (tmp_path / "log1.txt").read_text(), proc), \
            (tmp_path / "log1.txt").read_text()
        # 2. Ctrl-C on the parent: workers are stopped, exit code 130, nothing half-written
        wait_for(lambda: len(records(res)) >= 2, proc)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    log = (tmp_path / "log1.txt").read_text()
    assert code in (130, 0), log  # 0 only if the machine was fast enough to finish first
    t0 = time.monotonic()
    while group_alive(proc.pid) and time.monotonic() - t0 < 15:
        time.sleep(0.2)
    assert not group_alive(proc.pid), "worker processes outlived the interrupted sweep"
    loaded = load_records(res)
    assert not loaded.problems and all(r["status"] == "ok" for r in loaded.records)

    kept = {p.name: p.read_bytes() for p in records(res)}

    # 3. re-running the same command finishes only what is missing
    assert_rerun_completes(sweep, res, kept, capsys)


def assert_rerun_completes(sweep, res, kept, capsys):
    assert main(["sweep", str(sweep), "--results", str(res), "--workers", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"{len(kept)} already recorded, {6 - len(kept)} to run" in out
    final = load_records(res)
    assert not final.problems
    ids = [r["run_id"] for r in final.records]
    assert sorted(ids) == sorted(EXPECTED) and len(ids) == len(set(ids))  # none lost, none twice
    assert all(r["status"] == "ok" and r["steps"]["completed"] == 150 for r in final.records)
    assert all(p.read_bytes() == kept[p.name] for p in records(res) if p.name in kept)  # finished ones untouched


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
def test_lost_parent_leaves_no_orphan_and_no_half_record(tmp_path, capsys):
    """SIGKILL of the sweep process alone (a lost session): its workers notice and exit; re-run completes."""
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(SWEEP)
    res = tmp_path / "runs"
    proc = start(sweep, res, tmp_path / "log.txt")
    try:
        assert wait_for(lambda: len(records(res)) >= 1, proc), "sweep ended before the first record"
        workers = worker_pids(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        t0 = time.monotonic()
        while any(running(w) for w in workers) and time.monotonic() - t0 < 20:
            time.sleep(0.2)
        alive = [w for w in workers if running(w)]
        assert not alive, f"orphaned workers still running: {alive}"
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    loaded = load_records(res)
    assert not loaded.problems and all(r["status"] == "ok" for r in loaded.records)
    kept = {p.name: p.read_bytes() for p in records(res)}
    assert_rerun_completes(sweep, res, kept, capsys)
