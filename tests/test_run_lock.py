"""One process per run: a second launch of a run that is training exits 2 naming the holder, and the
lock of a killed process does not block the next launch.

The first launch is a forked ``ganbench run`` (the CLI's ``main`` in a child process, without a
second interpreter start-up); stopping it with SIGSTOP while it holds the lock makes the overlap
certain instead of a race against its training speed.
"""

import csv
import multiprocessing as mp
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.engine.runlock import LOCK_NAME, RunLock

NETS = ["--set", "g_hidden=8", "--set", "g_layers=1", "--set", "d_hidden=8", "--set", "d_layers=1"]
RID = "toy-ring8__ns__s0"

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")


def command(results: Path, steps: int, every: int) -> list[str]:
    return ["run", "toy/ring8", "--steps", str(steps), "--results", str(results), "--set", f"checkpoint_every={every}",
            *NETS, "--no-table", "--no-progress"]


def _child(argv):
    os._exit(main(argv))


def launch(argv) -> mp.Process:
    proc = mp.get_context("fork").Process(target=_child, args=(argv,))
    proc.start()
    return proc


def wait_for(condition, proc, timeout=120.0):
    end = time.monotonic() + timeout
    while not condition():
        assert proc.is_alive() or condition(), f"the first launch ended early (exit {proc.exitcode})"
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def holds_lock(run_dir: Path, pid: int):
    return lambda: (run_dir / LOCK_NAME).exists() and f"pid={pid} " in (run_dir / LOCK_NAME).read_text()


def logged_steps(run_dir: Path) -> list[int]:
    with open(run_dir / "log.csv", newline="") as f:
        return [int(row["step"]) for row in csv.DictReader(f)]


def test_second_launch_exits_2_naming_the_holder_and_the_first_trains_once(tmp_path, capsys):
    res, run_dir = tmp_path / "runs", tmp_path / "runs" / RID
    argv = command(res, 120, 40)
    first = launch(argv)
    try:
        wait_for(holds_lock(run_dir, first.pid), first)
        os.kill(first.pid, signal.SIGSTOP)  # it holds the lock and cannot finish while the second launch runs
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and err.startswith("ganbench: error:")
        assert f"pid {first.pid} on {socket.gethostname()}" in err and RID in err
    finally:
        os.kill(first.pid, signal.SIGCONT)
        first.join(120)
    assert first.exitcode == 0
    assert logged_steps(run_dir) == list(range(120))  # one writer: every step once
    assert main(argv) == 0 and "skipped" in capsys.readouterr().out


def test_lock_of_a_killed_run_does_not_block_the_next_launch(tmp_path, capsys):
    res, run_dir = tmp_path / "runs", tmp_path / "runs" / RID
    argv = command(res, 60, 10)
    first = launch(argv)
    wait_for(lambda: (run_dir / "checkpoint.pt").exists() and holds_lock(run_dir, first.pid)(), first)
    first.kill()  # SIGKILL: no clean-up runs
    first.join(30)
    assert (run_dir / LOCK_NAME).exists() and not (res / f"{RID}.json").exists()
    assert main(argv) == 0
    assert f"{RID}: resumed, ok" in capsys.readouterr().out
    assert logged_steps(run_dir) == list(range(60))
    assert (run_dir / LOCK_NAME).read_text() == ""  # released: no holder named any more


def test_lock_in_this_process_blocks_and_releases(tmp_path, capsys):
    res, run_dir = tmp_path / "runs", tmp_path / "runs" / RID
    lock = RunLock(run_dir, RID)
    with lock:
        assert main(command(res, 4, 2)) == 2
        assert f"pid {os.getpid()}" in capsys.readouterr().err
        assert not (run_dir / "log.csv").exists()
    assert main(command(res, 4, 2)) == 0  # released on exit from the block
