"""I3D (Inflated Inception-v1, Carreira & Zisserman 2017) for the literature's FVD, from a local file.

The network: :class:`InceptionI3d` is written here, but its module names, tensor shapes and
arithmetic follow the widely used PyTorch port ``piergiaj/pytorch-i3d`` (file ``pytorch_i3d.py``,
class ``InceptionI3d(num_classes=400, in_channels=3)``), so its ``state_dict`` has exactly that
port's keys and shapes and its released Kinetics-400 weights (``models/rgb_imagenet.pt``: RGB,
ImageNet-inflated, trained on Kinetics-400, 400 classes) load with ``strict=True``. As there:
every convolution and max-pool pads "same" the way TensorFlow's ``'SAME'`` does, computed from the
input it is given (total pad ``max((ceil(n/s) - 1)·s + k - n, 0)``, the smaller half in front),
with zeros (the port's choice; the max-pools only see ReLU outputs, so zeros change nothing);
batch norm has eps 0.001 (momentum 0.01); the head is a 2×7×7 average pool (no padding), dropout
and a 1×1×1 convolution with bias, giving B×400×T' logits.

Weights, first found wins: ``$GANBENCH_I3D_WEIGHTS`` (a file the user names, used as is), else
``i3d/rgb_imagenet.pt`` under ``--data-dir`` / ``GANBENCH_DATA`` or the ganbench cache. Nothing is
ever downloaded: with no file the ``fvd`` metric is refused with a one-line message saying where
to get it. The file is read with ``torch.load(weights_only=True)`` (tensors only, no pickled code)
and loaded strictly; its SHA-256 names the feature space (cache keys, metric details).

Features (:class:`I3DFeatures`), as the original FVD (Unterthiner et al. 2019, the TF-Hub
``i3d-kinetics-400`` module in ``frechet_video_distance.py``) and StyleGAN-V's torchscript I3D
(``rescale=False, resize=True, return_features=True``) compute them: every frame resized to
224×224 bilinearly (no antialiasing, as ``tf.image.resize_bilinear``), scaled to [-1, 1]
(``2x/255 - 1``), grey replicated to RGB; the feature of a video is the 400 Kinetics logits of the
final layer averaged over time (TF I3D's ``averaged_logits``), no softmax. I3D needs at least
:data:`MIN_FRAMES` frames (the last average pool spans 2 steps of the 8× downsampled time axis).
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.core.errors import DataNotFoundError, UserError

EXTRACTOR = "i3d-kinetics400"
WEIGHTS_RELPATH = "i3d/rgb_imagenet.pt"
WEIGHTS_SOURCE = "https://github.com/piergiaj/pytorch-i3d/raw/master/models/rgb_imagenet.pt"
SIZE = 224  # frames are resized to SIZE×SIZE
MIN_FRAMES = 9  # ceil(ceil(ceil(T/2)/2)/2) >= 2: the head's average pool spans two time steps
CLASSES = 400

# (name, output channels of the branches: 1x1 | 1x1 -> 3x3x3 | 1x1 -> 3x3x3 | max-pool -> 1x1)
MIXED = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32), "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64), "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64), "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128), "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}


def same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(front, back) zero padding that gives TensorFlow's 'SAME' output length ceil(size/stride)."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad(x: torch.Tensor, kernel, stride) -> torch.Tensor:
    pads: list[int] = []
    for n, k, s in zip(reversed(x.shape[2:]), reversed(kernel), reversed(stride)):  # F.pad wants W, H, T
        pads.extend(same_pad(int(n), k, s))
    return F.pad(x, pads)


def _triple(v) -> tuple[int, int, int]:
    return (v, v, v) if isinstance(v, int) else tuple(v)


class SamePool(nn.Module):
    """3-D max-pool with 'SAME' padding (no parameters)."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = _triple(kernel), _triple(stride)

    def forward(self, x):
        return F.max_pool3d(_pad(x, self.kernel, self.stride), self.kernel, self.stride)


