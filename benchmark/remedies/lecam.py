"""LeCam regularisation (Tseng et al., CVPR 2021): D's outputs are kept near the other side's average.

Two exponential moving averages follow D's mean output on real (α_R) and generated (α_F) samples
(decay 0.99, updated at every D step); D's loss gets
λ·(E[relu(D(x) − α_F)²] + E[relu(α_R − D(G(z)))²]), the one-sided form of the paper's released
code, which bounds how far D can push real above and generated below what the other side
averages: a weighted LeCam divergence between the data and the model, which keeps D from
over-fitting a small training set. The averages live in the run's checkpointed extras (a resumed
run continues them exactly) and stand still during the unrolled look-ahead. Paper setting:
``lecam_weight`` 0.3 (CIFAR-10 with BigGAN; 0.01 with StyleGAN2). Any kind of samples.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.core.config import WEIGHT
from ganbench.remedies.base import Remedy

DECAY = 0.99
STATE = "lecam_ema"  # state.extras key: [alpha_real, alpha_fake], or absent before the first D step


class LeCam(Remedy):
    name = "lecam"
    summary = "LeCam regularisation: D's outputs kept near the moving average of the other side's"
    keys = {"lecam_weight": 0.0}
    paper = "lecam_weight=0.3 (Tseng et al. 2021, CIFAR-10 BigGAN)"
    example = {"lecam_weight": 0.3}
    ranges = {"lecam_weight": WEIGHT}

    def d_term(self, state, critic, real, fake, out_real, out_fake, lookahead=False):
        r, f = float(out_real.detach().mean()), float(out_fake.detach().mean())
        ema = state.extras.get(STATE)
        if not lookahead:
            ema = [r, f] if ema is None else [DECAY * ema[0] + (1 - DECAY) * r, DECAY * ema[1] + (1 - DECAY) * f]
            state.extras[STATE] = ema
        elif ema is None:
            ema = [r, f]
        alpha_real, alpha_fake = ema
        reg = F.relu(out_real - alpha_fake).pow(2).mean() + F.relu(alpha_real - out_fake).pow(2).mean()
        return float(self.cfg["lecam_weight"]) * reg
