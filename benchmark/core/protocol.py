"""Protocol variants: the evaluation knobs users argue about, declared by each domain.

A leaderboard's ranking is made under one protocol: a sample count, a reference split, a feature
space, a sampling temperature. Whether the ranking survives another reasonable choice is a
question the benchmark should answer per table (dgm-eval showed that the feature extractor alone
reorders image generators). Each domain declares, in its ``DOMAIN``
(:class:`~ganbench.core.domain.Domain`), which variants make sense for its tasks; the
re-evaluation engine (:mod:`ganbench.engine.sensitivity`) applies them without knowing any domain.

A variant changes one or more *settings*, each of a kind the engine knows how to apply:

``samples``          factor on the task's ``spec.eval_samples`` (0.5: half as many samples)
``reference_split``  the split the metrics compare against (the task's ``spec.reference_split``)
``extractor``        the feature extractor option of the metric families (image metrics)
``temperature``      the sampling temperature (``task.sample(..., temperature=t)``)
``metric``           ``{main metric: the metric that replaces it}`` (molecules: ``fcd_test`` scored
                     against the scaffold split, ``fcd_testsf``)

and may name an ``available`` check (``"module:function"``, called with the task) that returns
None or the one-line reason it cannot run here (weights not on disk, a library missing).

Declarations only: nothing here imports torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

SETTINGS = ("samples", "reference_split", "extractor", "temperature", "metric")


@dataclass(frozen=True)
class ProtocolVariant:
    """One alternative protocol for a domain's tasks.

    ``name`` is what ``ganbench sensitivity --variants`` and the reports call it; ``axis`` groups
    variants of one knob in a report ("sample count", "reference split", ...); ``default`` says
    whether the variant is in the set run when none is named (cheap ones: the default set must
    stay within about twice the cost of a run's own evaluation)."""

    name: str
    axis: str
    settings: Mapping[str, Any]
    summary: str
    default: bool = True
    available: str | None = None  # "module:function" (task) -> None | reason it cannot run here
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in ", /") or self.name in ("default", "all"):
            raise ValueError(f"protocol variant name {self.name!r}: one word without ',', ' ' or '/', not 'default'/'all'")
        if not self.summary or "\n" in self.summary:
            raise ValueError(f"protocol variant {self.name!r}: the summary is one non-empty line")
        settings = dict(self.settings)
        unknown = sorted(set(settings) - set(SETTINGS))
        if not settings or unknown:
            raise ValueError(f"protocol variant {self.name!r}: settings must be among {', '.join(SETTINGS)}, "
                             f"got {', '.join(unknown) or 'none'}")
        if "samples" in settings and not (isinstance(settings["samples"], (int, float)) and settings["samples"] > 0):
            raise ValueError(f"protocol variant {self.name!r}: samples is a positive factor, got {settings['samples']!r}")
        if "temperature" in settings and not (isinstance(settings["temperature"], (int, float)) and settings["temperature"] > 0):
            raise ValueError(f"protocol variant {self.name!r}: temperature must be positive, got {settings['temperature']!r}")
        if "metric" in settings:
            settings["metric"] = MappingProxyType(dict(settings["metric"]))
        if self.available is not None:
            module, sep, attr = self.available.partition(":")
            if not (module and sep and attr):
                raise ValueError(f"protocol variant {self.name!r}: available must be 'module:function', got {self.available!r}")
        object.__setattr__(self, "settings", MappingProxyType(settings))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    def to_json(self) -> dict:
        """The declaration as JSON (the settings as declared, before a task resolves them)."""
        return {"name": self.name, "axis": self.axis, "summary": self.summary,
                "settings": json.loads(json.dumps({k: dict(v) if isinstance(v, Mapping) else v
                                                   for k, v in self.settings.items()}))}


# the sample-count pair every domain shares: half and double of the task's own eval_samples. Double
# is on request (--variants samples, or all): it alone costs twice the main metric's evaluation, and
# with it the default set of the sequence domains would cost 2.5-3.5x a run's own evaluation
SAMPLE_COUNT = (
    ProtocolVariant("samples-half", "samples", {"samples": 0.5}, "half the task's evaluation sample count"),
    ProtocolVariant("samples-double", "samples", {"samples": 2.0}, "double the task's evaluation sample count",
                    default=False),
)
