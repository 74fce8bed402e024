"""The video task bases: Moving-digits generation and prediction, generated deterministically in memory.

A :class:`MovingDigitsTask` names a digit source, the canvas, frame count, digit count and the
sizes of its splits; its train videos come from the source's train digits (seed 1), its test videos
from the test digits (seed 2), both by :func:`~ganbench.domains.video.moving.moving_digits`, and
the test array is pinned by its SHA-256 (``test_sha256``): a change of the generator or of the
digits is an error, never silently another test set. Samples are uint8 N×T×H×W×C videos; the
generator's raw output is floats in [-1, 1], N×C×T×H×W.

:class:`MovingDigitsPrediction` is also conditional (:mod:`ganbench.domains.conditional`): the first
``context_frames`` frames of a video are the condition, the rest the target; its samples are the
predicted frames, N×(T−k)×H×W×C, row i continuing the i-th test video's context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ganbench.core.errors import UserError
from ganbench.core.task import Task
from ganbench.domains.conditional.task import ConditionalTask
from ganbench.domains.video.io import from_generator, load_videos, save_strip, to_videos
from ganbench.domains.video.moving import moving_digits, sha256
from ganbench.nets import build_net

VIDEO_DEFAULTS: dict[str, Any] = {
    "g_arch": "recurrent-video-generator", "d_arch": "conv3d-discriminator", "latent_dim": 32, "g_ch": 32,
    "g_hidden": 64, "d_ch": 32, "spectral_norm": False, "batch_size": 32, "lr_g": 2e-4, "lr_d": 2e-4,
}
PREDICTION_DEFAULTS: dict[str, Any] = {**VIDEO_DEFAULTS, "g_arch": "context-video-predictor", "g_hidden": 128,
                                       "adv_weight": 0.01}
VIDEO_SMOKE: dict[str, Any] = {"latent_dim": 4, "g_ch": 4, "g_hidden": 8, "d_ch": 4, "batch_size": 4}
SEEDS = {"train": 1, "test": 2}


class MovingDigitsTask(Task):
    data_name: str  # the data set's name: it keys the feature nets shared by generation and prediction
    digit_source = "sklearn-digits"  # or "mnist" (50k train / 10k test digits, halved to 14x14 with halve_digits)
    halve_digits = False
    canvas, frames, n_digits = 16, 8, 2
    n_train, n_test = 2000, 300
    test_sha256: str | None = None
    feature_epochs = 24  # epochs of the fvd_local net, each over n_train freshly moved videos
    frame_classifier_epochs = 4  # epochs of the fid_frame classifier over every train frame

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.frames, self.canvas, self.canvas, 1)

    def _digits(self) -> dict[str, np.ndarray]:
        from ganbench.domains.video import sources

        d = sources.mnist_digits(self.data) if self.digit_source == "mnist" else sources.sklearn_digits()
        if self.halve_digits:
            d = {**d, "x_train": sources.halve(d["x_train"]), "x_test": sources.halve(d["x_test"])}
        return d

    def videos(self, split: str) -> dict[str, np.ndarray]:
        """``videos`` (uint8 N×T×H×W×1), ``digits`` (N×n_digits classes), ``centres`` (N×T×2) of a split."""
        cache = self.__dict__.setdefault("_videos", {})
        if split not in cache:
            digits = self.__dict__.get("_digit_arrays") or self.__dict__.setdefault("_digit_arrays", self._digits())
            n = self.n_train if split == "train" else self.n_test
            v, labels, centres = moving_digits(digits[f"x_{split}"], digits[f"y_{split}"], n, self.frames, self.canvas,
                                               self.n_digits, SEEDS[split])
            if split == "test" and self.test_sha256 is not None and sha256(v) != self.test_sha256:
                raise UserError(f"{self.spec.name}: the generated test videos have SHA-256 {sha256(v)}, the task pins "
                                f"{self.test_sha256}: the digits or the generator changed; this is not the task's test set")
            cache[split] = {"videos": v, "digits": labels, "centres": centres}
        return cache[split]

    def moved_digits(self, split: str, seed: int) -> dict[str, np.ndarray]:
        """The split's digits moved afresh with ``seed`` (as many videos as the split has): new draws of
        the split's distribution (the feature net's training data; real-vs-real checks)."""
        digits = self.__dict__.get("_digit_arrays") or self.__dict__.setdefault("_digit_arrays", self._digits())
        v, labels, centres = moving_digits(digits[f"x_{split}"], digits[f"y_{split}"],
                                           self.n_train if split == "train" else self.n_test, self.frames, self.canvas,
                                           self.n_digits, seed)
        return {"videos": v, "digits": labels, "centres": centres}

    # -- data ------------------------------------------------------------------------------------
    def train_on(self, device: torch.device) -> torch.Tensor:
        cache = self.__dict__.setdefault("_train_by_device", {})
        if str(device) not in cache:
            cache[str(device)] = torch.from_numpy(self.videos("train")["videos"]).to(device)
        return cache[str(device)]

    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        data = self.train_on(generator.device)
        idx = torch.randint(len(data), (batch_size,), generator=generator, device=generator.device)
        return self.to_raw(data[idx])

    def to_raw(self, videos: torch.Tensor) -> torch.Tensor:
        """uint8 N×T×H×W×C -> floats in [-1, 1], N×C×T×H×W."""
        return videos.permute(0, 4, 1, 2, 3).float().div(127.5).sub(1.0)

    def reference_samples(self, n: int | None = None) -> np.ndarray:
        v = self.videos("test")["videos"]
        return v if n is None else v[:n]

    def full_videos(self, samples: np.ndarray, start: int) -> np.ndarray:
        """The whole videos the FVD scores: generated videos are whole already."""
        return samples

    # -- models ----------------------------------------------------------------------------------
    def build_models(self, cfg: Mapping[str, Any]):
        self.videos("train")  # missing digits surface here, before any training starts
        return build_net(cfg["g_arch"], "generator", self, cfg), build_net(cfg["d_arch"], "discriminator", self, cfg)

    def decode(self, raw: torch.Tensor) -> np.ndarray:
        return from_generator(raw)

    @property
    def sample_shape(self) -> tuple[int, int, int, int]:
        return self.shape

    def load_samples(self, path: str | Path) -> np.ndarray:
        return load_videos(path, self.sample_shape)

    def as_samples(self, samples: Any) -> np.ndarray:
        if isinstance(samples, torch.Tensor):
            samples = samples.detach().cpu().numpy()
        if isinstance(samples, np.ndarray):
            return to_videos(samples, self.sample_shape, "samples")
        return super().as_samples(samples)

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """``samples.png``: 8 videos from fixed noise (seed 0), one row of frames each."""
        save_strip(self.decode(self.sample(G, 8, torch.Generator().manual_seed(0))), Path(run_dir) / "samples.png",
                   scale=max(1, 64 // self.canvas))
        return {"samples_png": f"{run_id}/samples.png"}


class MovingDigitsPrediction(ConditionalTask, MovingDigitsTask):
    context_frames = 4

    @property
    def sample_shape(self) -> tuple[int, int, int, int]:
        return (self.frames - self.context_frames, self.canvas, self.canvas, 1)

    def _pairs(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        v = self.videos(split)["videos"]
        return v[:, :self.context_frames], v[:, self.context_frames:]

    def condition_input(self, cond: torch.Tensor) -> torch.Tensor:
        return self.to_raw(cond)

    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        return ConditionalTask.real_batch(self, batch_size, generator)

    def reference_samples(self, n: int | None = None) -> np.ndarray:
        return self.test_targets() if n is None else self.test_targets()[:n]

    def full_videos(self, samples: np.ndarray, start: int) -> np.ndarray:
        context = self.test_conditions_uint8()
        index = (start + np.arange(len(samples))) % len(context)
        return np.concatenate([context[index], samples], axis=1)

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """``samples.png``: 6 test videos, each as two rows — the truth, then its context followed by the prediction."""
        pred = self.decode(self.sample(G, 6, torch.Generator().manual_seed(0)))
        full, truth = self.full_videos(pred, 0), self.videos("test")["videos"][:6]
        rows = np.stack([truth, full], 1).reshape(12, *truth.shape[1:])
        save_strip(rows, Path(run_dir) / "samples.png", scale=max(1, 64 // self.canvas))
        return {"samples_png": f"{run_id}/samples.png"}
