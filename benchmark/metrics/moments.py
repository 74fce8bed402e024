"""Running Gaussian moments of a stream of feature rows: the generated side of a Fréchet distance.

torchmetrics' FID keeps, per feature, a running sum and a running sum of outer products (float64)
instead of the features, so its memory does not grow with the sample count. We do the same,
with one refinement against cancellation: the rows are summed *shifted* by the mean of the first
batch (Σ(x − c), Σ(x − c)(x − c)ᵀ), which leaves the algebra unchanged and keeps the final
``S − n m mᵀ`` from subtracting two large, nearly equal numbers when features sit far from 0.
The result equals :func:`ganbench.metrics.frechet.gaussian_stats` of all rows to round-off
(the tests hold it to 1e-10), for any cut of the stream into batches.
"""

from __future__ import annotations

import numpy as np


class GaussianMoments:
    """``update(rows)`` any number of times; ``stats()`` -> (mean, unbiased covariance), float64."""

    def __init__(self) -> None:
        self.n = 0
        self._shift: np.ndarray | None = None
        self._sum: np.ndarray | None = None
        self._outer: np.ndarray | None = None

    def update(self, rows) -> None:
        x = np.asarray(rows, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"GaussianMoments needs N×d rows, got shape {x.shape}")
        if len(x) == 0:
            return
        if self._shift is None:
            self._shift = x.mean(axis=0)
            d = x.shape[1]
            self._sum, self._outer = np.zeros(d), np.zeros((d, d))
        elif x.shape[1] != self._shift.shape[0]:
            raise ValueError(f"GaussianMoments got rows of dimension {x.shape[1]} after {self._shift.shape[0]}")
        xc = x - self._shift
        self._sum += xc.sum(axis=0)
        self._outer += xc.T @ xc
        self.n += len(x)

    def stats(self) -> tuple[np.ndarray, np.ndarray]:
        if self.n < 2:
            raise ValueError(f"Gaussian moments need at least 2 rows, got {self.n}")
        m = self._sum / self.n
        sigma = (self._outer - self.n * np.outer(m, m)) / (self.n - 1)
        return self._shift + m, (sigma + sigma.T) / 2
