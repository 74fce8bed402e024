"""One planner for ``ganbench run`` and ``ganbench sweep``: (tasks or a suite) × objectives × points × seeds.

Both commands name the same things — tasks or a suite (which brings its tasks, its methods per
domain, its seeds and its budget), objectives, seeds, a budget or a step count, fixed overrides —
and a sweep adds hyper-parameter *points* (each with its overrides and tag). :func:`plan_runs`
expands them once, in one order (task, objective, point, seed), validates every name before
anything runs, and refuses a plan that asks for the same run twice. It turns no file or argument
syntax into values: the CLI and the sweep-file reader do that, then call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ganbench.core.errors import UserError
from ganbench.core.records import run_id


@dataclass
class RunRequest:
    """One run to execute: what the runner needs, and nothing it must look up again."""

    task: str
    objective: str
    seed: int
    results: Path
    steps: int | None = None
    budget: str | None = None
    overrides: Mapping[str, Any] | None = None
    tag: str | None = None
    data_dir: str | None = None
    progress: bool | None = None
    device: str | None = "auto"  # where it trains and is evaluated: provenance, not identity (core/device.py)


@dataclass(frozen=True)
class Point:
    """One hyper-parameter point: its overrides and the tag its records carry (None: the plain records)."""

    overrides: Mapping[str, Any] = field(default_factory=dict)
    tag: str | None = None


SEED_BOUND = 2**63
# The most runs one command plans: far above a benchmark (5 tasks x 6 objectives x 10 seeds x 30
# grid points is 9,000 runs of minutes to hours each), far below what would fill memory or make a
# dry run wait. Plans are counted against it before anything is expanded.
MAX_RUNS = 10_000
_RANGE = re.compile(r"(-?\d+)\s*-\s*(-?\d+)")
_INT = re.compile(r"-?\d+")


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_integer(value: Any, what: str, where: str = "") -> int:
    """``value`` as an int if it is one (a Python or NumPy integer); a float, a string or a bool is a
    UserError: ``seeds=[1.5]`` must not run seed 1, nor ``steps=5.5`` five steps."""
    import numbers
    import operator

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UserError(f"{where}{what} {_shown(value)} is not an integer: give a whole number, e.g. 0")
    return operator.index(value)


def parse_seeds(value: Any, what: str = "seeds", where: str = "") -> list[int]:
    """Seeds from ``3``, ``"0-4"``, ``"0,1,2"`` or a list of those (``[0, "2-3"]``); each seed once.

    ``what`` names the option in messages (``--seeds``), ``where`` prefixes them (``sweep: ``).
    Ranges are counted before they are expanded: more than :data:`MAX_RUNS` seeds is a UserError,
    so ``0-1000000000`` costs nothing."""
    def malformed() -> UserError:
        return UserError(f"{where}malformed {what} {_shown(value)}: give integers like 0,1,2 or a range 0-4")

    spans: list[tuple[int, int]] = []  # inclusive (first, last), in the order given
    for part in value if isinstance(value, (list, tuple)) else [value]:
        if isinstance(part, bool) or not isinstance(part, (int, str)):
            raise malformed()
        if isinstance(part, int):
            spans.append((part, part))
            continue
        for piece in (p.strip() for p in part.split(",")):
            if not piece:
                continue
            span = _RANGE.fullmatch(piece)
            if span and int(span[2]) >= int(span[1]):
                spans.append((int(span[1]), int(span[2])))
            elif _INT.fullmatch(piece):
                spans.append((int(piece), int(piece)))
            else:
                raise malformed()
    if not spans:
        raise malformed()
    count = sum(last - first + 1 for first, last in spans)
    if count > MAX_RUNS:
        raise UserError(f"{where}{what} {_shown(value)} name {count:,} seeds; one command plans at most {MAX_RUNS:,} "
                        f"runs: give fewer seeds (e.g. 0-4)")
    out = [seed for first, last in spans for seed in range(first, last + 1)]
    if len(set(out)) != len(out):
        raise UserError(f"{where}{what} {_shown(value)} repeat a seed: give each seed once")
    return out


def plan_runs(*, results: str | Path, tasks: Sequence[str] = (), suite: str | None = None,
              objectives: Sequence[str] | None = None, seeds: Sequence[int] | None = None, budget: str | None = None,
              steps: int | None = None, overrides: Mapping[str, Any] | None = None,
              points: Sequence[Point] = (Point(),), data_dir: str | None = None, progress: bool | None = None,
              where: str = "", device: str | None = "auto") -> list[RunRequest]:
    """Every run the plan names, in the order task, objective, point, seed.

    A suite supplies the tasks, the objectives of each task's domain, the seeds and the budget,
    each unless given here (a step count replaces the suite's budget). Without a suite the
    objectives default to ``ns`` and the seeds to ``[0]`` (``None``: not given; an empty list
    given is an error, never a plan that runs nothing). ``overrides`` apply to every run, a
    point's on top. Unknown task, objective or suite names, a budget together with a step count,
    a results folder that cannot be written, and two runs with one run id, are user errors
    (prefixed by ``where``) raised before any request is returned.
    """
    from ganbench.core.outputs import run_folder_of
    from ganbench.core.paths import check_data_dir, check_output_dir

    from ganbench.objectives import OBJECTIVES
    from ganbench.engine.suites import get_suite
    from ganbench.tasks import TASKS

    tasks = [str(t) for t in tasks]
    if suite and tasks:
        raise UserError(f"{where}give either task names or a suite, not both")
    the_suite = get_suite(str(suite)) if suite else None
    if the_suite:
        tasks = the_suite.tasks()
    if not tasks:
        raise UserError(f"{where}name at least one task (ganbench list shows them) or a suite (e.g. quick)")
    for t in tasks:
        TASKS.entry(t)
    if budget is not None and steps is not None:
        raise UserError(f"{where}give --budget or --steps, not both (a budget is a named step count)")
    if objectives is not None and not [o for o in objectives if str(o).strip()]:
        raise UserError(f"{where}no objective named ({list(objectives)!r}): give at least one, e.g. ns "
                        f"(ganbench list shows them), or leave the option out for the default")
    if seeds is not None and not list(seeds):
        raise UserError(f"{where}no seed given: give at least one, e.g. 0 or 0-4, or leave the option out for the default")
    if seeds is not None:
        seeds = [as_integer(seed, "seed", where) for seed in seeds]
    for seed in seeds or ():  # torch takes 64-bit seeds; the evaluator adds an offset to them
        if not -SEED_BOUND <= seed < SEED_BOUND:
            raise UserError(f"{where}seed {seed!r} is not an integer in [-2**63, 2**63): give a smaller seed, e.g. 0-4")
    if steps is not None:
        steps = as_integer(steps, "steps", where)
        if steps < 1:
            raise UserError(f"{where}steps must be at least 1, got {steps}")
    objectives = [str(o) for o in objectives or ()]
    per_task = {t: objectives or (list(the_suite.objectives_for(t)) if the_suite else ["ns"]) for t in tasks}
    for objs in per_task.values():
        for o in objs:
            OBJECTIVES.entry(o)
    seeds = list(seeds) if seeds is not None else (list(the_suite.seeds) if the_suite else [0])
    if budget is None and steps is None and the_suite:
        budget = the_suite.budget
    if not isinstance(overrides, (Mapping, type(None))):
        raise UserError(f"{where}overrides must be a mapping of setting: value, got {type(overrides).__name__}")
    for point in points:
        if point.tag is not None and not isinstance(point.tag, str):
            raise UserError(f"{where}tag {point.tag!r} is not a string: give tag={str(point.tag)!r}")
    if results is None or not str(results).strip():
        raise UserError(f"{where}--results is empty: give the results folder (e.g. --results runs)")
    inside = run_folder_of(results)
    if inside is not None:
        raise UserError(f"{where}results folder {results} is inside the run folder {inside}: a run's folder holds only "
                        f"what that run writes (reports skip anything else there); choose a folder outside it")
    if data_dir is not None:
        check_data_dir(data_dir, f"{where}--data-dir")
    fixed = dict(overrides or {})
    total = sum(len(objs) for objs in per_task.values()) * len(points) * len(seeds)
    if total > MAX_RUNS:
        raise UserError(f"{where}the plan names {total:,} runs ({len(tasks)} tasks, "
                        f"{sum(len(o) for o in per_task.values())} task-objective pairs, {len(points)} points, "
                        f"{len(seeds)} seeds); one command plans at most {MAX_RUNS:,} runs: split it into several")
    check_output_dir(results, f"{where}results folder", "choose another results folder (--results DIR)")

    requests: list[RunRequest] = []
    seen: dict[str, int] = {}  # run id -> index of the point that asked for it first
    for task in tasks:
        for obj in per_task[task]:
            for i, point in enumerate(points):
                for seed in seeds:
                    rid = run_id(task, obj, seed, point.tag)
                    if rid in seen:
                        first = points[seen[rid]]
                        if seen[rid] == i:
                            raise UserError(f"{where}the run {rid} is asked for twice: name each task and objective once")
                        raise UserError(f"{where}two grid points give the same run {rid} ({dict(first.overrides)} "
                                        f"and {dict(point.overrides)}); remove the duplicate or tag the points")
                    seen[rid] = i
                    requests.append(RunRequest(task, obj, seed, Path(results), steps=steps, budget=budget,
                                               overrides={**fixed, **point.overrides}, tag=point.tag,
                                               data_dir=data_dir, progress=progress, device=device))
    return interleave_tasks(requests) if the_suite else requests


def interleave_tasks(requests: list) -> list:
    """The runs in rounds: every task's first run, then every task's second, and so on.

    Side by side, a task's runs wait for one another's reference build (the evaluator's cache lock:
    a classifier, a feature net, reference statistics), and a task with one run (molecule) left to
    the end runs alone on one core. Starting every task once first overlaps the builds of different
    tasks and leaves the cheap repeat runs for the end, where they fill the cores. The order never
    changes a run's numbers (each run is seeded by itself)."""
    by_task: dict[str, list] = {}
    for r in requests:
        by_task.setdefault(r.task, []).append(r)
    rounds = max((len(v) for v in by_task.values()), default=0)
    return [runs[i] for i in range(rounds) for runs in by_task.values() if i < len(runs)]
