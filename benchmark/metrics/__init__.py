"""The metric registry: metric name -> the family that computes it (lazy import).

Several names may point at one family; the evaluator builds each family once per evaluation and
asks it for all of its names. ``direction`` is metadata here so ``ganbench list`` can show arrows
without importing anything heavy. The names come from the domains' declarations
(:data:`ganbench.domains.DOMAINS`, each package's ``DOMAIN.metrics``), in registry order, so a
domain's metrics are written down once, in its own package (plugins add metric families through
the entry-point group, see :mod:`ganbench.core.plugins`).
"""

from ganbench.core.registry import Registry
from ganbench.domains import declared
from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue

METRICS = Registry("metric", group="ganbench.metrics", base="ganbench.metrics.base:MetricFamily")


def register_metric(name: str, target: str, direction: str, summary: str, **meta) -> None:
    METRICS.register(name, target, summary, direction=direction, **meta)


def _register_declared() -> None:
    for domain in declared():
        for m in domain.metrics:
            register_metric(m.name, m.target, m.direction, m.summary, **m.meta)


_register_declared()


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between two Gaussians (shared by FID, FCD and any feature space)."""
    from ganbench.metrics.frechet import frechet_distance as _fd

    return _fd(mu1, sigma1, mu2, sigma2)


__all__ = ["METRICS", "MAX", "MIN", "MetricFamily", "MetricValue", "register_metric", "frechet_distance"]
