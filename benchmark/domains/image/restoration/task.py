"""The restoration task base: degraded inputs made from an image data set's splits, deterministically.

* Super-resolution (``scale`` s): the input is the target downsampled by s with PIL's bicubic filter
  (antialiased, as MATLAB's ``imresize``), stored as uint8 as an LR image file would be; the nets
  read its bicubic upsampling back to full size (``condition_input``). PSNR/SSIM cut ``s`` border
  pixels and take the luma of RGB images (BasicSR's protocol).
* Inpainting: the centre block of half the height and width is missing (Pathak et al.'s Context
  Encoders' centre region); the nets read the image with the block at mid-grey plus the mask as a
  channel, and fill only the block. PSNR/SSIM are over the whole composited image, no border cut.

LPIPS (v0.1 alex, sample i vs target i; :mod:`.lpips`) runs only on the AlexNet weights file the
user names in ``$GANBENCH_LPIPS_BACKBONE``; without it the metric is skipped with a one-line message.

FID/KID use the classifier of the data set the task restores (``classifier_source``: the same
cached network, so ``classifier:image/fashion-mnist-v1-seed0`` scores both ``image/fashion-mnist``
and its restoration tasks), against the test targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ganbench.domains.conditional.task import ConditionalTask
from ganbench.domains.image.io import grid
from ganbench.domains.image.task import ImageTask

RESTORATION_METRICS = ("psnr", "ssim", "lpips", "fid", "kid")  # lpips: skipped without $GANBENCH_LPIPS_BACKBONE
RESTORATION_DEFAULTS: dict[str, Any] = {
    "g_arch": "unet-restorer", "d_arch": "patchgan-discriminator", "g_ch": 32, "d_ch": 32, "spectral_norm": False,
    "batch_size": 32, "lr_g": 2e-4, "lr_d": 2e-4, "adv_weight": 0.01,  # pix2pix: L1 x 100 against adversarial x 1
}
RESTORATION_SMOKE: dict[str, Any] = {"g_ch": 4, "d_ch": 4, "batch_size": 4}


def bicubic_downsample(images: np.ndarray, scale: int) -> np.ndarray:
    """uint8 N×H×W×C -> uint8 N×(H/s)×(W/s)×C by PIL's antialiased bicubic resampling."""
    from PIL import Image

    n, h, w, c = images.shape
    out = np.empty((n, h // scale, w // scale, c), dtype=np.uint8)
    for i in range(n):
        im = Image.fromarray(images[i, ..., 0] if c == 1 else images[i])
        small = np.asarray(im.resize((w // scale, h // scale), Image.Resampling.BICUBIC))
        out[i] = small[..., None] if c == 1 else small
    return out


def centre_mask(h: int, w: int) -> np.ndarray:
    """bool H×W, True on the missing centre block of half the height and width."""
    mask = np.zeros((h, w), dtype=bool)
    mask[h // 4:h // 4 + h // 2, w // 4:w // 4 + w // 2] = True
    return mask


class RestorationTask(ConditionalTask, ImageTask):
    """Subclasses set ``spec``, ``shape``, ``dataset`` (the image task class whose splits and
    classifier they use) and ``restoration_mode`` (``residual`` for SR with ``scale``, ``fill``
    for inpainting); ``prepare_images`` may transform the data set's images first."""

    dataset: type
    restoration_mode = "residual"
    scale = 4
    test_y_channel = True

    shares_classifier = True  # False where prepare_images changes the images (then the task trains its own)

    def __init__(self, data_dir=None):
        super().__init__(data_dir)
        self.source = self.dataset(data_dir)
        if self.shares_classifier:
            self.classifier_source = self.source  # FID/KID in the data set's own classifier

    @property
    def crop_border(self) -> int:
        return self.scale if self.restoration_mode == "residual" else 0

    @property
    def condition_channels(self) -> int:
        return self.shape[2] + (1 if self.restoration_mode == "fill" else 0)

    def prepare_images(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return data

    def check_config(self, objective, config) -> None:
        super().check_config(objective, config)
        from ganbench.domains.image.restoration import lpips

        if lpips.missing_reason(self) is None:  # a backbone file that is not AlexNet's fails now, not after training
            lpips.load_backbone(lpips.backbone_path())

    def _load(self) -> dict[str, np.ndarray]:
        return self.prepare_images(dict(self.source._data()))

    # -- pairs -----------------------------------------------------------------------------------
    def _pairs(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        cache = self.__dict__.setdefault("_pair_arrays", {})
        if split not in cache:
            target = self._data()[f"x_{split}"]
            if self.restoration_mode == "residual":
                cond = bicubic_downsample(target, self.scale)
            else:
                cond = target.copy()
                cond[:, centre_mask(*self.shape[:2])] = 128  # mid-grey, 0 in the nets' [-1, 1]
            cache[split] = (cond, target)
        return cache[split]

    def condition_input(self, cond: torch.Tensor) -> torch.Tensor:
        x = cond.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        if self.restoration_mode == "residual":
            return F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        mask = torch.from_numpy(centre_mask(*self.shape[:2])).to(x.device, x.dtype)
        return torch.cat([x * (1 - mask), mask.expand(len(x), 1, *mask.shape)], 1)

    def to_raw(self, target: torch.Tensor) -> torch.Tensor:
        return target.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)

    # -- artifacts -------------------------------------------------------------------------------
    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """``samples.png``: 16 test images, rows of 8 — the input as the nets see it, the
        restoration, the truth — repeated for the second 8."""
        from PIL import Image

        from ganbench.domains.image.io import from_generator

        rng = torch.Generator().manual_seed(0)
        out = self.decode(self.sample(G, 16, rng))
        cond, target = self._pairs("test")
        cond_in = from_generator(self.condition_input(torch.from_numpy(cond[:16]))[:, :self.shape[2]])
        rows = []
        for half in (slice(0, 8), slice(8, 16)):
            rows += [cond_in[half], out[half], target[:16][half]]
        g = grid(np.concatenate(rows), nrow=8)
        scale = max(1, 64 // self.shape[0])
        g = g.repeat(scale, axis=0).repeat(scale, axis=1)
        Image.fromarray(g[..., 0] if g.shape[2] == 1 else g).save(Path(run_dir) / "samples.png")
        return {"samples_png": f"{run_id}/samples.png"}
