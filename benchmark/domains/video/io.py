"""Video arrays in and out: a user's videos (.npy/.npz, N×T×H×W×C uint8 or floats in [0, 1]) and strips.

A video set is a uint8 array N×T×H×W×C inside the benchmark (the image domain's frame format with
a time axis). The generator's raw output is floats in [-1, 1], N×C×T×H×W (what 3-D convolutions
read); :func:`from_generator` decodes it frame by frame exactly as the image domain decodes images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganbench.core.errors import UserError
from ganbench.core.sample_files import read_array
from ganbench.domains.image.io import from_generator as frames_from_generator
from ganbench.domains.image.io import grid, to_uint8


def _fmt(shape) -> str:
    t, h, w, c = shape
    return f"N×{t}×{h}×{w}" + ("" if c == 1 else f"×{c}") + f" (or N×{t}×{h}×{w}×{c})"


def to_videos(arr: np.ndarray, shape: tuple[int, int, int, int], source: str) -> np.ndarray:
    """Validate a video array against (T, H, W, C); uint8 N×T×H×W×C back."""
    t, h, w, c = shape
    given = arr.shape
    if arr.ndim == 4 and c == 1:
        arr = arr[..., None]
    if arr.ndim != 5 or arr.shape[1:] != (t, h, w, c) or arr.shape[0] == 0:
        raise UserError(f"{source}: expected {_fmt(shape)} videos, uint8 0..255 or float in [0, 1]; "
                        f"got an array of shape {given}")
    frames = to_uint8(arr.reshape(-1, h, w, c), (h, w, c), source)
    return frames.reshape(arr.shape[0], t, h, w, c)


def load_videos(path: str | Path, shape: tuple[int, int, int, int]) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"sample file {path} does not exist: give a .npy/.npz of {_fmt(shape)} videos")
    return to_videos(read_array(path, "video array", f"a .npy of {_fmt(shape)} videos"), shape, str(path))


def from_generator(raw) -> np.ndarray:
    """[-1, 1] N×C×T×H×W floats -> uint8 N×T×H×W×C on the host (non-finite frames counted, as images)."""
    n, c, t, h, w = raw.shape
    frames = frames_from_generator(raw.transpose(1, 2).reshape(n * t, c, h, w))
    out = np.asarray(frames).reshape(n, t, h, w, c)
    return out


def strip(videos: np.ndarray, scale: int = 2) -> np.ndarray:
    """uint8 N×T×H×W×C -> one image: a row of T frames per video."""
    n, t = videos.shape[:2]
    g = grid(videos.reshape(n * t, *videos.shape[2:]), nrow=t)
    return g.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else g


def save_strip(videos: np.ndarray, path: str | Path, scale: int = 2) -> None:
    from PIL import Image

    g = strip(videos, scale)
    Image.fromarray(g[..., 0] if g.shape[2] == 1 else g).save(path)
