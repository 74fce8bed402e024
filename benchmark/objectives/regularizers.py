"""Discriminator regularisers usable with any objective, switched on by config keys.

* ``gp_weight`` λ > 0: WGAN-GP's two-sided gradient penalty λ·E(‖∇D(x̂)‖ − 1)² on random
  interpolates x̂ between real and fake samples (Gulrajani et al. 2017).
* ``r1_gamma`` γ > 0: R1, γ/2·E‖∇D(x)‖² on real samples (Mescheder et al. 2018).
Inputs of any shape work (points, images, relaxed one-hot sequences). Both are computed on the
inputs' device and in fp32 even inside an autocast region: a penalty differentiates the gradient
norm once more, and that double backward is where bf16/fp16 lose the signal.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch

from ganbench.core.device import full_precision, rand


def _grad_norm_sq(d_out: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    (grad,) = torch.autograd.grad(d_out.sum(), inputs, create_graph=True)
    return grad.reshape(grad.shape[0], -1).pow(2).sum(dim=1)


def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = rand(shape, generator=rng, device=real.device, dtype=real.dtype)
    with full_precision(real.device):
        mixed = (alpha * real.detach() + (1 - alpha) * fake.detach().to(real.dtype)).requires_grad_(True)
        norm = _grad_norm_sq(D(mixed).float(), mixed).add(1e-12).sqrt()
        return (norm - 1).pow(2).mean()


def r1_penalty(D, real: torch.Tensor) -> torch.Tensor:
    with full_precision(real.device):
        real = real.detach().requires_grad_(True)
        return _grad_norm_sq(D(real).float(), real).mean()


def discriminator_penalty(D, real, fake, cfg: Mapping[str, Any], rng: torch.Generator) -> torch.Tensor | None:
    """Sum of the enabled penalties, or None when none is enabled."""
    total = None
    gp = float(cfg.get("gp_weight", 0.0))
    if gp > 0:
        total = gp * gradient_penalty(D, real, fake, rng)
    r1 = float(cfg.get("r1_gamma", 0.0))
    if r1 > 0:
        term = 0.5 * r1 * r1_penalty(D, real)
        total = term if total is None else total + term
    return total
