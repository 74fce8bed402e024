"""Mode-collapse metrics of 2-D Gaussian mixtures (VEEGAN / PacGAN protocol).

Each sample is assigned to its nearest mode; it is *high quality* when that distance is below
``threshold``·σ (3σ in the protocol). ``modes_covered`` counts modes with ≥ 1 high-quality
sample; ``high_quality`` is the percentage of high-quality samples; ``mode_kl`` is PacGAN's
"reverse KL": KL(p‖u) between the histogram p of high-quality samples over modes and the uniform
u, with 0·log 0 = 0 (all samples in one mode gives log K; no high-quality sample gives NaN).
"""

from __future__ import annotations

import numpy as np

from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue


def assign_modes(points: np.ndarray, means: np.ndarray, sigma: float, threshold: float = 3.0):
    """(nearest mode index, high-quality mask) of each point."""
    d2 = ((points[:, None, :] - means[None, :, :]) ** 2).sum(-1)
    nearest = d2.argmin(axis=1)
    dist = np.sqrt(d2[np.arange(len(points)), nearest])
    return nearest, dist < threshold * sigma


def mode_statistics(points: np.ndarray, means: np.ndarray, sigma: float, threshold: float = 3.0) -> dict[str, float]:
    points = np.asarray(points, dtype=np.float64)
    k = len(means)
    nearest, hq = assign_modes(points, means, sigma, threshold)
    counts = np.bincount(nearest[hq], minlength=k).astype(np.float64)
    n_hq = counts.sum()
    if n_hq > 0:
        p = counts / n_hq
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] * k)))
    else:
        kl = float("nan")
    return {
        "modes_covered": float((counts > 0).sum()),
        "high_quality": 100.0 * float(hq.mean()) if len(points) else float("nan"),
        "mode_kl": kl,
    }


class MixtureModeMetrics(MetricFamily):
    provides = {"modes_covered": MAX, "high_quality": MAX, "mode_kl": MIN}

    def compute(self) -> dict[str, MetricValue]:
        points = np.concatenate(self._batches) if self._batches else np.zeros((0, 2))
        task = self.task
        threshold = float(self.options.get("threshold", 3.0))
        stats = mode_statistics(points, task.means(), task.sigma, threshold)
        details = {"n_samples": int(len(points)), "n_modes": int(len(task.means())), "sigma": task.sigma,
                   "threshold_sigma": threshold}
        return {name: MetricValue(stats[name], self.provides[name], dict(details)) for name in self.provides}
