"""The metric registry: metric name -> the family that computes it (lazy import).

Several names may point at one family; the evaluator builds each family once per evaluation and
asks it for all of its names. ``direction`` is metadata here so ``ganbench list`` can show arrows
without importing anything heavy.
"""

from ..registry import Registry
from .base import MAX, MIN, MetricFamily, MetricValue

METRICS = Registry("metric")


def register_metric(name: str, target: str, direction: str, summary: str) -> None:
    METRICS.register(name, target, summary, direction=direction)


# --- toy 2-D mixtures -------------------------------------------------------------------------
_MODES = "benchmark.metrics.modes:MixtureModeMetrics"
register_metric("modes_covered", _MODES, MAX, "modes with at least one high-quality sample (VEEGAN/PacGAN protocol)")
register_metric("high_quality", _MODES, MAX, "% of samples within 3 sigma of their nearest mode")
register_metric("mode_kl", _MODES, MIN, "KL(mode histogram of high-quality samples || uniform), PacGAN's rev-KL")


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between two Gaussians (shared by FID, FCD and any feature space)."""
    from .frechet import frechet_distance as _fd

    return _fd(mu1, sigma1, mu2, sigma2)


__all__ = ["METRICS", "MAX", "MIN", "MetricFamily", "MetricValue", "register_metric", "frechet_distance"]
