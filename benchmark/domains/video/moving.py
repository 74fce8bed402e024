"""Moving digits (Srivastava et al. 2015): digits bouncing inside a square canvas, deterministic from a seed.

Each video places ``n_digits`` digit images at uniform random positions of the canvas, gives each
a random direction (angle uniform in [0, 2π)) at a fixed speed of ``step`` × the free range per
frame (Srivastava et al.'s 0.1), and moves them for ``frames`` frames; a digit that would leave the
canvas is reflected at the wall. Digits overlap by their pixel-wise maximum. Everything is drawn
from a ``numpy.random.RandomState`` (its stream is frozen across NumPy versions), so a (digit set,
seed) pair names one array, which the tasks pin by its SHA-256.

Besides the videos it returns what the feature net learns from: the digits' classes and the
trajectory of the digits' mean centre (per frame, in [0, 1] of the canvas).
"""

from __future__ import annotations

import hashlib

import numpy as np

STEP = 0.1


def moving_digits(digits: np.ndarray, labels: np.ndarray, n: int, frames: int, canvas: int, n_digits: int,
                  seed: int, step: float = STEP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(videos uint8 N×T×H×W×1, digit classes int64 N×n_digits, centre trajectories float32 N×T×2)."""
    rs = np.random.RandomState(seed)
    h, w = digits.shape[1:3]
    free = np.array([canvas - h, canvas - w], dtype=np.float64)
    if (free <= 0).any():
        raise ValueError(f"digits of {h}x{w} do not move in a {canvas}x{canvas} canvas")
    which = rs.randint(0, len(digits), size=(n, n_digits))
    pos = rs.uniform(0.0, 1.0, size=(n, n_digits, 2))
    theta = rs.uniform(0.0, 2 * np.pi, size=(n, n_digits))
    vel = np.stack([np.sin(theta), np.cos(theta)], -1) * step
    corners = np.empty((n, n_digits, frames, 2), dtype=np.int64)
    for t in range(frames):
        corners[:, :, t] = np.rint(pos * free).astype(np.int64)
        pos = pos + vel
        for axis in (0, 1):  # reflect at the walls
            low, high = pos[..., axis] < 0, pos[..., axis] > 1
            pos[..., axis] = np.where(low, -pos[..., axis], np.where(high, 2 - pos[..., axis], pos[..., axis]))
            vel[..., axis] = np.where(low | high, -vel[..., axis], vel[..., axis])
    videos = np.zeros((n, frames, canvas, canvas, 1), dtype=np.uint8)
    for i in range(n):
        for d in range(n_digits):
            sprite = digits[which[i, d]]
            for t in range(frames):
                y, x = corners[i, d, t]
                view = videos[i, t, y:y + h, x:x + w, 0]
                np.maximum(view, sprite, out=view)
    centres = (corners + np.array([h / 2.0, w / 2.0])).mean(axis=1) / canvas
    return videos, labels[which].astype(np.int64), centres.astype(np.float32)


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
