"""Atomic file writes: a reader (or a resumed run) sees the old file or the new one, never half of one.

Every file ganbench keeps (records, reports, checkpoints, cached statistics, downloads) is written
to a temporary file in the target's folder by ``write(tmp_path)`` and renamed over the target; if
``write`` raises, the temporary file is removed and nothing at the target changes. An OS error
on the way (a full disk, a read-only folder) is a :class:`StorageError`: one line naming the path
and the cause, which the CLI prints and exits 2 on, and the old file is still in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from ganbench.core.errors import UserError


class StorageError(UserError):
    """The machine could not write a file (disk full, permissions, I/O): not the user's input and not
    the method's failure, so it is never recorded as a run's result. ``errno`` is the OS's."""

    def __init__(self, message: str, errno: int | None = None):
        super().__init__(message)
        self.errno = errno

    @classmethod
    def from_os_error(cls, exc: OSError, path=None, verb: str = "cannot write") -> "StorageError":
        from ganbench.core.paths import os_error_line

        return cls(os_error_line(exc, path, verb), exc.errno)


def atomic_write(path: Path, write: Callable[[str], None], mode: int | None = 0o644, suffix: str = ".tmp") -> None:
    """Write ``path`` through ``write(tmp)``; ``mode`` 0644 by default (mkstemp's 0600 would
    hide shared records and caches from other users), ``None`` keeps 0600 (checkpoints).
    The temporary name is hidden and ends in ``suffix``, so no reader takes it for a record.
    An OSError on the way becomes a :class:`StorageError` naming ``path``."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
        os.close(fd)
        write(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError.from_os_error(exc, path) from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    """``text`` (UTF-8) written atomically and flushed to disk before the rename."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    atomic_write(path, write)


def save_npz(path: Path, **arrays) -> None:
    """``np.savez`` atomically (it appends .npz to a name without it: the temporary file keeps it)."""
    import numpy as np

    atomic_write(path, lambda tmp: np.savez(tmp, **arrays), suffix=".tmp.npz")
