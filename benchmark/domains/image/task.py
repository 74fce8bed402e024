"""Shared pieces of the image tasks: uint8 data held in memory, DCGAN nets, decoding, sample grids.

An image task's data are uint8 arrays N×H×W×C (train and test) plus labels (for the domain
classifier). The discriminator sees floats in [-1, 1], N×C×H×W; the generator's tanh output is
decoded to uint8 N×H×W×C exactly as a PNG writer would quantise it, so scoring a generator and
scoring the same samples saved to a file give the same numbers.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ganbench.domains.image.io import from_generator, load_images, save_grid, to_uint8
from ganbench.nets import build_net
from ganbench.core.task import Task

IMAGE_METRICS = ("fid", "kid", "is", "precision", "recall", "density", "coverage")

# DCGAN defaults (Radford et al.: Adam 2e-4, β1 0.5, batch 64; latent 100); widths sized for CPU.
IMAGE_DEFAULTS: dict[str, Any] = {
    "g_arch": "dcgan-generator",  # nets by name (ganbench list shows them)
    "d_arch": "dcgan-discriminator",
    "latent_dim": 100,
    "g_ch": 64,
    "d_ch": 64,
    "spectral_norm": False,
    "batch_size": 64,
    "lr_g": 2e-4,
    "lr_d": 2e-4,
}
IMAGE_SMOKE: dict[str, Any] = {"latent_dim": 8, "g_ch": 8, "d_ch": 8, "batch_size": 8}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (MNIST/Fashion-MNIST format, optionally gzipped) as a uint8 array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims).copy()


def read_idx_dataset(data, files: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The four IDX files of an MNIST-format dataset (``x_train, y_train, x_test, y_test``
    DataFiles found through the locator ``data``) in the layout ``ImageTask._load`` returns."""
    out = {k: read_idx(data.find(f)) for k, f in files.items()}
    out["x_train"], out["x_test"] = out["x_train"][..., None], out["x_test"][..., None]
    out["y_train"], out["y_test"] = out["y_train"].astype(np.int64), out["y_test"].astype(np.int64)
    return out


class ImageTask(Task):
    """Subclasses set ``spec``, ``shape`` (H, W, C) and implement ``_load() -> dict`` with
    ``x_train, y_train, x_test, y_test`` (uint8 N×H×W×C images, integer labels)."""

    shape: tuple[int, int, int]
    sample_folders = True  # a folder of PNGs is a sample set (io.load_images)
    default_extractor = "classifier"
    classifier_epochs = 3
    _cache: dict | None = None

    def _load(self) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _data(self) -> dict[str, np.ndarray]:
        if self._cache is None:
            self._cache = self._load()
            self._train_t = torch.from_numpy(self._cache["x_train"]).permute(0, 3, 1, 2).contiguous()
        return self._cache

    # -- data -----------------------------------------------------------------------------------
    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """Floats in [-1, 1], N×C×H×W, on the generator's device. The train split is held there as
        uint8 (a quarter of the floats' memory; copied once, :meth:`train_on`) and only the drawn
        batch is converted, so a step moves nothing from the host."""
        data = self.train_on(generator.device)
        idx = torch.randint(len(data), (batch_size,), generator=generator, device=generator.device)
        return data[idx].float().div(127.5).sub(1.0)

    def train_on(self, device: torch.device) -> torch.Tensor:
        """The train images as uint8 N×C×H×W on ``device``, copied there on first use and kept."""
        self._data()
        cache = self.__dict__.setdefault("_train_by_device", {})
        key = str(device)
        if key not in cache:
            cache[key] = self._train_t.to(device)
        return cache[key]

    @property
    def data_spec(self):
        """The spec of the task whose data, classifier and reference statistics these are (keys of
        the cached classifier and reference features): the task itself; a variant of a data set (a
        conditional twin) names the task it derives from, so both score in one feature space."""
        return self.spec

    def reference_samples(self, n: int | None = None) -> np.ndarray:
        x = self._data()["x" + "_" + self.spec.reference_split]
        return x if n is None else x[:n]

    def train_samples(self, n: int | None = None) -> np.ndarray:
        x = self._data()["x_train"]
        return x if n is None else x[:n]

    def classifier_data(self):
        d = self._data()
        return d["x_train"], d["y_train"], d["x_test"], d["y_test"]

    # -- models ---------------------------------------------------------------------------------
    def build_models(self, cfg: Mapping[str, Any]):
        self._data()  # a missing data set surfaces here, before any training starts
        G = build_net(cfg.get("g_arch", IMAGE_DEFAULTS["g_arch"]), "generator", self, cfg)
        D = build_net(cfg.get("d_arch", IMAGE_DEFAULTS["d_arch"]), "discriminator", self, cfg)
        return G, D

    def decode(self, raw: torch.Tensor) -> np.ndarray:
        """[-1, 1] N×C×H×W floats -> uint8 N×H×W×C (round to nearest, as saving a PNG does), on the
        host; images with a non-finite value are counted, not silently scored (:func:`from_generator`)."""
        return from_generator(raw)

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """An 8×8 grid of samples from fixed noise (seed 0): ``samples.png``."""
        imgs = self.decode(self.sample(G, 64, torch.Generator().manual_seed(0)))
        scale = max(1, 64 // self.shape[0])
        save_grid(imgs, Path(run_dir) / "samples.png", nrow=8, scale=scale)
        return {"samples_png": f"{run_id}/samples.png"}

    def load_samples(self, path: str | Path) -> np.ndarray:
        return load_images(path, self.shape)

    def as_samples(self, samples: Any) -> np.ndarray:
        """Images in memory: uint8 N×H×W[×C] or floats in [0, 1], as a NumPy array or a torch tensor
        (a tensor N×C×H×W is taken channels-first, as torch models produce it)."""
        if isinstance(samples, torch.Tensor):
            t = samples.detach().cpu()
            if t.ndim == 4 and t.shape[1] == self.shape[2] and t.shape[-1] != self.shape[2]:
                t = t.permute(0, 2, 3, 1)
            samples = t.numpy()
        if isinstance(samples, np.ndarray):
            return to_uint8(samples, self.shape, "samples")
        return super().as_samples(samples)
