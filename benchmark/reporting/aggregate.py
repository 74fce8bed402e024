"""Across tasks, like with like: methods compared only over tasks every one of them ran.

A mean rank over the tasks each method happened to run compares nothing: a method first on the
one task it ran beats one that is second on six. Here the cross-task score of a method is the mean
of its per-task normalised score (rank scaled to [0, 1], as in :mod:`ganbench.reporting.ranking`, but
among the compared methods only, so a method the summary leaves out never moves the others) over
one set of tasks, the same for every compared method;
:func:`aggregate` refuses a method that lacks one of the tasks. Intervals come from the per-task
bootstrap resamples taken jointly (resample b of every task, averaged), so the overall rank
interval carries the seed noise of every task; methods whose interval reaches rank 1 are
defensibly first overall.

Which methods and tasks: those the user names, else the largest block of the records, the
(methods × tasks) set in which every method ran every task with the most (method, task) cells
(ties: more tasks, then more methods). Every other method is listed with the tasks it skipped.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import numpy as np

from ganbench.core.errors import UserError
from ganbench.reporting.ranking import CONFIDENCE, TaskRanking, competition_ranks, normalise, percentile_interval

MAX_CANDIDATES = 4096  # closed task sets examined when choosing the block


@dataclass
class AggregateMethod:
    label: str
    score: float  # mean normalised score over the tasks
    interval: tuple[float, float]
    rank: int
    rank_interval: tuple[int, int]
    p_first: float
    per_task: dict[str, float]  # task key -> normalised score

    @property
    def first(self) -> bool:
        return self.rank_interval[0] == 1


@dataclass
class Aggregate:
    tasks: list[str]  # task keys, in report order
    methods: list[AggregateMethod]  # in rank order
    missing: dict[str, list[str]] = field(default_factory=dict)  # method not compared -> compared tasks it skipped
    chosen: str = "largest block"  # or "named"
    resamples: int = 0
    single_seed: list[str] = field(default_factory=list)  # methods with a one-seed task (interval understated)

    def defensibly_first(self) -> list[str]:
        return [m.label for m in self.methods if m.first]


def _comparable(rankings: list[TaskRanking]) -> dict[str, TaskRanking]:
    return {r.key: r for r in rankings if r.comparable}


def tasks_of(rankings: list[TaskRanking]) -> dict[str, set[str]]:
    """Method label -> keys of the comparable tasks it is ranked on."""
    out: dict[str, set[str]] = {}
    for r in rankings:
        if r.comparable:
            for m in r.methods:
                out.setdefault(m.label, set()).add(r.key)
    return out


def largest_block(rankings: list[TaskRanking]) -> tuple[list[str], list[str]]:
    """(methods, tasks): every method ran every task, most cells; ([], []) when no two methods
    share two tasks. The best block's task set is an intersection of methods' task sets, so the
    search walks those intersections (a closure; capped, it never is at benchmark sizes)."""
    ran = tasks_of(rankings)
    base = {frozenset(ts) for ts in ran.values()}
    seen, frontier = set(base), set(base)
    while frontier and len(seen) < MAX_CANDIDATES:
        frontier = {a & b for a in frontier for b in base} - seen
        seen |= frontier
    order = [r.key for r in rankings]
    best, best_key = ([], []), (0, 0, 0)
    for tasks in sorted(seen, key=lambda s: sorted(s)):
        if len(tasks) < 2:
            continue
        methods = sorted(m for m, ts in ran.items() if tasks <= ts)
        if len(methods) < 2:
            continue
        key = (len(methods) * len(tasks), len(tasks), len(methods))
        if key > best_key:
            best, best_key = (methods, [t for t in order if t in tasks]), key
    return best


def aggregate(rankings: list[TaskRanking], methods: list[str], tasks: list[str],
              confidence: float = CONFIDENCE) -> Aggregate:
    """The cross-task summary of ``methods`` over ``tasks`` (task keys). Refuses (UserError) a
    method that is not ranked on every one of the tasks: a mean over fewer tasks is not comparable."""
    by_key = {r.key: r for r in rankings}
    unknown = [t for t in tasks if t not in by_key]
    if unknown:
        raise UserError(f"no ranking for task(s) {', '.join(unknown)}: name tasks of the report")
    not_comparable = [t for t in tasks if not by_key[t].comparable]
    if not_comparable:
        raise UserError(f"task(s) {', '.join(not_comparable)} rank fewer than two methods: nothing to compare there")
    gaps = [f"{m} did not run {t}" for m in methods for t in tasks if by_key[t].index(m) is None]
    if gaps:
        raise UserError("unequal task sets: " + "; ".join(gaps) + ": compare methods only over tasks every one "
                        "of them ran (leave the method or the task out)")
    if len(methods) < 2 or not tasks:
        raise UserError("an aggregate compares at least two methods over at least one task")
    resamples = min(by_key[t].boot_ranks.shape[0] for t in tasks)
    boot = np.zeros((resamples, len(methods)))
    point = np.zeros(len(methods))
    per_task: dict[str, dict[str, float]] = {m: {} for m in methods}
    k = len(methods)
    for t in tasks:
        r = by_key[t]
        idx = [r.index(m) for m in methods]
        # ranks among the compared methods only (a task's other methods never shift them): the
        # order of the task's ranks restricted to the compared columns, ties kept
        sub_boot = competition_ranks(-r.boot_ranks[:resamples, idx].astype(float))
        sub_point = competition_ranks(-np.array([float(r.methods[i].rank) for i in idx]))
        boot += normalise(sub_boot, k)
        for j, m in enumerate(methods):
            point[j] += float(normalise(sub_point[j], k))
            per_task[m][t] = float(normalise(sub_point[j], k))
    boot /= len(tasks)
    point /= len(tasks)
    ranks = competition_ranks(boot)
    point_ranks = competition_ranks(point)
    out = []
    for j, m in enumerate(methods):
        lo, hi = percentile_interval(boot[:, j], confidence)
        rlo, rhi = percentile_interval(ranks[:, j], confidence)
        out.append(AggregateMethod(m, float(point[j]), (lo, hi), int(point_ranks[j]), (int(rlo), int(rhi)),
                                   float((ranks[:, j] == 1).mean()), per_task[m]))
    out.sort(key=lambda a: (-a.score, a.label))
    single = sorted({m for m in methods for t in tasks if by_key[t].methods[by_key[t].index(m)].single})
    return Aggregate(list(tasks), out, resamples=resamples, single_seed=single)


def cross_task_summary(rankings: list[TaskRanking], methods: list[str] | None = None) -> Aggregate | None:
    """The report's summary: ``methods`` (all must share at least one comparable task) over every
    comparable task all of them ran, else the largest block. None when nothing can be compared."""
    ran = tasks_of(rankings)
    order = [r.key for r in rankings if r.comparable]
    if methods:
        unknown = [m for m in methods if m not in ran]
        if unknown:
            hints = {m: difflib.get_close_matches(m, list(ran), n=3) for m in unknown}
            raise UserError("no ranked runs of " + "; ".join(
                f"{m!r}" + (f" (did you mean {', '.join(hints[m])}?)" if hints[m] else "") for m in unknown)
                + f": compare methods of the report ({', '.join(sorted(ran))})")
        common = set.intersection(*(ran[m] for m in methods))
        tasks = [t for t in order if t in common]
        if not tasks:
            raise UserError(f"{', '.join(methods)} never ran one task together: nothing to compare like with like")
        chosen = "named"
    else:
        methods, tasks = largest_block(rankings)
        if not methods:
            return None
        chosen = "largest block"
    agg = aggregate(rankings, list(methods), tasks)
    agg.chosen = chosen
    agg.missing = {m: [t for t in tasks if t not in ts] for m, ts in sorted(ran.items()) if m not in methods}
    return agg


def fmt_score(value: float, interval: tuple[float, float]) -> str:
    return f"{value:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]" if math.isfinite(value) else "—"
