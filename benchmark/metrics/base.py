"""The metric shape every domain uses: a family computes one or more named metrics.

A :class:`MetricFamily` is built for one task, receives *decoded* samples (points, images, token
strings, SMILES) through ``update`` in any number of batches, and returns named
:class:`MetricValue` objects from ``compute``. Families exist because related metrics share
expensive work (one nearest-mode assignment for all toy metrics; one RDKit parse for all MOSES
metrics; one feature pass for FID/KID/PR/DC). Every value carries its direction and how it was
computed, so a table can say what produced each number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

MAX, MIN = "max", "min"  # higher is better / lower is better


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

    Lifecycle: ``family = Cls(task, **options)``; ``family.update(batch)`` any number of times;
    ``family.compute()`` -> {name: MetricValue} for every name in ``provides``; ``reset()``
    forgets the samples but keeps cached reference statistics.
    """

    provides: ClassVar[Mapping[str, str]] = {}

    def __init__(self, task: Any, **options: Any):
        self.task = task
        self.options = options
        self.reset()

    def reset(self) -> None:
        self._batches: list = []

    def update(self, samples: Any) -> None:
        self._batches.append(samples)

    def compute(self) -> dict[str, MetricValue]:  # pragma: no cover - abstract
        raise NotImplementedError
