"""The generator's exponential moving average (Yazıcı et al., ICLR 2019; Karras et al. 2018).

The trainer keeps a copy of G whose weights follow G's, θ_ema ← β·θ_ema + (1 − β)·θ, after every
step (batch-norm statistics copied), checkpoints it, and evaluates it instead of G
(:mod:`ganbench.engine.trainer`): averaging the iterates smooths the oscillation of adversarial
training. This entry makes it a remedy like the others — listed, labelled, checked — while its
work stays where the trainer's other per-step state lives. Paper setting: ``ema=0.999``.
"""

from __future__ import annotations

from ganbench.core.config import FRACTION
from ganbench.remedies.base import Remedy


class GeneratorEMA(Remedy):
    name = "ema"
    summary = "evaluate an exponential moving average of G's weights"
    keys = {"ema": 0.0}
    paper = "ema=0.999 (Yazici et al. 2019)"
    example = {"ema": 0.999}
    ranges = {"ema": FRACTION}
    adversarial_only = False  # the trainer averages any generator (MLE's too)
