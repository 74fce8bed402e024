"""PSNR and SSIM as the super-resolution field reports them, and the family that scores a task's outputs.

BasicSR's ``calculate_psnr`` / ``calculate_ssim`` (the numbers of most SR papers since EDSR):
images in 0..255 as float64; RGB images reduced to their luma, ITU-R BT.601
``Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255`` (``test_y_channel``), grey images as they are;
``crop_border`` pixels cut from every side first (the SR scale); PSNR = 10 log10(255² / MSE)
(infinite for identical images); SSIM (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5,
C1 = (0.01·255)², C2 = (0.03·255)², the map over the 'valid' window positions only, averaged (over
channels too where there are several). Computed here with float64 convolutions in torch and
checked against scikit-image on the same arrays (tests/test_conditional_fidelity.py).

Every image is scored on its own and the values averaged over images (videos: over every frame).
"""

from __future__ import annotations


import numpy as np
import torch
import torch.nn.functional as F

from ganbench.metrics.base import MAX, MetricFamily, MetricValue

Y_WEIGHTS = (65.481, 128.553, 24.966)  # R, G, B of BT.601 luma on 0..255 inputs, / 255
WINDOW, SIGMA = 11, 1.5
C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def prepare(images: np.ndarray, crop_border: int = 0, test_y_channel: bool = True) -> torch.Tensor:
    """uint8 (or float 0..255) ...×H×W×C -> float64 N×C×H'×W' (luma of RGB if asked, border cut)."""
    x = torch.as_tensor(np.ascontiguousarray(images), dtype=torch.float64)
    h, w, c = x.shape[-3:]
    x = x.reshape(-1, h, w, c)
    if test_y_channel and c == 3:
        x = 16.0 + (x * x.new_tensor(Y_WEIGHTS)).sum(-1, keepdim=True) / 255.0
    if crop_border:
        x = x[:, crop_border:-crop_border, crop_border:-crop_border]
    return x.permute(0, 3, 1, 2)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR (dB) of prepared N×C×H×W float64 images on a 255 scale."""
    mse = (a - b).pow(2).flatten(1).mean(1)
    return 10.0 * torch.log10(255.0**2 / mse)  # mse 0 -> inf, as BasicSR


def _window(dtype=torch.float64) -> torch.Tensor:
    r = torch.arange(WINDOW, dtype=dtype) - WINDOW // 2
    g = torch.exp(-r * r / (2 * SIGMA * SIGMA))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM of prepared N×C×H×W float64 images (the mean of the valid SSIM map, over channels)."""
    n, c, h, w = a.shape
    if min(h, w) < WINDOW:
        raise ValueError(f"SSIM's {WINDOW}x{WINDOW} window needs images of at least {WINDOW} pixels after the border "
                         f"crop, got {h}x{w}")
    win = _window(a.dtype).to(a.device)
    x, y = a.reshape(n * c, 1, h, w), b.reshape(n * c, 1, h, w)
    mu_x, mu_y = F.conv2d(x, win), F.conv2d(y, win)
    sxx = F.conv2d(x * x, win) - mu_x**2
    syy = F.conv2d(y * y, win) - mu_y**2
    sxy = F.conv2d(x * y, win) - mu_x * mu_y
    smap = ((2 * mu_x * mu_y + C1) * (2 * sxy + C2)) / ((mu_x**2 + mu_y**2 + C1) * (sxx + syy + C2))
    return smap.reshape(n, c, -1).mean(dim=(1, 2))


class FidelityMetrics(MetricFamily):
    """``psnr`` and ``ssim`` of a conditional task's outputs against its test targets.

    The k-th sample received is compared with test target ``k mod N`` (the order of the test
    conditions, :mod:`ganbench.domains.conditional.task`); a sample is an image or a video of
    predicted frames, scored frame by frame. The task says how: ``crop_border`` (default 0) and
    ``test_y_channel`` (default True; only RGB images have a luma to take).
    """

    provides = {"psnr": MAX, "ssim": MAX}

    def reset(self) -> None:
        self._seen = 0
        self._psnr: list[torch.Tensor] = []
        self._ssim: list[torch.Tensor] = []

    def update(self, samples) -> None:
        samples = np.asarray(samples)
        if len(samples) == 0:
            return
        targets = self.task.test_targets()
        index = (self._seen + np.arange(len(samples))) % len(targets)
        if samples.shape[1:] != targets.shape[1:]:
            raise ValueError(f"samples of shape {samples.shape[1:]} cannot be compared with targets of shape {targets.shape[1:]}")
        self._seen += len(samples)
        crop, y = int(getattr(self.task, "crop_border", 0)), bool(getattr(self.task, "test_y_channel", True))
        a, b = prepare(samples, crop, y), prepare(targets[index], crop, y)
        if "psnr" in self.metrics:
            self._psnr.append(psnr(a, b))
        if "ssim" in self.metrics:
            self._ssim.append(ssim(a, b))

    def compute(self) -> dict[str, MetricValue]:
        if not self._seen:
            raise ValueError("psnr/ssim need samples: update() was never given any")
        n_targets = len(self.task.test_targets())
        base = {"n": self._seen, "reference": f"test targets, sample i vs target i mod {n_targets}",
                "crop_border": int(getattr(self.task, "crop_border", 0)),
                "channel": "Y (BT.601) of RGB, grey as is" if getattr(self.task, "test_y_channel", True) else "all channels",
                "implementation": "BasicSR calculate_psnr/ssim conventions (float64)"}
        out = {}
        for name, parts in (("psnr", self._psnr), ("ssim", self._ssim)):
            if name in self.metrics:
                v = torch.cat(parts)
                value = float(v.mean())
                finite = v[torch.isfinite(v)]
                out[name] = MetricValue(value, MAX, {**base, "per": "frame" if v.numel() > self._seen else "image",
                                                      "std": float(finite.std()) if finite.numel() > 1 else None})
        return out
