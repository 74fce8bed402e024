"""Streams decoded samples into a task's metric families and collects named values.

Metrics are grouped by the family that provides them, so each family (one RDKit parse, one
feature pass) runs once per evaluation. Used by the trainer (samples from a generator) and by
``ganbench eval`` (samples from a user's file) alike.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch

from ganbench.metrics import METRICS, MetricValue


def metric_families(metric_names: Iterable[str]) -> dict[str, list[str]]:
    """{family target: [metric names]} in the order the names were given."""
    groups: dict[str, list[str]] = {}
    for name in metric_names:
        groups.setdefault(METRICS.entry(name).target, []).append(name)
    return groups


def evaluate_samples(task, samples: Any, metric_names: Iterable[str] | None = None,
                     options: Mapping[str, Any] | None = None) -> dict[str, MetricValue]:
    """Metrics of already-decoded samples (a whole set, or a list of batches via ``update``)."""
    names = list(task.spec.metrics if metric_names is None else metric_names)
    out: dict[str, MetricValue] = {}
    for target, wanted in metric_families(names).items():
        family = METRICS.get(wanted[0])(task, **dict(options or {}))
        family.update(samples)
        values = family.compute()
        for name in wanted:
            out[name] = values[name]
    return {name: out[name] for name in names}


def evaluate_generator(task, G, n: int, seed: int, metric_names: Iterable[str] | None = None,
                       options: Mapping[str, Any] | None = None, batch: int = 2500) -> dict[str, MetricValue]:
    """Draw ``n`` samples from ``G`` with a dedicated RNG (training RNG untouched) and score them."""
    rng = torch.Generator().manual_seed(int(seed))
    decoded = []
    for start in range(0, n, batch):
        raw = task.sample(G, min(batch, n - start), rng)
        decoded.append(task.decode(raw))
    samples = _concat(decoded)
    return evaluate_samples(task, samples, metric_names, options)


def _concat(parts: list) -> Any:
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    if isinstance(first, list):
        return [x for p in parts for x in p]
    if isinstance(first, torch.Tensor):
        return torch.cat(parts)
    import numpy as np

    return np.concatenate(parts)
