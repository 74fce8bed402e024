"""Checkpoints: everything needed to continue a run bit-for-bit, loaded with ``weights_only=True``.

Saved: step, model/optimizer/EMA state dicts, the training RNG and torch's global RNG, elapsed wall
time, and the config hash that the resume check compares (it covers the run's thread count and the
checksums of the user files it reads, so a resume never continues under other numerics or data).
Written atomically (temp file + rename), so a kill during the save leaves the previous checkpoint
intact; a full disk is reported as the OS reports it (:func:`save_tensors`). Each checkpoint names
its run (``run``: task, task version, objective, seed, tag, config hash); the trainer refuses one
of another run.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch
from ganbench.core.atomic import atomic_write


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    atomic_write(path, lambda tmp: save_tensors(payload, tmp), mode=None)


class _Sink:
    """The file ``torch.save`` writes through, keeping the OS error of a failed write: torch's
    zip writer swallows it and raises ``RuntimeError('[enforce fail at inline_container.cc]
    unexpected pos ...')``, which would say nothing of the full disk behind it."""

    def __init__(self, f):
        self.f, self.error = f, None

    def write(self, data) -> int:
        try:
            return self.f.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        self.f.flush()


def save_tensors(obj: Any, tmp: str | Path) -> None:
    """``torch.save(obj)`` into ``tmp``, flushed to disk; a write the OS refused (a full disk, a
    quota, an I/O error) raises that OSError, so the caller reports the machine's fault (and
    :func:`~ganbench.core.atomic.atomic_write` turns it into one line), not torch's."""
    import os

    with open(tmp, "wb") as f:
        sink = _Sink(f)
        try:
            torch.save(obj, sink)
            f.flush()
            os.fsync(f.fileno())
        except RuntimeError:
            if sink.error is not None:
                raise sink.error from None
            raise


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint at ``path``; a truncated or corrupt one (copied half, another program's file)
    is a one-line UserError saying to delete it: it is never loaded in part nor silently discarded."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, ValueError, OSError, pickle.UnpicklingError) as exc:
        from ganbench.core.errors import UserError

        if isinstance(exc, (PermissionError, FileNotFoundError, IsADirectoryError)):
            raise  # the machine's or the user's folder, not the file's content (a truncated zip can give EINVAL)

        why = str(exc).splitlines()[0][:120] if str(exc) else exc.__class__.__name__
        raise UserError(f"checkpoint {path} cannot be read ({why}): delete it to start this run over") from None
