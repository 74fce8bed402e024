"""DRAGAN (Kodali et al., 2017, "On convergence and stability of GANs"): a gradient penalty around the data.

Mode collapse, the paper argues, goes with sharp gradients of D near the real samples: a
generator that puts its mass on one mode is pushed by steep, local slopes of D. DRAGAN adds
λ·E(‖∇D(x̃)‖ − 1)² at points x̃ = x + δ near real samples, δ = c·σ_x·u with u ~ U[0, 1)
per coordinate (σ_x the standard deviation of the real batch, c = 0.5: the paper's released
code), which keeps D's slopes moderate where the data are. Unlike WGAN-GP's interpolates
between real and generated samples it needs no generated sample, and works with any loss.
Paper setting: ``dragan_weight=10``. Points and images (perturbed in the samples' own units).
"""

from __future__ import annotations

import torch

from ganbench.core.config import WEIGHT
from ganbench.core.device import full_precision, rand
from ganbench.remedies.base import Remedy
from ganbench.remedies.penalties import _bound, _grad_norm_sq

SPREAD = 0.5  # c: the perturbation's scale in units of the batch's standard deviation


def dragan_penalty(D, real: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    x = real.detach()
    delta = SPREAD * x.std() * rand(tuple(x.shape), generator=rng, device=x.device, dtype=x.dtype)
    with full_precision(x.device):
        near = (x + delta).requires_grad_(True)
        norm = _grad_norm_sq(D(near).float(), near).add(1e-12).sqrt()
        return (norm - 1).pow(2).mean()


class DRAGAN(Remedy):
    name = "dragan"
    summary = "DRAGAN: gradient penalty at perturbed real samples"
    keys = {"dragan_weight": 0.0}
    paper = "dragan_weight=10 (Kodali et al. 2017)"
    example = {"dragan_weight": 10.0}
    sample_kinds = ("points", "images")
    ranges = {"dragan_weight": WEIGHT}

    def d_term(self, state, critic, real, fake, out_real, out_fake, lookahead=False):
        return float(self.cfg["dragan_weight"]) * dragan_penalty(_bound(critic, real), real.x, state.rng)
