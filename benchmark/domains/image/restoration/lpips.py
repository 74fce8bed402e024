"""LPIPS v0.1 on AlexNet (Zhang et al., CVPR 2018), computed only on backbone weights the user supplies.

The distance of two images, as the ``lpips`` package 0.1.4 computes it (``LPIPS(net='alex',
version='0.1')``, not spatial): images in [-1, 1] go through its ScalingLayer
(``(x - shift) / scale``, shift = (-0.030, -0.088, -0.188), scale = (0.458, 0.448, 0.450)); grey
images are replicated to RGB first. torchvision's AlexNet ``features`` give five maps (after the
ReLUs of conv1..conv5); each is unit-normalised over channels (``x / (||x|| + 1e-10)``), the
squared difference of the two images' maps is weighted per channel by LPIPS' linear head (a 1×1
conv, no bias), averaged over space, and the five layers are summed. Equal to the ``lpips`` package
on the same inputs and backbone to 1e-5 (tests/test_lpips.py).

* **Linear heads**: ``data/lpips-v0.1-alex.pth`` is ``lpips/weights/v0.1/alex.pth`` of lpips 0.1.4,
  byte for byte (BSD-2, ``data/LICENSE-lpips.txt``), SHA-256 pinned (:data:`HEADS_SHA256`), read
  with ``torch.load(weights_only=True)``.
* **Backbone**: torchvision's ImageNet AlexNet, which ganbench never downloads: the user names its
  state dict file in ``$GANBENCH_LPIPS_BACKBONE`` (torchvision's ``alexnet-owt-7be5be79.pth``,
  :data:`BACKBONE_URL`). It is read with ``torch.load(weights_only=True)`` into
  ``torchvision.models.alexnet(weights=None)`` strictly; a file that does not fit is a one-line
  error. Without the variable (or with a path that is no file) the metric is skipped with a
  one-line message (:func:`missing_reason`) and nothing is computed under the name ``lpips``. The
  file's SHA-256 is in every value's details, so values on different backbones never share a column.
* **Small images**: AlexNet's features up to conv5 need at least 31 pixels a side (conv1's stride
  4, two 3×3/2 max-pools); 32×32 images (CIFAR-10, the digits tasks) run as given, as the ``lpips``
  package runs them. Smaller ones (Fashion-MNIST's 28×28, which the package refuses) are first
  upsampled, both images alike, by the smallest integer factor that fits (28 -> 56: ×2), bilinear
  (``align_corners=False``) on the [-1, 1] images; the details say so (``resize``).
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganbench.core.errors import UserError
from ganbench.metrics.base import MIN, MetricFamily, MetricValue, Rechunker

ENV = "GANBENCH_LPIPS_BACKBONE"
BACKBONE_FILE = "alexnet-owt-7be5be79.pth"
BACKBONE_URL = "https://download.pytorch.org/models/" + BACKBONE_FILE
HEADS_FILE = Path(__file__).with_name("data") / "lpips-v0.1-alex.pth"
HEADS_SHA256 = "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0"
HEADS_VERSION = "LPIPS v0.1 alex linear heads (lpips 0.1.4 weights/v0.1/alex.pth)"
SHIFT, SCALE = (-0.030, -0.088, -0.188), (0.458, 0.448, 0.450)
LAYERS = (1, 4, 7, 9, 11)  # AlexNet.features indices of relu1..relu5
CHANNELS = (64, 192, 384, 256, 256)
EPS = 1e-10
CHUNK = 256  # images per forward pass; fixed, so streamed batches give the numbers of one pass


def backbone_path() -> Path | None:
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else None


def missing_reason(task=None) -> str | None:
    """None when ``$GANBENCH_LPIPS_BACKBONE`` names a file; else the one-line message saying how to get LPIPS."""
    path = backbone_path()
    if path is not None and path.is_file():
        return None
    why = f"{ENV}={path} is not a file" if path is not None else f"{ENV} is not set"
    return (f"LPIPS not computed ({why}): download torchvision's AlexNet weights {BACKBONE_URL} "
            f"and set {ENV} to the file")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_heads() -> list[torch.Tensor]:
    """The five 1×1 head weights (1×C×1×1) of the shipped file, checked against its pinned SHA-256."""
    actual = _sha256(HEADS_FILE)
    if actual != HEADS_SHA256:
        raise RuntimeError(f"{HEADS_FILE} has SHA-256 {actual}, not the pinned {HEADS_SHA256}: reinstall ganbench")
    sd = torch.load(HEADS_FILE, map_location="cpu", weights_only=True)  # saved from CUDA tensors: map to the CPU
    heads = [sd[f"lin{i}.model.1.weight"].float() for i in range(len(CHANNELS))]
    assert [h.shape[1] for h in heads] == list(CHANNELS)
    return heads


_BACKBONES: dict[tuple, tuple[str, torch.nn.Sequential]] = {}  # (path, size, mtime) -> (sha256, features to relu5): read once


_FIX = f"set {ENV} to torchvision's AlexNet state dict file ({BACKBONE_URL})"


def load_backbone(path: Path) -> tuple[str, torch.nn.Sequential]:
    """(SHA-256 of the file, AlexNet ``features`` up to relu5) from a torchvision ``alexnet`` state dict
    file, loaded strictly; a file that is not one is a one-line :class:`UserError`."""
    from torchvision.models import alexnet

    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _BACKBONES:
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # not a torch file, or one holding more than tensors
            text = " ".join(str(exc).split())
            why = ("torch.load(weights_only=True) refuses it: not a file of tensors alone" if "Weights only load failed" in text
                   else f"{type(exc).__name__}: {text[:150]}" if text else type(exc).__name__)
            raise UserError(f"{ENV}={path} cannot be read as a torch state dict ({why}): {_FIX}") from None
        if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
            raise UserError(f"{ENV}={path} holds a {type(sd).__name__}, not a state dict of tensors: {_FIX}")
        net = alexnet(weights=None)
        try:
            net.load_state_dict(sd, strict=True)
        except RuntimeError as exc:
            want = net.state_dict()

            def some(keys):
                return ", ".join(keys[:3]) + (" ..." if len(keys) > 3 else "")

            missing = [k for k in want if k not in sd]
            unexpected = [k for k in sd if k not in want]
            shapes = [f"{k} {tuple(sd[k].shape)} not {tuple(want[k].shape)}" for k in want
                      if k in sd and sd[k].shape != want[k].shape]
            what = "; ".join(part for part in (missing and f"missing {some(missing)}",
                                               unexpected and f"unexpected {some(unexpected)}",
                                               shapes and f"shapes {some(shapes)}") if part)
            raise UserError(f"{ENV}={path} is not a torchvision alexnet state dict "
                            f"({what or ' '.join(str(exc).split())[:200]}): {_FIX}") from None
        _BACKBONES.clear()  # one backbone held at a time
        _BACKBONES[key] = (_sha256(path), net.features[:LAYERS[-1] + 1])
    sha, features = _BACKBONES[key]
    return sha, copy.deepcopy(features)


def fits(h: int, w: int) -> bool:
    """Whether AlexNet's features up to relu5 accept an h×w image (both max-pools get >= 3 pixels)."""
    def side(s: int) -> bool:
        c1 = (s + 2 * 2 - 11) // 4 + 1
        return c1 >= 3 and (c1 - 3) // 2 + 1 >= 3
    return side(h) and side(w)


