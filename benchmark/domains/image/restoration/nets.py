"""A small U-Net restorer and a PatchGAN critic for image restoration (pix2pix, Isola et al. 2017).

The generator is a two-level U-Net (3×3 convolutions, stride-2 down, transposed-convolution up,
skip connections), small enough for a CPU; it reads the task's condition input (the bicubic
upsampling of a low-resolution image, or a masked image with its mask as an extra channel) and
either adds its output to the condition (``residual``: super-resolution learns the detail the
bicubic upsampling lacks, as VDSR) or fills the masked pixels only (``fill``: inpainting keeps every
known pixel). The discriminator is pix2pix's PatchGAN scaled to small images: it sees the condition
and an output stacked as channels and scores overlapping patches (a map, averaged by the losses),
without batch norm so gradient penalties are per sample; ``spectral_norm`` wraps its layers.
Registered as ``unet-restorer`` / ``patchgan-discriminator``; they serve ``restorations`` tasks.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganbench.core.errors import UserError
from ganbench.domains.conditional.nets import ConditionalGenerator

KIND = "restorations"


def _facts(task, net: str) -> tuple[int, int, int, int, str]:
    """(H, W, output channels, condition channels, mode) of a restoration task."""
    if task.spec.sample_kind != KIND:
        raise UserError(f"{net} builds for image restoration tasks, not {task.spec.name} ({task.spec.sample_kind}): "
                        f"choose a net for {task.spec.sample_kind} (ganbench list shows the nets)")
    h, w, c = task.shape
    if h % 4 or w % 4:
        raise UserError(f"{net} needs H and W divisible by 4, got {h}x{w}")
    return h, w, c, int(task.condition_channels), task.restoration_mode


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2))


class UNetRestorer(ConditionalGenerator):
    sample_kinds = (KIND,)

    @classmethod
    def from_config(cls, task, cfg):
        """Config key: g_ch (channels at full resolution; doubled per level)."""
        _, _, c, cond_ch, mode = _facts(task, "unet-restorer")
        return cls(cond_ch, c, int(cfg["g_ch"]), mode)

    def __init__(self, cond_channels: int, channels: int, base: int = 32, mode: str = "residual"):
        super().__init__()
        if mode not in ("residual", "fill"):
            raise ValueError(f"mode must be residual or fill, got {mode!r}")
        self.mode, self.channels = mode, channels
        b = base
        self.enc1 = nn.Sequential(_conv(cond_channels, b), _conv(b, b))
        self.down1 = nn.Sequential(nn.Conv2d(b, 2 * b, 4, 2, 1), nn.LeakyReLU(0.2), _conv(2 * b, 2 * b))
        self.down2 = nn.Sequential(nn.Conv2d(2 * b, 4 * b, 4, 2, 1), nn.LeakyReLU(0.2), _conv(4 * b, 4 * b), _conv(4 * b, 4 * b))
        self.up2 = nn.Sequential(nn.ConvTranspose2d(4 * b, 2 * b, 4, 2, 1), nn.LeakyReLU(0.2))
        self.dec2 = _conv(4 * b, 2 * b)
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * b, b, 4, 2, 1), nn.LeakyReLU(0.2))
        self.dec1 = _conv(2 * b, b)
        self.out = nn.Conv2d(b, channels, 3, padding=1)

    def forward(self, cond: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        e1 = self.enc1(cond)
        e2 = self.down1(e1)
        d2 = self.dec2(torch.cat([self.up2(self.down2(e2)), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        y = self.out(d1)
        image = cond[:, :self.channels]
        if self.mode == "residual":
            return (image + y).clamp(-1.0, 1.0)
        mask = cond[:, self.channels:self.channels + 1]  # 1 where the pixel is missing
        return mask * torch.tanh(y) + (1 - mask) * image


class PatchGANDiscriminator(nn.Module):
    role = "discriminator"
    sample_kinds = (KIND,)

    @classmethod
    def from_config(cls, task, cfg):
        """Config keys: d_ch (channels of the first layer; doubled per stage), spectral_norm."""
        _, _, c, cond_ch, _ = _facts(task, "patchgan-discriminator")
        return cls(cond_ch + c, int(cfg["d_ch"]), bool(cfg["spectral_norm"]))

    def __init__(self, in_channels: int, base: int = 32, spectral_norm: bool = False):
        super().__init__()
        wrap = _sn if spectral_norm else (lambda m: m)
        b = base
        self.net = nn.Sequential(
            wrap(nn.Conv2d(in_channels, b, 4, 2, 1)), nn.LeakyReLU(0.2),
            wrap(nn.Conv2d(b, 2 * b, 4, 2, 1)), nn.LeakyReLU(0.2),
            wrap(nn.Conv2d(2 * b, 4 * b, 3, 1, 1)), nn.LeakyReLU(0.2),
            wrap(nn.Conv2d(4 * b, 1, 3, 1, 1)),
        )

    def forward(self, cond: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Patch scores N×1×H/4×W/4 of the output ``x`` under the condition ``cond``."""
        return self.net(torch.cat([cond, x], 1))
