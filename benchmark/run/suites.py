"""Named suites: which tasks (by their ``spec.suites``), which methods per domain, seeds, budget.

A task joins a suite by naming it in its spec; the methods a suite runs on a task come from the
domain line below (domains add theirs when they land), so ``ganbench run --suite quick`` grows as
domains land without the CLI changing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ganbench.core.errors import UnknownNameError
from ganbench.core.registry import Registry


@dataclass(frozen=True)
class Suite:
    name: str
    summary: str
    objectives: dict = field(default_factory=dict)  # domain -> tuple of objective names
    seeds: tuple[int, ...] = (0,)
    budget: str = "quick"

    def tasks(self) -> list[str]:
        from ganbench.tasks import TASKS

        return [e.name for e in TASKS.entries() if self.name in _task_suites(e.name)]

    def objectives_for(self, task_name: str) -> tuple[str, ...]:
        domain = task_name.split("/", 1)[0]
        if domain not in self.objectives:
            raise UnknownNameError(f"suite {self.name} has no methods for domain {domain!r} (task {task_name})")
        return tuple(self.objectives[domain])


def _task_suites(name: str) -> tuple[str, ...]:
    from ganbench.tasks import TASKS

    return TASKS.get(name).spec.suites


SUITES: dict[str, Suite] = {
    "quick": Suite(
        "quick",
        "a few minutes on 2 CPU cores: every domain's small task, two methods, one seed",
        objectives={"toy": ("ns", "hinge"), "text": ("mle", "seqgan"), "image": ("ns", "hinge"),
                    "molecule": ("mle",)},
        seeds=(0,),
        budget="quick",
    ),
    "toy": Suite(
        "toy",
        "the 2-D mode-collapse benchmarks at the default budget, ns / wgan-gp / hinge x 3 seeds",
        objectives={"toy": ("ns", "wgan-gp", "hinge")},
        seeds=(0, 1, 2),
        budget="default",
    ),
    "text": Suite(
        "text",
        "the text tasks at their default budgets: mle vs seqgan x 3 seeds",
        objectives={"text": ("mle", "seqgan")},
        seeds=(0, 1, 2),
        budget="default",
    ),
    "molecule": Suite(
        "molecule",
        "MOSES at the default budget: mle, seqgan, organ x 3 seeds",
        objectives={"molecule": ("mle", "seqgan", "organ")},
        seeds=(0, 1, 2),
        budget="default",
    ),
}


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        reg = Registry("suite")
        for s in SUITES.values():
            reg.register(s.name, "ganbench.run.suites:SUITES", s.summary)
        raise UnknownNameError(reg.unknown_message(name))
    return SUITES[name]