def upsample_factor(h: int, w: int) -> int:
    k = 1
    while not fits(h * k, w * k):
        k += 1
    return k


def resize_note(h: int, w: int) -> str:
    k = upsample_factor(h, w)
    if k == 1:
        return f"none ({h}x{w} as given)"
    return (f"bilinear x{k} ({h}x{w} -> {h * k}x{w * k}, align_corners=False): AlexNet's features need "
            f">= 31 pixels a side")


class LPIPSAlex(torch.nn.Module):
    """``(a, b)`` float N×{1,3}×H×W in [-1, 1] -> N LPIPS v0.1 alex distances (float32)."""

    def __init__(self, backbone: str | Path):
        super().__init__()
        self.backbone_sha256, self.features = load_backbone(Path(backbone))
        self.heads = torch.nn.ParameterList([torch.nn.Parameter(h, requires_grad=False) for h in load_heads()])
        self.register_buffer("shift", torch.tensor(SHIFT)[None, :, None, None])
        self.register_buffer("scale", torch.tensor(SCALE)[None, :, None, None])
        self.requires_grad_(False)
        self.eval()

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        k = upsample_factor(*x.shape[-2:])
        if k > 1:
            x = F.interpolate(x, scale_factor=k, mode="bilinear", align_corners=False)
        return (x - self.shift) / self.scale

    def _maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in LAYERS:
                out.append(x / (x.pow(2).sum(1, keepdim=True).sqrt() + EPS))
        return out

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        fa, fb = self._maps(self.prepare(a)), self._maps(self.prepare(b))
        total = 0
        for xa, xb, w in zip(fa, fb, self.heads):
            total = total + F.conv2d((xa - xb).pow(2), w).mean((2, 3))
        return total.flatten()


