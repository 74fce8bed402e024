"""Mode-collapse metrics of 2-D Gaussian mixtures (VEEGAN / PacGAN protocol).

Each sample is assigned to its nearest mode; it is *high quality* when that distance is below
``threshold``·σ (3σ in the protocol). ``modes_covered`` counts modes with ≥ 1 high-quality
sample; ``high_quality`` is the percentage of high-quality samples; ``mode_kl`` is PacGAN's
"reverse KL": KL(p‖u) between the histogram p of high-quality samples over modes and the uniform
u, with 0·log 0 = 0 (all samples in one mode gives log K; no high-quality sample gives NaN).

A point with a NaN or infinite coordinate (a diverging generator, a broken sample file) is a
sample that lies near no mode: it counts in ``n_samples`` and is never high quality, so it lowers
``high_quality`` as any far-away sample does; how many there were is recorded in the details
(``"run": {"nonfinite": n}``, per-run counts that do not split a table's columns).
"""

from __future__ import annotations

import numpy as np

from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue


def assign_modes(points: np.ndarray, means: np.ndarray, sigma: float, threshold: float = 3.0):
    """(nearest mode index, high-quality mask) of each point; a non-finite point is never high
    quality (its nearest mode is reported as 0, and ignored). Coordinates so large their squares
    overflow are far from every mode: their distance is infinite, without a warning."""
    finite = np.isfinite(points).all(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        d2 = ((np.where(finite[:, None], points, 0.0)[:, None, :] - means[None, :, :]) ** 2).sum(-1)
    nearest = d2.argmin(axis=1)
    dist = np.sqrt(d2[np.arange(len(points)), nearest])
    return nearest, (dist < threshold * sigma) & finite


def count_nonfinite(points: np.ndarray) -> int:
    """Points with a NaN or infinite coordinate."""
    return int((~np.isfinite(np.asarray(points, dtype=np.float64)).all(axis=1)).sum()) if len(points) else 0


def mode_counts(points: np.ndarray, means: np.ndarray, sigma: float, threshold: float = 3.0) -> np.ndarray:
    """High-quality samples per mode (int64): the whole state the three metrics need, with the count."""
    points = np.asarray(points, dtype=np.float64)
    nearest, hq = assign_modes(points, means, sigma, threshold)
    return np.bincount(nearest[hq], minlength=len(means))


def statistics_from_counts(counts: np.ndarray, n_points: int) -> dict[str, float]:
    """modes_covered, high_quality and mode_kl from the per-mode counts of ``n_points`` samples."""
    k = len(counts)
    counts = np.asarray(counts).astype(np.float64)
    n_hq = counts.sum()
    if n_hq > 0:
        p = counts / n_hq
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] * k)))
    else:
        kl = float("nan")
    return {
        "modes_covered": float((counts > 0).sum()),
        "high_quality": 100.0 * float(n_hq / n_points) if n_points else float("nan"),
        "mode_kl": kl,
    }


def mode_statistics(points: np.ndarray, means: np.ndarray, sigma: float, threshold: float = 3.0) -> dict[str, float]:
    return statistics_from_counts(mode_counts(points, means, sigma, threshold), len(points))


class MixtureModeMetrics(MetricFamily):
    """Streams: each batch is assigned to modes at once; only the per-mode counts are kept."""

    provides = {"modes_covered": MAX, "high_quality": MAX, "mode_kl": MIN}

    def reset(self) -> None:
        self._counts = np.zeros(len(self.task.means()), dtype=np.int64)
        self._n = self._nonfinite = 0

    @property
    def threshold(self) -> float:
        return float(self.options.get("threshold", 3.0))

    def update(self, points) -> None:
        points = np.asarray(points, dtype=np.float64)
        if len(points) == 0:
            return
        self._counts += mode_counts(points, self.task.means(), self.task.sigma, self.threshold)
        self._n += len(points)
        self._nonfinite += count_nonfinite(points)

    def compute(self) -> dict[str, MetricValue]:
        task = self.task
        stats = statistics_from_counts(self._counts, self._n)
        details = {"n_samples": int(self._n), "n_modes": int(len(task.means())), "sigma": task.sigma,
                   "threshold_sigma": self.threshold}
        run = {"nonfinite": self._nonfinite}  # "run": per-run counts, not part of the protocol
        return {name: MetricValue(stats[name], self.provides[name], {**details, "run": dict(run)})
                for name in self.provides}
