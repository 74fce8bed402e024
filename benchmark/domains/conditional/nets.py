"""What every conditional generator shares: differentiable outputs for training, batched eval outputs."""

from __future__ import annotations

import torch
from torch import nn


class ConditionalGenerator(nn.Module):
    """``forward(cond, noise)`` maps conditions (and optional noise, :meth:`noise`) to outputs in [-1, 1]."""

    role = "generator"
    sample_batch = 500

    def noise(self, cond: torch.Tensor, rng: torch.Generator) -> torch.Tensor | None:
        """The noise input for a batch of conditions (None: a deterministic mapping, as pix2pix at test time)."""
        return None

    def translate(self, cond: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        return self(cond, self.noise(cond, rng))

    @torch.no_grad()
    def restore(self, cond: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """Outputs for evaluation: eval mode (batch-norm running statistics), in chunks."""
        was_training = self.training
        self.eval()
        try:
            return torch.cat([self.translate(c, rng) for c in cond.split(self.sample_batch)])
        finally:
            self.train(was_training)
