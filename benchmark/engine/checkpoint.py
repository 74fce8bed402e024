"""Checkpoints: everything needed to continue a run bit-for-bit, loaded with ``weights_only=True``.

Saved: step, model/optimizer/EMA state dicts, the training RNG and torch's global RNG, elapsed wall
time, and the config hash that the resume check compares. Written atomically (temp file +
rename), so a kill during the save leaves the previous checkpoint intact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from ganbench.core.atomic import atomic_write


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    atomic_write(path, lambda tmp: torch.save(payload, tmp), mode=None)


def load_checkpoint(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=True)
