"""Streams decoded samples into a task's metric families and collects named values.

Metrics are grouped by the family that provides them, so each family (one RDKit parse, one
feature pass) runs once per evaluation. Samples stream: a batch drawn from a generator is
decoded and handed to every family at once, which folds it into its own state (see
:class:`~ganbench.metrics.base.MetricFamily`), so nothing here holds all the samples. Used by the
trainer (samples from a generator) and by ``ganbench eval`` (samples from a user's file) alike.
Reference statistics come from the one on-disk cache, :mod:`ganbench.engine.refcache`. A family
that cannot run here (``unavailable``: LPIPS without the user's backbone file) is skipped with a
one-line :class:`~ganbench.metrics.base.MetricSkipped` warning; its names are absent from the result.

Device: ``device=`` (default: where the generator lives) is where the samples are drawn — in
large batches, by a ``torch.Generator`` on that device — and where the families run their
networks (Inception, the domain classifier, ChemNet, the oracle): the families receive it as the
option ``device``. Decoded samples and features come back to the host; nothing else does.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any, Iterable, Iterator, Mapping

import torch

from ganbench.core.errors import UserError
from ganbench.core.labelled import unlabelled
from ganbench.core.device import module_device, same_device, sample_batch, seeded_generator
from ganbench.metrics import METRICS, MetricValue
from ganbench.metrics.base import MetricSkipped


def metric_families(metric_names: Iterable[str]) -> dict[str, list[str]]:
    """{family target: [metric names]} in the order the names were given."""
    groups: dict[str, list[str]] = {}
    for name in metric_names:
        groups.setdefault(METRICS.entry(name).target, []).append(name)
    return groups


def _with_device(options: Mapping[str, Any] | None, device) -> dict[str, Any]:
    """The families' options; ``device`` joins them when it is not the CPU, the families' default
    (so a CPU evaluation runs the very code it always ran)."""
    opts = dict(options or {})
    if device is not None and torch.device(device).type != "cpu":
        opts["device"] = torch.device(device)
    return opts


def evaluate_batches(task, batches: Iterable, metric_names: Iterable[str] | None = None,
                     options: Mapping[str, Any] | None = None, device=None) -> dict[str, MetricValue]:
    """Metrics of decoded samples arriving in ``batches`` (any iterable, consumed once); the
    families' networks run on ``device`` (default the CPU)."""
    names = list(task.spec.metrics if metric_names is None else metric_names)
    opts = _with_device(options, device)
    families = []
    for wanted in metric_families(names).values():
        cls = METRICS.get(wanted[0])
        why = cls.unavailable(task) if hasattr(cls, "unavailable") else None
        if why:  # weights only the user can supply are absent: skipped with why, nothing recorded under the names
            warnings.warn(why, MetricSkipped, stacklevel=2)
            continue
        families.append(cls(task, metrics=wanted, **opts))
    for batch in batches:
        bare = unlabelled(batch)  # families that do not read labels see the samples alone
        for family in families:
            family.update(batch if getattr(family, "takes_labels", False) else bare)
    out: dict[str, MetricValue] = {}
    for family in families:
        values = family.compute()
        out.update({name: values[name] for name in family.metrics})
    return {name: out[name] for name in names if name in out}


def evaluate_samples(task, samples: Any, metric_names: Iterable[str] | None = None,
                     options: Mapping[str, Any] | None = None, device=None) -> dict[str, MetricValue]:
    """Metrics of an already-decoded set of samples (one batch)."""
    return evaluate_batches(task, [samples], metric_names, options, device)


def on_device(G, device):
    """``G`` itself when it lives on ``device`` (or is no module: a sampler samples where it does),
    else a copy there (the caller's net is not moved)."""
    if not isinstance(G, torch.nn.Module) or same_device(module_device(G), device):
        return G
    return copy.deepcopy(G).to(device)


def draw(task, G, n: int, seed: int, batch: int = 2500, device=None, validate: bool = False) -> Iterator:
    """``n`` decoded samples from ``G`` in batches, with a dedicated RNG (training RNG untouched):
    a ``torch.Generator`` seeded with ``seed`` on ``device`` (default ``G``'s), where ``G`` samples.
    Batches of ``batch`` on the CPU, larger on an accelerator (:func:`~ganbench.core.device.sample_batch`).

    Each batch must hold the samples asked for (a generator that returns 3 or 500 when asked for
    100 would be scored on the wrong count): a UserError otherwise. ``validate`` also checks the
    first decoded batch as the task checks samples a user holds (:meth:`~ganbench.core.task.Task.as_samples`:
    points N×2, images H×W×C), for generators that are not the task's own nets."""
    device = module_device(G) if device is None else torch.device(device)
    G = on_device(G, device)
    rng = seeded_generator(device, seed)
    batch = sample_batch(device, batch)
    for start in range(0, n, batch):
        wanted = min(batch, n - start)
        raw = task.sample(G, wanted, rng)
        got = _rows(raw)
        if got is not None and got != wanted:
            raise UserError(f"the generator returned {got} samples when asked for {wanted} (sample(n, rng) must return "
                            f"n samples, the first dimension of its output): fix its sample method")
        decoded = task.decode(raw)
        if validate and start == 0:
            try:
                task.as_samples(decoded)
            except UserError as exc:
                raise UserError(f"the generator's samples are not {task.spec.name}'s: {exc}") from None
        yield decoded


def _rows(raw) -> int | None:
    """How many samples a raw tensor or array holds (its first dimension); None for other outputs."""
    import numpy as np

    if isinstance(raw, (torch.Tensor, np.ndarray)):
        return int(raw.shape[0]) if raw.ndim else 0
    return None


def evaluate_generator(task, G, n: int, seed: int, metric_names: Iterable[str] | None = None,
                       options: Mapping[str, Any] | None = None, batch: int = 2500,
                       device=None, validate: bool = False) -> dict[str, MetricValue]:
    """Draw ``n`` samples from ``G`` and score them, each batch streamed into the metrics as it is
    drawn; sampling and the metrics' networks run on ``device`` (default: where ``G`` lives).
    ``validate``: check the samples' shape too (:func:`draw`)."""
    device = module_device(G) if device is None else torch.device(device)
    G = on_device(G, device)
    return evaluate_batches(task, draw(task, G, n, seed, batch, device, validate), metric_names, options, device)
