"""DINOv2 ViT-B/14 features: the feature space dgm-eval (Stein et al. 2023) and torch-fidelity 0.4
recommend over Inception-v3 for FID and its kin.

Why not torch-fidelity's or dgm-eval's own extractor: both build the network with
``torch.hub.load("facebookresearch/dinov2", ...)``, which downloads and *executes* code from
GitHub on first use. Here the architecture is timm's ``vit_base_patch14_dinov2`` (patch 14,
width 768, depth 12, 12 heads, LayerScale; the same layers as Meta's code, so Meta's checkpoint
loads into it key for key after timm's conversion) and the only thing read from outside is a
tensor file, loaded with ``torch.load(weights_only=True)``.

Preprocessing follows dgm-eval's ``DINOv2Encoder.transform``: resize to 224×224 with bicubic
interpolation (its PIL resize rounds to 8 bits, so the resized image is rounded and clipped to
0..255 here too), scale to [0, 1], normalise with the ImageNet mean and std; grey images are
repeated over three channels. The feature is the class token after the final LayerNorm (768-d),
what the hub model returns. The checkpoint's position embeddings (a 37×37 grid, for 518 px) are
resampled to the 16×16 grid of 224 px once, when loading, exactly as Meta's
``interpolate_pos_encoding`` does it at every call (bicubic, scale factor (16 + 0.1) / 37, no
antialiasing), so the features are the hub model's. DINOv2 has no classifier head: the "logits"
(which only the Inception score reads) are the features, torch-fidelity 0.4's convention.

Weights, first found wins: the ``weights`` argument, else ``$GANBENCH_DINOV2_WEIGHTS`` (a file the
user names is used as is, never replaced by a download); the copy ``torch.hub`` keeps after any
``torch.hub.load`` of DINOv2 (``<hub>/checkpoints/dinov2_vitb14_pretrain.pth``); then, like any
data file, ``dinov2/dinov2_vitb14_pretrain.pth`` under ``--data-dir`` / ``GANBENCH_DATA`` or the
ganbench cache; else a download from Meta's URL (``$GANBENCH_DINOV2_URL`` overrides it) through
:mod:`ganbench.core.download`, pinned by the MD5 prefix ``8635e7`` that Open Metric Learning pins
for this file (Meta publishes no checksum; a prefix still catches a truncated or wrong file).
:func:`weights_on_disk` finds a file without downloading: the protocol-sensitivity variant runs
only when it returns one.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

from ganbench.core.data import DataFile, DataLocator
from ganbench.core.errors import DataNotFoundError, UserError

NAME = "dinov2-vitb14"
ARCH = "vit_base_patch14_dinov2"
INPUT_SIZE = 224
PATCH = 14
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
WEIGHTS_FILE = "dinov2_vitb14_pretrain.pth"
WEIGHTS_URL = "https://dl.fbaipublicfiles.com/dinov2/dinov2_vitb14/" + WEIGHTS_FILE
WEIGHTS_MD5 = "8635e7"  # prefix, as pinned by Open Metric Learning (see the module docstring)
INTERPOLATE_OFFSET = 0.1  # Meta's interpolate_pos_encoding
BATCH = 32  # images per forward pass: a ViT-B's attention over 257 tokens is large


def weights_spec() -> DataFile:
    """The weights as a data file (read when called: ``$GANBENCH_DINOV2_URL`` may name a mirror)."""
    url = os.environ.get("GANBENCH_DINOV2_URL") or WEIGHTS_URL
    return DataFile(f"dinov2/{WEIGHTS_FILE}", md5=WEIGHTS_MD5, url=url)


def _hub_copy() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def weights_on_disk(locator: DataLocator | None = None) -> Path | None:
    """A weights file already here (never downloads): the user's, torch hub's copy, or one under a data root."""
    env = os.environ.get("GANBENCH_DINOV2_WEIGHTS")
    if env:
        path = Path(env).expanduser()
        return path if path.is_file() else None
    if _hub_copy().is_file():
        return _hub_copy()
    for root in (locator or DataLocator()).roots:
        path = root / weights_spec().relpath
        if path.is_file():
            return path
    return None


def missing_reason(locator: DataLocator | None = None) -> str | None:
    """None when the extractor can run here without a download, else the one-line reason it cannot."""
    try:
        import timm  # noqa: F401
    except ImportError:
        return "timm is not installed (pip install timm, or ganbench[image])"
    if weights_on_disk(locator) is None:
        env = os.environ.get("GANBENCH_DINOV2_WEIGHTS")
        where = f"GANBENCH_DINOV2_WEIGHTS={env} is not a file" if env else \
            f"set GANBENCH_DINOV2_WEIGHTS, or put dinov2/{WEIGHTS_FILE} under GANBENCH_DATA"
        return f"DINOv2 ViT-B/14 weights not on disk ({where})"
    return None


class _WeightsLocator(DataLocator):
    """The data locator, with a message naming the environment variable when the weights are nowhere."""

    def _missing_message(self, spec: DataFile, why: str) -> str:
        return (f"DINOv2 ViT-B/14 weights not found ({why}): download {spec.url} and set GANBENCH_DINOV2_WEIGHTS "
                f"to the file, or put it at {self.roots[-1] / spec.relpath}")


def resolve_weights(weights: str | Path | None = None, locator: DataLocator | None = None) -> Path:
    """The weights file to load, downloading (verified, into the cache) only when none is on disk."""
    if weights:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise DataNotFoundError(f"DINOv2 weights file {path} does not exist: give the {WEIGHTS_FILE} from {WEIGHTS_URL}")
        return path
    env = os.environ.get("GANBENCH_DINOV2_WEIGHTS")
    if env and not Path(env).expanduser().is_file():
        raise DataNotFoundError(f"GANBENCH_DINOV2_WEIGHTS={env} is not a file: give the {WEIGHTS_FILE} from {WEIGHTS_URL}")
    found = weights_on_disk(locator)
    if found is not None:
        return found
    finder = _WeightsLocator()
    if locator is not None:
        finder.roots = list(locator.roots)
    return finder.find(weights_spec())


def build_network(**smaller) -> torch.nn.Module:
    """timm's DINOv2 ViT-B/14 for 224 px input, no head (the forward returns the normalised class token).
    ``smaller`` overrides timm's sizes (``depth``, ``embed_dim``, ``num_heads``): fast tests of this code."""
    try:
        import timm
    except ImportError:
        raise UserError("the dinov2-vitb14 extractor needs timm: pip install timm (or ganbench[image])") from None
    net = timm.create_model(ARCH, pretrained=False, img_size=INPUT_SIZE, num_classes=0, **smaller)
    return net.eval().requires_grad_(False)


