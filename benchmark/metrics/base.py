"""The metric shape every domain uses: a family computes one or more named metrics.

A :class:`MetricFamily` is built for one task, receives *decoded* samples (points, images, token
strings, SMILES) through ``update`` in any number of batches, and returns named
:class:`MetricValue` objects from ``compute``. Families exist because related metrics share
expensive work (one nearest-mode assignment for all toy metrics; one RDKit parse for all MOSES
metrics; one feature pass for FID/KID/PR/DC). Every value carries its direction and how it was
computed, so a table can say what produced each number.

``update`` is where a family streams: as torchmetrics' metrics do, it folds each batch into the
state its metrics need (per-mode counts, feature moments, per-sample scores), so evaluation
memory does not grow with the samples where the metric allows it. A family whose metric needs
every sample at the end (Self-BLEU's leave-one-out, MOSES' distinct-molecule table) keeps the
decoded batches — the base class's default — never the generator's raw tensors. The result
must not depend on how the samples were cut into batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Mapping

MAX, MIN = "max", "min"  # higher is better / lower is better


class MetricSkipped(UserWarning):
    """A metric not computed here, and why (one line): nothing is recorded under its name."""


@dataclass
class MetricValue:
    """One number with what it means: direction and provenance (sample count, reference, ...)."""

    value: float
    direction: str  # MAX or MIN
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.direction not in (MAX, MIN):
            raise ValueError(f"direction must be {MAX!r} or {MIN!r}, got {self.direction!r}")
        self.value = float(self.value)

    def to_json(self) -> dict:
        v = self.value
        return {"value": v if math.isfinite(v) else repr(v), "direction": self.direction, **self.details}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "MetricValue":
        data = dict(data)
        value = float(data.pop("value"))  # float("nan"), float("inf") parse the repr
        direction = data.pop("direction")
        return cls(value, direction, data)


class MetricFamily:
    """Base class: subclasses set ``provides`` ({metric name: direction}) and implement the rest.

    Lifecycle: ``family = Cls(task, metrics=None, **options)``; ``family.update(batch)`` any
    number of times; ``family.compute()`` -> {name: MetricValue} for every name in ``metrics``
    (default: all of ``provides``; a family may skip the state and work of metrics nobody asked
    for, and may return only those asked); ``reset()`` forgets the samples but keeps cached
    reference statistics.

    ``unavailable(task)`` says why the family cannot run here (weights only the user can supply,
    such as LPIPS' backbone), else None: the evaluator then skips its metrics with that one-line
    message (a :class:`MetricSkipped` warning) and records nothing under their names.
    """

    provides: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def unavailable(cls, task: Any) -> str | None:
        return None

    def __init__(self, task: Any, metrics: Iterable[str] | None = None, **options: Any):
        self.task = task
        self.options = options
        self.metrics = tuple(self.provides) if metrics is None else tuple(metrics)
        unknown = [m for m in self.metrics if m not in self.provides]
        if unknown:
            raise ValueError(f"{type(self).__name__} provides {', '.join(self.provides)}, not {', '.join(unknown)}")
        self.reset()

    def reset(self) -> None:
        """The default state: the decoded batches themselves (for metrics that need every sample)."""
        self._batches: list = []

    def update(self, samples: Any) -> None:
        self._batches.append(samples)

    def compute(self) -> dict[str, MetricValue]:  # pragma: no cover - abstract
        raise NotImplementedError


def _join(parts: list) -> Any:
    if len(parts) == 1:
        return parts[0]
    if hasattr(parts[0], "dim"):  # torch tensors, without importing torch here
        import torch

        return torch.cat(parts)
    import numpy as np

    return np.concatenate(parts)


class Rechunker:
    """Re-cuts a stream of arrays (NumPy or torch, rows first) into chunks of exactly ``size`` rows.

    A family whose per-chunk work is not row-wise exact (a network whose float results depend
    on the batch it runs in, a sum taken chunk by chunk) cuts every stream into the same chunks
    as the whole set would be cut — so streaming in batches of 7 and scoring all samples at once
    give the same numbers — while holding fewer than ``size`` rows back."""

    def __init__(self, size: int):
        self.size = int(size)
        self._pending: list = []
        self._rows = 0

    def push(self, batch: Any) -> list:
        """Whole chunks now available (possibly none); the rest waits for more rows or :meth:`flush`."""
        if len(batch) == 0:
            return []
        self._pending.append(batch)
        self._rows += len(batch)
        if self._rows < self.size:
            return []
        joined = _join(self._pending)
        whole = self._rows // self.size * self.size
        chunks = [joined[i:i + self.size] for i in range(0, whole, self.size)]
        rest = joined[whole:]
        self._pending, self._rows = ([rest] if len(rest) else []), len(rest)
        return chunks

    def flush(self) -> Any | None:
        """The last, shorter chunk (None if nothing waits)."""
        if not self._pending:
            return None
        last = _join(self._pending)
        self._pending, self._rows = [], 0
        return last
