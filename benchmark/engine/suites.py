"""Named suites: which tasks (by their ``spec.suites``), which methods per domain, seeds, budget.

A task joins a suite by naming it in its spec; the methods a suite runs on a task are declared by
the task's domain (``Domain.suite_objectives`` in its package), so ``ganbench run --suite quick``
grows as domains land without this module or the CLI changing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganbench.core.errors import UnknownNameError
from ganbench.core.registry import Registry
from ganbench.domains import declared, domain_of


@dataclass(frozen=True)
class Suite:
    name: str
    summary: str
    seeds: tuple[int, ...] = (0,)
    budget: str = "quick"

    def tasks(self) -> list[str]:
        from ganbench.tasks import TASKS

        return [e.name for e in TASKS.entries() if self.name in _task_suites(e.name)]

    @property
    def objectives(self) -> dict[str, tuple[str, ...]]:
        """domain -> the objectives this suite runs on its tasks, as the domains declare them."""
        return {d.name: d.suite_objectives[self.name] for d in declared() if self.name in d.suite_objectives}

    def objectives_for(self, task_name: str) -> tuple[str, ...]:
        domain = domain_of(task_name)
        objectives = domain.objectives_for(self.name) if domain else None
        if not objectives:
            name = task_name.split("/", 1)[0]
            raise UnknownNameError(f"suite {self.name} has no methods for domain {name!r} (task {task_name})")
        return objectives


def _task_suites(name: str) -> tuple[str, ...]:
    from ganbench.tasks import TASKS

    return TASKS.get(name).spec.suites


SUITES: dict[str, Suite] = {
    "quick": Suite(
        "quick",
        "a few minutes on 2 CPU cores: every domain's small task, two methods, one seed",
        seeds=(0,),
        budget="quick",
    ),
    "toy": Suite(
        "toy",
        "the 2-D mode-collapse benchmarks at the default budget, ns / wgan-gp / hinge x 3 seeds",
        seeds=(0, 1, 2),
        budget="default",
    ),
    "text": Suite(
        "text",
        "the text tasks at their default budgets: mle vs seqgan x 3 seeds",
        seeds=(0, 1, 2),
        budget="default",
    ),
    "cross-domain": Suite(
        "cross-domain",
        "the objective x domain matrix: the six adversarial losses (sequences through their Gumbel relaxation) "
        "and mle on one or two small tasks per domain, 3 seeds, CPU budgets (~2 h on 2 cores)",
        seeds=(0, 1, 2),
        budget="cross-domain",
    ),
    "molecule": Suite(
        "molecule",
        "MOSES at the default budget: mle, seqgan, organ x 3 seeds",
        seeds=(0, 1, 2),
        budget="default",
    ),
}


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        reg = Registry("suite")
        for s in SUITES.values():
            reg.register(s.name, "ganbench.engine.suites:SUITES", s.summary)
        raise UnknownNameError(reg.unknown_message(name))
    return SUITES[name]