def resample_pos_embed(pos_embed: torch.Tensor, grid: int) -> torch.Tensor:
    """Position embeddings [1, 1 + M², D] -> [1, 1 + grid², D] as Meta's ``interpolate_pos_encoding``."""
    cls, patches = pos_embed[:, :1], pos_embed[:, 1:].float()
    m = int(math.isqrt(patches.shape[1]))
    if m * m != patches.shape[1]:
        raise ValueError(f"position embeddings of {patches.shape[1]} patches are not a square grid")
    if m == grid:
        return pos_embed
    scale = (grid + INTERPOLATE_OFFSET) / m
    out = torch.nn.functional.interpolate(patches.reshape(1, m, m, -1).permute(0, 3, 1, 2), scale_factor=(scale, scale),
                                          mode="bicubic", antialias=False)
    if out.shape[-2:] != (grid, grid):
        raise ValueError(f"resampled position embeddings to {tuple(out.shape[-2:])}, not {grid}x{grid}")
    return torch.cat([cls, out.permute(0, 2, 3, 1).reshape(1, grid * grid, -1).to(pos_embed.dtype)], dim=1)


def load_weights(net: torch.nn.Module, state: dict) -> None:
    """Load Meta's checkpoint (or a state dict of this very network) into ``net``; a file of another
    network is a one-line UserError, never a partial load."""
    from timm.models.vision_transformer import _convert_dinov2

    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UserError("DINOv2 weights file holds no state dict of tensors: give Meta's dinov2_vitb14_pretrain.pth")
    state = dict(state)
    if "mask_token" in state:  # Meta's layout: timm's conversion (drops the mask token, renames nothing else here)
        state = _convert_dinov2(state, net)
    if "pos_embed" in state:
        state["pos_embed"] = resample_pos_embed(state["pos_embed"], INPUT_SIZE // PATCH)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "keys or shapes differ"
        raise UserError(f"DINOv2 weights do not fit ViT-B/14 ({first[:160]}): give Meta's {WEIGHTS_FILE}") from None


class DINOv2:
    """Callable: uint8 images N×H×W×{1,3} -> (CLS features N×768, the same as "logits"), on ``device``."""

    def __init__(self, weights: str | Path | None = None, random_weights: bool = False,
                 device: str | torch.device | None = None, locator: DataLocator | None = None, seed: int = 0,
                 smaller: dict | None = None):
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        with torch.random.fork_rng(devices=[]):  # the random init must not move the caller's RNG
            torch.manual_seed(seed)
            net = build_network(**(smaller or {}))
        if random_weights:
            self.name = f"{NAME}-random" + "".join(f"-{k}{v}" for k, v in sorted((smaller or {}).items()))
            self.details = {"weights": f"random (seed {seed}, tests only)"}
        else:
            path = resolve_weights(weights, locator)
            load_weights(net, torch.load(path, map_location="cpu", weights_only=True))
            self.name = NAME + "".join(f"-{k}{v}" for k, v in sorted((smaller or {}).items()))
            self.details = {"weights": path.name}
        self.details = {**self.details, "preprocessing": "bicubic 224x224, ImageNet mean/std (dgm-eval)",
                        "features": f"class token after the final norm ({net.num_features})"}
        self.net = net.to(self.device)
        self._mean = torch.tensor(IMAGENET_MEAN, device=self.device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD, device=self.device).view(1, 3, 1, 1)

    @classmethod
    def for_task(cls, task, device: str | torch.device | None = None) -> "DINOv2":
        return cls(device=device, locator=getattr(task, "data", None))

    def preprocess(self, images: np.ndarray) -> torch.Tensor:
        """uint8 N×H×W×C -> the network's input N×3×224×224 (see the module docstring), on the device."""
        arr = np.ascontiguousarray(images)
        if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[-1] not in (1, 3):
            raise ValueError(f"{NAME} expects uint8 N×H×W×{{1,3}} images, got {arr.dtype} {tuple(arr.shape)}")
        x = torch.as_tensor(arr, device=self.device).permute(0, 3, 1, 2).float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = torch.nn.functional.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bicubic", align_corners=False,
                                            antialias=True)
        x = x.round().clamp(0, 255).div(255.0)
        return (x - self._mean) / self._std

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feats = []
        with torch.inference_mode():
            for start in range(0, len(images), BATCH):
                feats.append(self.net(self.preprocess(images[start:start + BATCH])).float().cpu())
        f = torch.cat(feats).numpy() if feats else np.zeros((0, self.net.num_features), np.float32)
        return f, f
