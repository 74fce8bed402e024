"""MLP generator and discriminator for 2-D point data, as in the mode-collapse papers.

PacGAN/VEEGAN's 2-D setup: the generator maps a low-dimensional Gaussian noise through ReLU
layers with batch norm (4 × 400 in PacGAN); the discriminator is a maxout MLP (3 × 200, 5 pieces).
Widths, depths and maxout pieces are config keys, so the same classes serve smaller test nets.
Registered as ``mlp-generator`` / ``mlp-discriminator``; they serve tasks whose samples are points
(``sample_kind == "points"``), of the dimension one real batch has.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.nets.critic import SequentialCritic
from ganbench.nets.facts import point_dim
from ganbench.nets.latent import LatentGenerator


class Maxout(nn.Module):
    """Linear layer with ``pieces`` outputs per unit, keeping the maximum (Goodfellow et al. 2013)."""

    def __init__(self, d_in: int, d_out: int, pieces: int):
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(d_in, d_out * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x)
        return y.view(*y.shape[:-1], -1, self.pieces).amax(dim=-1)


class MLPGenerator(LatentGenerator):
    role = "generator"
    sample_kinds = ("points",)
    sample_batch = 4096

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: latent_dim, g_hidden, g_layers."""
        dim = point_dim(task, "mlp-generator")
        return cls(int(cfg["latent_dim"]), dim, int(cfg["g_hidden"]), int(cfg["g_layers"]))

    def __init__(self, latent_dim: int, out_dim: int, hidden: int, layers: int, batch_norm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        blocks: list[nn.Module] = []
        d = latent_dim
        for _ in range(layers):
            blocks.append(nn.Linear(d, hidden))
            if batch_norm:
                blocks.append(nn.BatchNorm1d(hidden))
            blocks.append(nn.ReLU())
            d = hidden
        blocks.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(SequentialCritic, nn.Module):
    role = "discriminator"
    sample_kinds = ("points",)

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: d_hidden, d_layers, d_maxout (1: LeakyReLU layers instead of maxout)."""
        return cls(point_dim(task, "mlp-discriminator"), int(cfg["d_hidden"]), int(cfg["d_layers"]), int(cfg["d_maxout"]))

    def __init__(self, in_dim: int, hidden: int, layers: int, maxout: int = 5):
        super().__init__()
        blocks: list[nn.Module] = []
        d = in_dim
        for _ in range(layers):
            blocks.append(Maxout(d, hidden, maxout) if maxout > 1 else nn.Sequential(nn.Linear(d, hidden), nn.LeakyReLU(0.2)))
            d = hidden
        blocks.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)
