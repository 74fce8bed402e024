"""Shared pieces of the 2-D Gaussian-mixture tasks (ring and grid): data, nets, sample files.

Both follow the VEEGAN / PacGAN protocol: modes of equal weight and isotropic σ; evaluation on
2,500 generated samples; a sample is high quality when its distance to the nearest mode is below
3σ; a mode is covered when it has at least one high-quality sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ganbench.core.errors import UserError
from ganbench.core.sample_files import read_array
from ganbench.nets import build_net
from ganbench.core.task import Task

# The 2-D nets for the short budgets (quick, cross-domain): G 3×128 ReLU+BN from 2-d noise, D 2×128
# maxout(5). Batch 100 as in PacGAN; Adam lr 5e-4, β=(0.5, 0.999) for every objective (wgan-gp keeps
# its own β2=0.9 and n_dis=5).
MIXTURE_DEFAULTS: dict[str, Any] = {
    "g_arch": "mlp-generator",  # nets by name (ganbench list shows them); these two reproduce the papers' nets
    "d_arch": "mlp-discriminator",
    "latent_dim": 2,
    "g_hidden": 128,
    "g_layers": 3,
    "d_hidden": 128,
    "d_layers": 2,
    "d_maxout": 5,
    "batch_size": 100,
    "lr_g": 5e-4,
    "lr_d": 5e-4,
}

# What the ``default`` and ``long`` budgets train: PacGAN's nets (G 4×400 ReLU+BN, D 3×200 maxout(5),
# its synthetic_data_experiments config) with the rate decayed to 0 along a cosine. PacGAN's own
# Adam 1e-4 at β1 0.8 needs its 400,000 steps; Adam 5e-4 with the decay reaches its sample quality in
# 20,000-30,000 (results/toy/README.md: on grid25 the small nets above stop at 73 % high-quality
# samples over 5 seeds, these reach 92 %, PacGAN's GAN 95 %).
PAPER_BUDGET_SETTINGS: dict[str, Any] = {"g_hidden": 400, "g_layers": 4, "d_hidden": 200, "d_layers": 3,
                                         "lr_decay": "cosine"}

MIXTURE_SMOKE: dict[str, Any] = {"g_hidden": 16, "g_layers": 1, "d_hidden": 16, "d_layers": 1, "batch_size": 32}


class GaussianMixtureTask(Task):
    """A mixture of equal-weight isotropic Gaussians in the plane; subclasses define ``means``."""

    sigma: float

    @classmethod
    def means(cls) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """Points drawn on the generator's device (the means are copied there once, :meth:`means_on`)."""
        device = generator.device
        means = self.means_on(device)
        idx = torch.randint(len(means), (batch_size,), generator=generator, device=device)
        return means[idx] + self.sigma * torch.randn(batch_size, 2, generator=generator, device=device)

    def means_on(self, device: torch.device) -> torch.Tensor:
        """The mode centres as float32 on ``device``, kept after the first copy."""
        cache = self.__dict__.setdefault("_means_by_device", {})
        key = str(device)
        if key not in cache:
            cache[key] = torch.as_tensor(self.means(), dtype=torch.float32, device=device)
        return cache[key]

    def reference_samples(self, n: int | None = None) -> np.ndarray:
        g = torch.Generator().manual_seed(12345)
        return self.real_batch(n or self.spec.eval_samples, g).numpy().astype(np.float64)

    def build_models(self, cfg: Mapping[str, Any]):
        G = build_net(cfg.get("g_arch", MIXTURE_DEFAULTS["g_arch"]), "generator", self, cfg)
        D = build_net(cfg.get("d_arch", MIXTURE_DEFAULTS["d_arch"]), "discriminator", self, cfg)
        return G, D

    def decode(self, raw: torch.Tensor) -> np.ndarray:
        return raw.detach().cpu().numpy().astype(np.float64)

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """A scatter plot of 2,500 samples (fixed noise) over the true modes: ``samples.png``."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        pts = self.decode(self.sample(G, self.spec.eval_samples, torch.Generator().manual_seed(0)))
        means = self.means()
        fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
        ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.4, color="tab:blue", label="generated")
        ax.scatter(means[:, 0], means[:, 1], s=30, marker="x", color="tab:red", label="modes")
        lim = 1.4 * np.abs(means).max()
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(run_id, fontsize=7)
        ax.legend(loc="upper right", fontsize=6)
        fig.tight_layout()
        fig.savefig(run_dir / "samples.png")
        plt.close(fig)
        return {"samples_png": f"{run_id}/samples.png"}

    def load_samples(self, path: str | Path) -> np.ndarray:
        path = Path(path)
        if not path.is_file():
            raise UserError(f"sample file {path} does not exist: give a .npy (or .npz, .csv) file of N×2 points")
        arr = read_array(path, "array of N×2 points", "a .npy of N×2 floats", text_ok=True)
        return self._points(arr, str(path))

    def as_samples(self, samples: Any) -> np.ndarray:
        """An N×2 NumPy array or torch tensor of points (or a sample file path)."""
        if isinstance(samples, torch.Tensor):
            samples = samples.detach().cpu().numpy()
        if isinstance(samples, np.ndarray):
            return self._points(samples, "samples")
        return super().as_samples(samples)

    def _points(self, arr: np.ndarray, source: str) -> np.ndarray:
        """N×2 real points as float64. Rows with NaN or inf are kept: they are samples (what a
        diverging generator writes), scored as near no mode and counted in the metric details
        (``nonfinite``), not an input error. Complex numbers are refused (casting drops the
        imaginary part)."""
        if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
            raise UserError(f"{source}: samples of {self.spec.name} must be an N×2 array of points, got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            raise UserError(f"{source}: samples must be real numbers, got dtype {arr.dtype}")
        return arr.astype(np.float64)