class Unit3D(nn.Module):
    """'SAME'-padded 3-D convolution (``conv3d``), batch norm (``bn``) and ReLU; the logits unit has
    a bias and neither norm nor activation."""

    def __init__(self, cin: int, cout: int, kernel=1, stride=1, head: bool = False):
        super().__init__()
        self.kernel, self.stride, self.head = _triple(kernel), _triple(stride), head
        self.conv3d = nn.Conv3d(cin, cout, self.kernel, self.stride, padding=0, bias=head)
        if not head:
            self.bn = nn.BatchNorm3d(cout, eps=0.001, momentum=0.01)

    def forward(self, x):
        x = self.conv3d(_pad(x, self.kernel, self.stride))
        return x if self.head else F.relu(self.bn(x))


class Mixed(nn.Module):
    """An Inception block: four branches concatenated on channels (names as in the port)."""

    def __init__(self, cin: int, c: tuple[int, ...]):
        super().__init__()
        self.b0 = Unit3D(cin, c[0])
        self.b1a, self.b1b = Unit3D(cin, c[1]), Unit3D(c[1], c[2], 3)
        self.b2a, self.b2b = Unit3D(cin, c[3]), Unit3D(c[3], c[4], 3)
        self.b3a, self.b3b = SamePool(3, 1), Unit3D(cin, c[5])
        self.out_channels = c[0] + c[2] + c[4] + c[5]

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], 1)


class InceptionI3d(nn.Module):
    """I3D up to the logits: input B×C×T×H×W (RGB in [-1, 1]), output B×classes×T' logits
    (T' = ceil(T/8) - 1 for 224×224 input). See the module docstring for the reference."""

    def __init__(self, num_classes: int = CLASSES, in_channels: int = 3):
        super().__init__()
        layers: list[tuple[str, nn.Module]] = [
            ("Conv3d_1a_7x7", Unit3D(in_channels, 64, 7, 2)),
            ("MaxPool3d_2a_3x3", SamePool((1, 3, 3), (1, 2, 2))),
            ("Conv3d_2b_1x1", Unit3D(64, 64)),
            ("Conv3d_2c_3x3", Unit3D(64, 192, 3)),
            ("MaxPool3d_3a_3x3", SamePool((1, 3, 3), (1, 2, 2)))]
        cin = 192
        for name, c in MIXED.items():
            if name == "Mixed_4b":
                layers.append(("MaxPool3d_4a_3x3", SamePool(3, 2)))
            if name == "Mixed_5b":
                layers.append(("MaxPool3d_5a_2x2", SamePool(2, 2)))
            block = Mixed(cin, c)
            layers.append((name, block))
            cin = block.out_channels
        for name, layer in layers:
            self.add_module(name, layer)
        self._order = [name for name, _ in layers]
        self.avg_pool = nn.AvgPool3d((2, 7, 7), stride=1)
        self.dropout = nn.Dropout(0.5)
        self.logits = Unit3D(cin, num_classes, head=True)

    def forward(self, x):
        for name in self._order:
            x = getattr(self, name)(x)
        x = self.logits(self.dropout(self.avg_pool(x)))
        return x.mean((3, 4))  # B×classes×T' (the spatial extent is 1×1 for 224×224 frames)


# --- weights -----------------------------------------------------------------------------------------
def _get_it() -> str:
    return (f"download pytorch-i3d's Kinetics-400 weights ({WEIGHTS_SOURCE}) and set GANBENCH_I3D_WEIGHTS to the "
            f"file, or put it at {WEIGHTS_RELPATH} under GANBENCH_DATA")


def find_weights(roots=()) -> Path | None:
    """The weights file on disk, or None: ``$GANBENCH_I3D_WEIGHTS``, else the data roots' copy."""
    env = os.environ.get("GANBENCH_I3D_WEIGHTS")
    if env:
        return Path(env).expanduser()
    for root in roots:
        if (Path(root) / WEIGHTS_RELPATH).is_file():
            return Path(root) / WEIGHTS_RELPATH
    return None


