"""DCGAN-style convolutional generator and discriminator sized by image resolution.

Radford et al. 2016: the generator projects the noise to a small feature map and doubles it with
stride-2 transposed convolutions (batch norm + ReLU, tanh output in [-1, 1]); the discriminator
halves it with stride-2 convolutions and LeakyReLU(0.2). The discriminator has no batch norm, so
per-sample penalties (gradient penalty, R1) are well defined for every objective; ``spectral_norm``
wraps each of its layers as in SN-GAN (Miyato et al. 2018). Resolutions: any H, W divisible by
2^ups (8×8 and 28×28 use 2 doublings from 2×2 / 7×7; 32×32 uses 3 from 4×4).
Registered as ``dcgan-generator`` / ``dcgan-discriminator``; they serve image tasks (a ``shape``
of H, W, C).
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.nets.conditioning import CondBatchNorm, g_classes
from ganbench.nets.critic import SequentialCritic
from ganbench.nets.facts import image_shape
from ganbench.nets.latent import LatentGenerator
from torch.nn.utils.parametrizations import spectral_norm as _sn


def doublings(height: int, width: int) -> int:
    """Up/down-sampling stages: 3 when the size is divisible by 8 and >= 32, else 2."""
    ups = 3 if height % 8 == 0 and width % 8 == 0 and min(height, width) >= 32 else 2
    if height % (2**ups) or width % (2**ups):
        raise ValueError(f"DCGAN nets need H and W divisible by {2**ups}, got {height}x{width}")
    return ups


class DCGANGenerator(LatentGenerator):
    role = "generator"
    sample_kinds = ("images",)

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: latent_dim, g_ch (channels of the last hidden layer; doubled per stage back);
        on a class-conditional task with ``g_cond=cbn``, conditional batch norm."""
        h, w, c = image_shape(task, "dcgan-generator")
        return cls(int(cfg["latent_dim"]), c, h, w, int(cfg["g_ch"]), n_classes=g_classes(task, cfg))

    def __init__(self, latent_dim: int, channels: int, height: int, width: int, base: int = 64, n_classes: int = 0):
        super().__init__()
        self.latent_dim = latent_dim
        self.conditional_bn = n_classes > 0
        ups = doublings(height, width)
        self.h0, self.w0 = height >> ups, width >> ups
        ch = base * 2 ** (ups - 1)
        self.c0 = ch
        if self.conditional_bn:  # the same layers, each batch norm's affine part looked up per class
            self._build_conditional(latent_dim, channels, ups, ch, n_classes)
            return
        self.project = nn.Sequential(nn.Linear(latent_dim, ch * self.h0 * self.w0), nn.BatchNorm1d(ch * self.h0 * self.w0), nn.ReLU())
        blocks: list[nn.Module] = []
        for i in range(ups):
            last = i == ups - 1
            out = channels if last else ch // 2
            blocks.append(nn.ConvTranspose2d(ch, out, 4, 2, 1))
            if not last:
                blocks += [nn.BatchNorm2d(out), nn.ReLU()]
            ch = out
        blocks.append(nn.Tanh())
        self.net = nn.Sequential(*blocks)

    def _build_conditional(self, latent_dim: int, channels: int, ups: int, ch: int, n_classes: int) -> None:
        self.linear = nn.Linear(latent_dim, ch * self.h0 * self.w0)
        self.bn0 = CondBatchNorm(ch * self.h0 * self.w0, n_classes, dims=1)
        self.convs, self.bns = nn.ModuleList(), nn.ModuleList()
        for i in range(ups):
            out = channels if i == ups - 1 else ch // 2
            self.convs.append(nn.ConvTranspose2d(ch, out, 4, 2, 1))
            if i < ups - 1:
                self.bns.append(CondBatchNorm(out, n_classes))
            ch = out

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if not self.conditional_bn:
            return self.net(self.project(z).view(-1, self.c0, self.h0, self.w0))
        x = torch.relu(self.bn0(self.linear(z), y)).view(-1, self.c0, self.h0, self.w0)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.bns):
                x = torch.relu(self.bns[i](x, y))
        return torch.tanh(x)


class DCGANDiscriminator(SequentialCritic, nn.Module):
    role = "discriminator"
    sample_kinds = ("images",)

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: d_ch (channels of the first layer; doubled per stage), spectral_norm."""
        h, w, c = image_shape(task, "dcgan-discriminator")
        return cls(c, h, w, int(cfg["d_ch"]), bool(cfg["spectral_norm"]))

    def __init__(self, channels: int, height: int, width: int, base: int = 64, spectral_norm: bool = False):
        super().__init__()
        self.spectrally_normed = spectral_norm
        wrap = _sn if spectral_norm else (lambda m: m)
        ups = doublings(height, width)
        layers: list[nn.Module] = []
        ch_in, ch = channels, base
        for _ in range(ups):
            layers += [wrap(nn.Conv2d(ch_in, ch, 4, 2, 1)), nn.LeakyReLU(0.2)]
            ch_in, ch = ch, ch * 2
        layers += [nn.Flatten(), wrap(nn.Linear(ch_in * (height >> ups) * (width >> ups), 1))]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)