def to_unit(images: np.ndarray | torch.Tensor, device=None) -> torch.Tensor:
    """uint8 N×H×W×C -> float N×C×H×W in [-1, 1] (LPIPS' input range)."""
    x = torch.as_tensor(np.ascontiguousarray(images), device=device)
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


class LPIPSMetric(MetricFamily):
    """``lpips`` (↓): the mean LPIPS v0.1 alex distance between sample k and test target ``k mod N``
    (the pairing of PSNR/SSIM, :class:`~ganbench.domains.conditional.fidelity.FidelityMetrics`).
    Skipped, with :func:`missing_reason`, where ``$GANBENCH_LPIPS_BACKBONE`` names no file."""

    provides = {"lpips": MIN}

    @classmethod
    def unavailable(cls, task) -> str | None:
        return missing_reason(task)

    def reset(self) -> None:
        self._seen = 0
        self._values: list[torch.Tensor] = []
        self._chunks = Rechunker(CHUNK)
        if not hasattr(self, "net"):
            path = backbone_path()
            if path is None or not path.is_file():
                raise UserError(missing_reason(self.task))
            self.device = torch.device(self.options.get("device") or "cpu")
            self.net = LPIPSAlex(path).to(self.device)

    def _score(self, pairs: np.ndarray) -> None:
        with torch.inference_mode():
            x = to_unit(pairs.reshape(-1, *pairs.shape[2:]), self.device)
            x = x.reshape(len(pairs), 2, *x.shape[1:])
            self._values.append(self.net(x[:, 0], x[:, 1]).double().cpu())

    def update(self, samples) -> None:
        samples = np.asarray(samples)
        if len(samples) == 0:
            return
        targets = self.task.test_targets()
        if samples.shape[1:] != targets.shape[1:]:
            raise ValueError(f"samples of shape {samples.shape[1:]} cannot be compared with targets of shape {targets.shape[1:]}")
        index = (self._seen + np.arange(len(samples))) % len(targets)
        self._seen += len(samples)
        for chunk in self._chunks.push(np.stack([samples, targets[index]], axis=1)):
            self._score(chunk)

    def compute(self) -> dict[str, MetricValue]:
        last = self._chunks.flush()
        if last is not None:
            self._score(last)
        if not self._seen:
            raise ValueError("lpips needs samples: update() was never given any")
        v = torch.cat(self._values)
        h, w, c = self.task.test_targets().shape[1:]
        details = {"n": self._seen, "reference": f"test targets, sample i vs target i mod {len(self.task.test_targets())}",
                   "net": "alex", "heads": HEADS_VERSION, "heads_sha256": HEADS_SHA256,
                   "backbone_sha256": self.net.backbone_sha256,
                   "input": "uint8/127.5-1, LPIPS ScalingLayer" + (", grey replicated to RGB" if c == 1 else ""),
                   "resize": resize_note(h, w), "per": "image",
                   "std": float(v.std()) if v.numel() > 1 else None}
        return {"lpips": MetricValue(float(v.mean()), MIN, details)}
