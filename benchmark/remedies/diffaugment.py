"""DiffAugment (Zhao et al., NeurIPS 2020): the same random, differentiable augmentations on every
image the discriminator sees, real and generated alike.

Augmenting only the real images teaches the generator to produce augmented images; augmenting
both, in D's step and in G's step, with transformations G's gradient passes through, keeps D from
memorising a small training set while G still learns the un-augmented distribution. The policy
``diffaugment`` is a comma-separated list of the paper's three families, each applied per image
with its own random draw (from the run's generator, so a run stays reproducible):

* ``color``: brightness x + (u − ½); saturation (x − x̄_c)·2u + x̄_c around the mean over
  channels; contrast (x − x̄)·(u + ½) + x̄ around the image mean (u ~ U[0, 1) each);
* ``translation``: a shift by an integer number of pixels in [−⅛ size, ⅛ size] on each axis,
  the vacated pixels 0 (mid-grey in the generators' [−1, 1] range);
* ``cutout``: a square of half the image side, anywhere (clipped at the borders), set to 0.

The paper's setting for unconditional CIFAR-10 and the low-data sets: ``color,translation,cutout``.
Images only (a point task has no colours or pixels to move).
"""

from __future__ import annotations

import torch

from ganbench.core.device import rand, randint
from ganbench.core.errors import UserError
from ganbench.remedies.base import Remedy

FAMILIES = ("color", "translation", "cutout")


def _u(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    return rand((x.shape[0], 1, 1, 1), generator=rng, device=x.device, dtype=x.dtype)


def color(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    x = x + (_u(x, rng) - 0.5)
    mean_c = x.mean(dim=1, keepdim=True)
    x = (x - mean_c) * (_u(x, rng) * 2) + mean_c
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_u(x, rng) + 0.5) + mean


def _shifted(x: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Each image moved by its own (dy, dx) pixels, zeros where nothing moved in; a gather, so
    the gradient reaches every pixel that stays in view."""
    n, c, h, w = x.shape
    rows = torch.arange(h, device=x.device).view(1, h, 1) - dy.view(n, 1, 1)  # source row of each target row
    cols = torch.arange(w, device=x.device).view(1, 1, w) - dx.view(n, 1, 1)
    inside = ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)).unsqueeze(1).to(x.dtype)
    index = (rows.clamp(0, h - 1) * w + cols.clamp(0, w - 1)).view(n, 1, h * w).expand(n, c, h * w)
    return x.reshape(n, c, h * w).gather(2, index).view(n, c, h, w) * inside


def translation(x: torch.Tensor, rng: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = randint(2 * sy + 1, (n,), generator=rng, device=x.device) - sy
    dx = randint(2 * sx + 1, (n,), generator=rng, device=x.device) - sx
    return _shifted(x, dy, dx)


def cutout(x: torch.Tensor, rng: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = randint(h + (1 - ch % 2), (n,), generator=rng, device=x.device).view(n, 1, 1) - ch // 2
    cx = randint(w + (1 - cw % 2), (n,), generator=rng, device=x.device).view(n, 1, 1) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    hole = (rows >= cy) & (rows < cy + ch) & (cols >= cx) & (cols < cx + cw)
    return x * (~hole).unsqueeze(1).to(x.dtype)


OPS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str) -> list[str]:
    names = [p.strip() for p in str(policy).split(",") if p.strip()]
    unknown = [p for p in names if p not in OPS]
    if unknown or not names:
        raise UserError(f"diffaugment={policy!r}: the policy is a comma-separated list of {', '.join(FAMILIES)} "
                        f"(e.g. --set diffaugment=color,translation,cutout)")
    return names


def diff_augment(x: torch.Tensor, policy: list[str], rng: torch.Generator) -> torch.Tensor:
    for name in policy:
        x = OPS[name](x, rng)
    return x


class DiffAugment(Remedy):
    name = "diffaugment"
    summary = "differentiable augmentation of every image D sees, real and generated alike"
    keys = {"diffaugment": ""}
    paper = "diffaugment=color,translation,cutout (Zhao et al. 2020)"
    example = {"diffaugment": "color,translation,cutout"}
    sample_kinds = ("images",)

    def __init__(self, cfg):
        super().__init__(cfg)
        self.policy = parse_policy(cfg["diffaugment"])

    def transform(self, x, state):
        return diff_augment(x, self.policy, state.rng)
