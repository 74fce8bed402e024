"""Atomic file writes: a reader (or a resumed run) sees the old file or the new one, never half of one.

Every file ganbench keeps (records, reports, checkpoints, cached statistics, downloads) is written
to a temporary file in the target's folder by ``write(tmp_path)`` and renamed over the target; if
``write`` raises, the temporary file is removed and nothing at the target changes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def atomic_write(path: Path, write: Callable[[str], None], mode: int | None = 0o644, suffix: str = ".tmp") -> None:
    """Write ``path`` through ``write(tmp)``; ``mode`` 0644 by default (mkstemp's 0600 would
    hide shared records and caches from other users), ``None`` keeps 0600 (checkpoints).
    The temporary name is hidden and ends in ``suffix``, so no reader takes it for a record."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
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
