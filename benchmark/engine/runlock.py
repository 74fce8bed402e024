"""One process per run: the lock a run holds on its folder while it trains and writes its record.

Two launches of the same run (the same command twice, two sweeps over one folder) would both
train, interleave one ``log.csv`` and race to write the record. :class:`RunLock` takes an
exclusive ``flock`` on ``<results>/<run_id>/run.lock``: the OS drops it when the holder ends in
any way (SIGKILL, out of memory, a lost session), so a lock never outlives its process and no
stale lock has to be broken by hand. The holder writes its pid, host and start time into the
file for the one-line message a second launch gets (:class:`RunInProgress`, exit 2) and empties
it on release. The file itself stays: removing it would let a third launch lock a new file while
a second still holds the old one. ``flock`` is per open file, so a second lock taken in the same
process is refused too.

Where ``fcntl`` is missing (Windows) the lock is ``filelock``'s, which names no holder.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import time
from pathlib import Path

from ganbench.core.errors import UserError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_NAME = "run.lock"
_HOLDER = re.compile(r"pid=(\d+) host=(\S+) since=(\S+)")


class RunInProgress(UserError):
    """Another process holds the run's lock: it is training this run now."""


class RunLock:
    """``with RunLock(run_dir, run_id):`` — exclusive, or :class:`RunInProgress` at once (no waiting)."""

    def __init__(self, run_dir: Path, run_id: str):
        self.path = Path(run_dir) / LOCK_NAME
        self.run_id = run_id
        self._fd: int | None = None
        self._fallback = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover - Windows
            return self._enter_filelock()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd) if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES) else None
            os.close(fd)
            if holder is None:
                raise
            raise self._busy(holder) from None
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid={os.getpid()} host={socket.gethostname()} since={stamp}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc_info) -> None:
        if self._fallback is not None:  # pragma: no cover - Windows
            self._fallback.release()
            self._fallback = None
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # no holder to name any more
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _busy(self, holder: str) -> RunInProgress:
        return RunInProgress(f"run {self.run_id} is in progress in another process ({holder}): wait for it to end "
                             f"or stop it, then run the same command again to skip or resume it")

    def _enter_filelock(self) -> "RunLock":  # pragma: no cover - Windows
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise self._busy("its lock file is " + str(self.path)) from None
        self._fallback = lock
        return self


def _holder(fd: int, tries: int = 20) -> str:
    """``pid 123 on host, since 2025-01-01T00:00:00Z`` from the lock file (the holder may be a
    moment from writing it: read again briefly before naming no one)."""
    for _ in range(tries):
        found = _HOLDER.search(os.pread(fd, 512, 0).decode("utf-8", "replace"))
        if found:
            return f"pid {found[1]} on {found[2]}, since {found[3]}"
        time.sleep(0.01)
    return "a process that has not yet named itself"
