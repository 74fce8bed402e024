"""Learning-rate schedules over a run's steps (the ``lr_decay`` setting).

A schedule is a pure function of the step and the run's length, applied to the base rates
``lr_g``/``lr_d`` before every training step, so a run resumed from a checkpoint follows exactly
the rates of an uninterrupted one without any scheduler state to save. ``none`` keeps the rates
constant (every run before release 6 of the config). ``linear`` decays them to zero by the last
step, as CycleGAN's second half and many language-model recipes do; ``cosine`` follows half a
cosine to zero (Loshchilov & Hutter's SGDR without restarts). A decay to zero lets a
maximum-likelihood generator settle into a sharper optimum than the same steps at a constant rate
(molecule/moses' CharRNN: see results/molecule/README.md).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ganbench.core.errors import UserError

if TYPE_CHECKING:  # config resolution checks lr_decay through this module: it must not import torch
    import torch

LR_DECAYS = ("none", "linear", "cosine")


def check_lr_decay(name) -> str:
    if name not in LR_DECAYS:
        raise UserError(f"lr_decay must be one of {', '.join(LR_DECAYS)}, got {name!r}: change it (--set lr_decay=cosine)")
    return name


def lr_factor(name: str, step: int, total: int) -> float:
    """The multiplier of the base learning rates at 0-based ``step`` of a ``total``-step run."""
    frac = min(max(step / max(total, 1), 0.0), 1.0)
    if name == "linear":
        return 1.0 - frac
    if name == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * frac))
    check_lr_decay(name)
    return 1.0


def set_learning_rates(name: str, step: int, total: int, optimizers: dict[torch.optim.Optimizer, float]) -> None:
    """Set every param group of each optimizer to its base rate times the factor of ``step``."""
    factor = lr_factor(name, step, total)
    for opt, base in optimizers.items():
        for group in opt.param_groups:
            group["lr"] = base * factor
