"""What every noise-to-sample generator shares: its latent draw, training samples, evaluation samples."""

from __future__ import annotations

import torch
from torch import nn

from ganbench.core.device import module_device, randn, sample_batch


class LatentGenerator(nn.Module):
    """A generator ``G(z)`` with ``z ~ N(0, I)`` of size ``latent_dim`` (set by the subclass).

    ``generate`` gives differentiable samples in training mode for the objectives; ``sample``
    gives evaluation samples in eval mode (batch norm uses running statistics), drawn in batches
    of ``sample_batch`` so memory stays bounded for large evaluation sets (larger off the CPU,
    :func:`~ganbench.core.device.sample_batch`). The noise is drawn by ``rng`` on its own device
    and lands on the generator's (:func:`~ganbench.core.device.randn`): a run's device generator
    draws in place, a CPU generator (fixed noise of a sample grid) works with a net anywhere.
    """

    latent_dim: int
    sample_batch: int = 1000

    def latent(self, n: int, rng: torch.Generator) -> torch.Tensor:
        return randn((n, self.latent_dim), generator=rng, device=module_device(self))

    def generate(self, n: int, rng: torch.Generator, y: torch.Tensor | None = None) -> torch.Tensor:
        """``n`` samples; a class-conditional generator is asked for the labels ``y``."""
        z = self.latent(n, rng)
        return self(z) if y is None else self(z, y)

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, batch: int | None = None, y: torch.Tensor | None = None) -> torch.Tensor:
        batch = batch or sample_batch(module_device(self), self.sample_batch)
        was_training = self.training
        self.eval()
        try:
            return torch.cat([self.generate(min(batch, n - i), rng, None if y is None else y[i:i + batch])
                              for i in range(0, n, batch)])
        finally:
            self.train(was_training)