def missing_reason(roots=()) -> str | None:
    """None when the weights file is on disk, else the one-line reason and how to get it."""
    path = find_weights(roots)
    if path is None:
        return f"I3D weights not on disk (no GANBENCH_I3D_WEIGHTS, no {WEIGHTS_RELPATH} under the data folders): {_get_it()}"
    if not path.is_file():
        return f"GANBENCH_I3D_WEIGHTS={path} is not a file: {_get_it()}"
    return None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_i3d(path: str | Path) -> InceptionI3d:
    """InceptionI3d(400) with the weights of ``path`` (tensors only, loaded strictly), in eval mode."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # not a torch file, truncated, or holding more than tensors
        raise UserError(f"I3D weights {path} cannot be read as a tensor state dict "
                        f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}): {_get_it()}") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise UserError(f"I3D weights {path} hold a {type(state).__name__}, not a state dict: {_get_it()}")
    net = InceptionI3d(CLASSES, 3)
    own = net.state_dict()
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own]
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        first = (missing or unexpected or wrong)[0]
        raise UserError(f"I3D weights {path} are not pytorch-i3d's InceptionI3d(400, in_channels=3): {len(missing)} "
                        f"missing, {len(unexpected)} unexpected and {len(wrong)} mis-shaped keys (first: {first}): {_get_it()}")
    # files written before PyTorch 0.4.1 lack the batch norms' step counters (unused in eval mode)
    state = {**{k: v for k, v in own.items() if k.endswith("num_batches_tracked")}, **state}
    net.load_state_dict(state, strict=True)
    return net.eval()


# --- features ----------------------------------------------------------------------------------------
def preprocess(videos: np.ndarray, device=None) -> torch.Tensor:
    """uint8 N×T×H×W×{1,3} -> float N×3×T×224×224 in [-1, 1] (per-frame bilinear resize)."""
    x = torch.as_tensor(np.ascontiguousarray(videos), device=device)
    n, t, h, w, c = x.shape
    frames = x.reshape(n * t, h, w, c).permute(0, 3, 1, 2).float()
    if c == 1:
        frames = frames.expand(-1, 3, -1, -1)
    if (h, w) != (SIZE, SIZE):
        frames = F.interpolate(frames, size=(SIZE, SIZE), mode="bilinear", align_corners=False, antialias=False)
    frames = frames * (2.0 / 255.0) - 1.0
    return frames.reshape(n, t, 3, SIZE, SIZE).permute(0, 2, 1, 3, 4).contiguous()


class I3DFeatures:
    """Callable: uint8 videos N×T×H×W×C -> N×400 time-averaged I3D logits (the FVD features)."""

    def __init__(self, net: InceptionI3d, sha256: str, device=None):
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.net = net.eval().to(self.device)
        self.sha256 = sha256
        self.name = f"{EXTRACTOR}-{sha256[:16]}"  # keys the cached reference statistics
        self.details = {"extractor": EXTRACTOR, "weights_sha256": sha256, "features": "400 logits, mean over time",
                        "resize": f"bilinear {SIZE}x{SIZE} per frame, [-1, 1], grey as RGB",
                        "comparable_with": "FVD of I3D Kinetics-400 logits (Unterthiner et al. 2019); never fvd_local"}

    @classmethod
    def for_task(cls, task, device=None) -> "I3DFeatures":
        frames = int(task.shape[0])
        if frames < MIN_FRAMES:
            raise UserError(f"{task.spec.name}: I3D's fvd needs videos of at least {MIN_FRAMES} frames, these have "
                            f"{frames}: use fvd_local here, or a task with longer videos (video/moving-mnist)")
        roots = getattr(getattr(task, "data", None), "roots", ())
        why = missing_reason(roots)
        if why:
            raise DataNotFoundError(why)
        path = find_weights(roots)
        return cls(load_i3d(path), file_sha256(path), device)

    def __call__(self, videos: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.net(preprocess(videos, self.device)).mean(2).cpu().numpy().astype(np.float64)
