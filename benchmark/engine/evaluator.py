"""Streams decoded samples into a task's metric families and collects named values.

Metrics are grouped by the family that provides them, so each family (one RDKit parse, one
feature pass) runs once per evaluation. Samples stream: a batch drawn from a generator is
decoded and handed to every family at once, which folds it into its own state (see
:class:`~ganbench.metrics.base.MetricFamily`), so nothing here holds all the samples. Used by the
trainer (samples from a generator) and by ``ganbench eval`` (samples from a user's file) alike.
Reference statistics come from the one on-disk cache, :mod:`ganbench.engine.refcache`.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

import torch

from ganbench.metrics import METRICS, MetricValue


def metric_families(metric_names: Iterable[str]) -> dict[str, list[str]]:
    """{family target: [metric names]} in the order the names were given."""
    groups: dict[str, list[str]] = {}
    for name in metric_names:
        groups.setdefault(METRICS.entry(name).target, []).append(name)
    return groups


def evaluate_batches(task, batches: Iterable, metric_names: Iterable[str] | None = None,
                     options: Mapping[str, Any] | None = None) -> dict[str, MetricValue]:
    """Metrics of decoded samples arriving in ``batches`` (any iterable, consumed once)."""
    names = list(task.spec.metrics if metric_names is None else metric_names)
    families = [METRICS.get(wanted[0])(task, metrics=wanted, **dict(options or {}))
                for wanted in metric_families(names).values()]
    for batch in batches:
        for family in families:
            family.update(batch)
    out: dict[str, MetricValue] = {}
    for family in families:
        values = family.compute()
        out.update({name: values[name] for name in family.metrics})
    return {name: out[name] for name in names}


def evaluate_samples(task, samples: Any, metric_names: Iterable[str] | None = None,
                     options: Mapping[str, Any] | None = None) -> dict[str, MetricValue]:
    """Metrics of an already-decoded set of samples (one batch)."""
    return evaluate_batches(task, [samples], metric_names, options)


def draw(task, G, n: int, seed: int, batch: int = 2500) -> Iterator:
    """``n`` decoded samples from ``G`` in batches, with a dedicated RNG (training RNG untouched)."""
    rng = torch.Generator().manual_seed(int(seed))
    for start in range(0, n, batch):
        yield task.decode(task.sample(G, min(batch, n - start), rng))


def evaluate_generator(task, G, n: int, seed: int, metric_names: Iterable[str] | None = None,
                       options: Mapping[str, Any] | None = None, batch: int = 2500) -> dict[str, MetricValue]:
    """Draw ``n`` samples from ``G`` and score them, each batch streamed into the metrics as it is drawn."""
    return evaluate_batches(task, draw(task, G, n, seed, batch), metric_names, options)
