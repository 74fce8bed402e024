"""ganbench: one registry of GAN tasks, one adversarial trainer, one evaluator, one leaderboard.

The public API, imported lazily (PEP 562) so that ``import ganbench`` stays fast and needs neither
torch, RDKit nor torchvision until a function is called::

    import ganbench
    task = ganbench.load_task("toy/ring8")
    scores = ganbench.evaluate("toy/ring8", samples)          # {metric: float}; scores.details
    scores = ganbench.evaluate("image/digits", generator=G)   # anything with G.sample(n, rng)
    records = ganbench.run("toy/ring8", "hinge", seeds=[0, 1], budget="quick")
    df = ganbench.load_results("results")                     # one row per run × metric
    board = ganbench.leaderboard("results")                   # {task: DataFrame}

and the base classes a plugin subclasses: :class:`Task`, :class:`TaskSpec`, :class:`Objective`,
:class:`AdversarialObjective`, :class:`MetricFamily` (with :class:`MetricValue`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute", imported on first access
_LAZY = {
    "load_task": "ganbench.api:load_task",
    "evaluate": "ganbench.api:evaluate",
    "run": "ganbench.api:run",
    "load_results": "ganbench.api:load_results",
    "leaderboard": "ganbench.api:leaderboard",
    "Scores": "ganbench.api:Scores",
    "Task": "ganbench.core.task:Task",
    "TaskSpec": "ganbench.core.task:TaskSpec",
    "Objective": "ganbench.objectives.base:Objective",
    "AdversarialObjective": "ganbench.objectives.base:AdversarialObjective",
    "MetricFamily": "ganbench.metrics.base:MetricFamily",
    "MetricValue": "ganbench.metrics.base:MetricValue",
    "UserError": "ganbench.core.errors:UserError",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'ganbench' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
