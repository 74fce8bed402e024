"""ResNet SN-GAN generator and discriminator (Miyato et al., ICLR 2018), with SAGAN's self-attention.

The architecture of SN-GAN's CIFAR-10 experiments (the one Mimicry and StudioGAN reproduce),
sized by resolution:

* generator: z → linear to a ``bottom``×``bottom`` map of ``g_ch`` channels (4×4 for 32×32 images,
  7×7 for 28×28, 2×2 for 8×8), then one up-block per doubling — BN, ReLU, ×2 nearest upsampling,
  3×3 conv, BN, ReLU, 3×3 conv, plus a 1×1-conv shortcut of the upsampled input — then BN, ReLU,
  a 3×3 conv to the image channels and tanh. On a class-conditional task with ``g_cond=cbn``,
  every batch norm takes its gain and bias per class (conditional batch norm).
* discriminator, spectrally normalised throughout (its defining feature): an "optimised" first
  block (3×3 conv, ReLU, 3×3 conv, 2×2 average pooling; shortcut: pooling then a 1×1 conv), one
  down-sampling block (ReLU, conv, ReLU, conv, pooling; shortcut 1×1 conv then pooling), two
  blocks at that resolution, ReLU, a sum over positions (its features) and a linear layer (its
  head), so projection and AC-GAN conditioning and minibatch std read its features.
* ``self_attention``: SAGAN's block (Zhang et al., ICML 2019) after G's first up-block and after
  D's first block: 1×1 query/key projections to C/8 channels, value to C/2, softmax attention over
  positions, a 1×1 projection back, added through a learned gain that starts at 0.

Widths: ``g_ch``/``d_ch`` (the task's CPU-sized defaults: 32 on the 28×28 sets, 64 on CIFAR-10);
SN-GAN's published CIFAR-10 widths are G 256 and D 128 (:data:`PUBLISHED_WIDTHS`, CIFAR-10's
``sngan`` budget).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganbench.domains.image.nets import doublings
from ganbench.nets.conditioning import CondBatchNorm, g_classes
from ganbench.nets.facts import image_shape
from ganbench.nets.latent import LatentGenerator

PUBLISHED_WIDTHS = {"g_ch": 256, "d_ch": 128}  # SN-GAN (Miyato et al. 2018), CIFAR-10 ResNet
# SN-GAN's CIFAR-10 training protocol (with the hinge loss), the `sngan` budget of image/cifar10
SNGAN_SETTINGS = {"g_arch": "resnet-generator", "d_arch": "resnet-discriminator", **PUBLISHED_WIDTHS,
                  "latent_dim": 128, "n_dis": 5, "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.0, "beta2": 0.9,
                  "lr_decay": "linear"}


class SelfAttention(nn.Module):
    """SAGAN's self-attention block: x + γ·o, γ learned from 0."""

    def __init__(self, ch: int, wrap=lambda m: m):
        super().__init__()
        self.query = wrap(nn.Conv2d(ch, max(1, ch // 8), 1, bias=False))
        self.key = wrap(nn.Conv2d(ch, max(1, ch // 8), 1, bias=False))
        self.value = wrap(nn.Conv2d(ch, max(1, ch // 2), 1, bias=False))
        self.out = wrap(nn.Conv2d(max(1, ch // 2), ch, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor, *_) -> torch.Tensor:
        n, c, h, w = x.shape
        q = self.query(x).flatten(2)  # N × C/8 × HW
        k = self.key(x).flatten(2)
        attn = torch.softmax(q.transpose(1, 2) @ k, dim=-1)  # N × HW × HW, each row sums to 1
        v = self.value(x).flatten(2)  # N × C/2 × HW
        o = (v @ attn.transpose(1, 2)).view(n, -1, h, w)
        return x + self.gamma * self.out(o)


class GBlock(nn.Module):
    def __init__(self, cin: int, cout: int, n_classes: int):
        super().__init__()
        self.b1, self.c1 = CondBatchNorm(cin, n_classes), nn.Conv2d(cin, cout, 3, 1, 1)
        self.b2, self.c2 = CondBatchNorm(cout, n_classes), nn.Conv2d(cout, cout, 3, 1, 1)
        self.sc = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = F.interpolate(F.relu(self.b1(x, y)), scale_factor=2)
        h = self.c2(F.relu(self.b2(self.c1(h), y)))
        return h + self.sc(F.interpolate(x, scale_factor=2))


class ResNetGenerator(LatentGenerator):
    role = "generator"
    sample_kinds = ("images",)
    defaults = {"self_attention": False}
    published = {"g_ch": PUBLISHED_WIDTHS["g_ch"]}

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: latent_dim, g_ch, self_attention; conditional batch norm with ``g_cond=cbn``."""
        h, w, c = image_shape(task, "resnet-generator")
        return cls(int(cfg["latent_dim"]), c, h, w, int(cfg["g_ch"]), bool(cfg.get("self_attention", False)),
                   g_classes(task, cfg))

    def __init__(self, latent_dim: int, channels: int, height: int, width: int, ch: int = 256,
                 attention: bool = False, n_classes: int = 0):
        super().__init__()
        self.latent_dim, self.ch = latent_dim, ch
        self.conditional_bn = n_classes > 0
        ups = doublings(height, width)
        self.h0, self.w0 = height >> ups, width >> ups
        self.linear = nn.Linear(latent_dim, ch * self.h0 * self.w0)
        self.blocks = nn.ModuleList()
        for i in range(ups):
            self.blocks.append(GBlock(ch, ch, n_classes))
            if attention and i == 0:
                self.blocks.append(SelfAttention(ch))
        self.bn = nn.BatchNorm2d(ch)
        self.to_image = nn.Conv2d(ch, channels, 3, 1, 1)
        nn.init.xavier_uniform_(self.linear.weight)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = self.linear(z).view(-1, self.ch, self.h0, self.w0)
        for block in self.blocks:
            x = block(x, y)
        return torch.tanh(self.to_image(F.relu(self.bn(x))))


class DBlock(nn.Module):
    def __init__(self, cin: int, cout: int, down: bool, first: bool = False):
        super().__init__()
        self.c1, self.c2 = _sn(nn.Conv2d(cin, cout, 3, 1, 1)), _sn(nn.Conv2d(cout, cout, 3, 1, 1))
        self.sc = _sn(nn.Conv2d(cin, cout, 1)) if (cin != cout or down) else None
        self.down, self.first = down, first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.c2(F.relu(self.c1(x if self.first else F.relu(x))))
        if self.down:
            h = F.avg_pool2d(h, 2)
        if self.sc is None:
            return h + x
        if self.first:  # the optimised block pools before its shortcut conv
            return h + self.sc(F.avg_pool2d(x, 2))
        s = self.sc(x)
        return h + (F.avg_pool2d(s, 2) if self.down else s)


class ResNetDiscriminator(nn.Module):
    role = "discriminator"
    sample_kinds = ("images",)
    defaults = {"self_attention": False}
    published = {"d_ch": PUBLISHED_WIDTHS["d_ch"]}
    spectrally_normed = True

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: d_ch, self_attention. Spectral norm is always on (SN-GAN's discriminator)."""
        h, w, c = image_shape(task, "resnet-discriminator")
        return cls(c, int(cfg["d_ch"]), bool(cfg.get("self_attention", False)))

    def __init__(self, channels: int, ch: int = 128, attention: bool = False):
        super().__init__()
        blocks: list[nn.Module] = [DBlock(channels, ch, down=True, first=True)]
        if attention:
            blocks.append(SelfAttention(ch, wrap=_sn))
        blocks += [DBlock(ch, ch, down=True), DBlock(ch, ch, down=False), DBlock(ch, ch, down=False)]
        self.blocks = nn.Sequential(*blocks)
        self.linear = _sn(nn.Linear(ch, 1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.blocks(x)).sum(dim=(2, 3))

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.linear(h).squeeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
