"""Gradient penalties on the discriminator, usable with any objective, switched on by config keys.

* ``gp_weight`` λ > 0: WGAN-GP's two-sided gradient penalty λ·E(‖∇D(x̂)‖ − 1)² on random
  interpolates x̂ between real and fake samples (Gulrajani et al. 2017).
* ``r1_gamma`` γ > 0: R1, γ/2·E‖∇D(x)‖² on real samples (Mescheder et al. 2018).
* ``r2_gamma`` γ > 0: R2, γ/2·E‖∇D(x̃)‖² on generated samples (Mescheder et al. 2018).

Inputs of any shape work (points, images, relaxed one-hot sequences, packed batches). Each is
computed on the inputs' device and in fp32 even inside an autocast region: a penalty
differentiates the gradient norm once more, and that double backward is where bf16/fp16 lose the
signal. On a conditional task the gradient is taken with respect to the samples, the labels held
(interpolates are judged under the real batch's labels).
"""

from __future__ import annotations

from typing import Callable

import torch

from ganbench.core.config import WEIGHT
from ganbench.core.device import full_precision, rand
from ganbench.remedies.base import Remedy


def _grad_norm_sq(d_out: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    (grad,) = torch.autograd.grad(d_out.sum(), inputs, create_graph=True)
    return grad.reshape(grad.shape[0], -1).pow(2).sum(dim=1)


def gradient_penalty(D: Callable, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = rand(shape, generator=rng, device=real.device, dtype=real.dtype)
    with full_precision(real.device):
        mixed = (alpha * real.detach() + (1 - alpha) * fake.detach().to(real.dtype)).requires_grad_(True)
        norm = _grad_norm_sq(D(mixed).float(), mixed).add(1e-12).sqrt()
        return (norm - 1).pow(2).mean()


def r1_penalty(D: Callable, real: torch.Tensor) -> torch.Tensor:
    """E‖∇D(x)‖² at the given samples (R1 on real ones, R2 on generated ones)."""
    with full_precision(real.device):
        real = real.detach().requires_grad_(True)
        return _grad_norm_sq(D(real).float(), real).mean()


def _bound(critic: Callable, inputs) -> Callable:
    """``critic`` judging samples under ``inputs``' labels (none on an unconditional task)."""
    return lambda x: inputs.with_x(x).score(critic)


class GradientPenalty(Remedy):
    name = "gp"
    summary = "WGAN-GP two-sided gradient penalty on interpolates"
    keys = {"gp_weight": 0.0}
    example = {"gp_weight": 10.0}
    ranges = {"gp_weight": WEIGHT}
    paper = "gp_weight=10 (Gulrajani et al. 2017; wgan-gp's default)"

    def d_term(self, state, critic, real, fake, out_real, out_fake, lookahead=False):
        return float(self.cfg["gp_weight"]) * gradient_penalty(_bound(critic, real), real.x, fake.x, state.rng)


class _ZeroCentred(Remedy):
    """γ/2·E‖∇D‖² at the real (R1) or the generated (R2) batch, γ from the remedy's one key."""

    real_side: bool

    def d_term(self, state, critic, real, fake, out_real, out_fake, lookahead=False):
        (key,) = self.keys
        inputs = real if self.real_side else fake
        return 0.5 * float(self.cfg[key]) * r1_penalty(_bound(critic, inputs), inputs.x)


class R1(_ZeroCentred):
    name = "r1"
    summary = "R1 gradient penalty on real samples"
    keys = {"r1_gamma": 0.0}
    example = {"r1_gamma": 10.0}
    ranges = {"r1_gamma": WEIGHT}
    paper = "r1_gamma=10 (Mescheder et al. 2018, CelebA/LSUN; 0.1-10 across data sets)"
    real_side = True


class R2(_ZeroCentred):
    name = "r2"
    summary = "R2 gradient penalty on generated samples"
    keys = {"r2_gamma": 0.0}
    example = {"r2_gamma": 10.0}
    ranges = {"r2_gamma": WEIGHT}
    paper = "r2_gamma=10 (Mescheder et al. 2018)"
    real_side = False
