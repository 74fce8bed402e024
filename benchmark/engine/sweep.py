"""Sweep files: one YAML file names tasks × objectives × seeds × hyper-parameter points.

A benchmark is hundreds of runs; writing them as shell loops loses track of which exist. A sweep
file is the whole plan in one place, and :func:`plan_sweep` turns it into
:class:`~ganbench.engine.runner.RunRequest` objects, validated before anything runs. Example::

    tasks: [toy/ring8, toy/grid25]      # or  suite: quick  (its tasks, per-domain objectives, seeds, budget)
    objectives: [ns, hinge]             # default: the suite's, else [ns]
    seeds: 0-2                          # a list [0, 1, 2] or a range "0-2"
    budget: quick                       # or  steps: 2000
    set: {g_hidden: 64}                 # fixed overrides for every run
    grid:                               # every combination ...
      lr_g: [1.0e-4, 5.0e-4]
      n_dis: [1, 2]
    points:                             # ... times each of these (optional; may carry a tag)
      - {lr_d: 1.0e-4}
      - {lr_d: 5.0e-4, tag: fast-d}
    tag: lr                             # optional prefix of every tag
    results: results/sweeps/lr          # default results folder (--results wins)
    device: cuda                        # where the runs train (default auto; --device wins); one run per GPU

Every grid point gets a deterministic, readable tag (``lr-lr_g=0.0001,n_dis=2``: prefix, then the point)
so its records sit beside the default ones; a sweep with no grid and no points uses ``tag`` alone
(none by default, so its records are the ordinary ``ganbench run`` records). A tag is kept as
written; only the file names made from it are encoded (:mod:`ganbench.core.paths`), so a ``/``
or ``..`` in a value or a tag names a run and never a folder. Runs whose record
already exists under the same config are skipped (:func:`classify`), exactly as the runner would.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ganbench.core.config import parse_value
from ganbench.core.errors import UserError
from ganbench.core.paths import encoded_length
from ganbench.core.records import DEFAULT_RESULTS
from ganbench.engine.planning import MAX_RUNS, Point, parse_seeds, plan_runs

KEYS = ("suite", "tasks", "objectives", "seeds", "budget", "steps", "set", "grid", "points", "tag", "results",
        "data_dir", "device")
MAX_TAG = 96  # characters of a point's tag once made file-safe


@dataclass
class SweepPlan:
    source: str
    requests: list  # RunRequest, in file order: task, objective, point, seed
    results: Path


@dataclass
class Classified:
    todo: list = field(default_factory=list)  # RunRequests to execute
    done: list = field(default_factory=list)  # (RunRequest, record) already recorded under the same config
    conflicts: list = field(default_factory=list)  # (RunRequest, path, why)


MAX_FILE_BYTES = 1 << 20  # a sweep file is a screenful of YAML
MAX_NODES = 100_000  # YAML nodes once every alias is expanded (a billion-laughs file names 10^10)


def load_sweep_file(path: str | Path) -> dict:
    """The YAML mapping of a sweep file; unknown keys, malformed YAML, a file over
    :data:`MAX_FILE_BYTES` and aliases that expand past :data:`MAX_NODES` nodes are user errors."""
    import yaml

    path = Path(path)
    if path.is_dir():
        raise UserError(f"sweep file {path} is a folder: give the YAML file of the sweep")
    if not path.is_file():
        raise UserError(f"sweep file {path} does not exist: write a YAML file with tasks, objectives, seeds (see README, Leaderboard)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UserError(f"sweep file {path} is {size / 1e6:.1f} MB; a sweep file is at most {MAX_FILE_BYTES / 1e6:.1f} MB "
                        f"of YAML (tasks, objectives, seeds, a grid): give the sweep file, not a data file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"sweep file {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8 YAML") from None
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_tree(node, path)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise UserError(f"sweep file {path} is not valid YAML{at}: fix the syntax") from None
    except RecursionError:
        raise UserError(f"sweep file {path} nests its YAML too deeply: a sweep file is a flat mapping") from None
    if not isinstance(data, dict):
        raise UserError(f"sweep file {path} must be a YAML mapping (tasks: ..., objectives: ..., seeds: ...)")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), KEYS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(KEYS)}"
        raise UserError(f"sweep file {path}: unknown key {unknown[0]!r}; {hint}")
    return data


def _check_tree(root, path: Path) -> None:
    """UserError when the YAML tree under ``root`` holds more than :data:`MAX_NODES` nodes with every
    alias expanded, an alias inside its own anchor, or a mapping that gives one key twice (YAML
    readers keep the last without a word: ``tasks:`` written twice would plan other runs than the
    first line says). Counted on the composed graph, where an alias is the anchored node itself,
    once per node (memoised): linear in the file, whatever the expansion."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise UserError(f"sweep file {path}: an alias refers to the node that contains it: remove the recursive alias")
        open_nodes.add(key)
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
            seen: dict[str, int] = {}
            for key, _ in node.value:
                if isinstance(key, ScalarNode) and key.value != "<<":
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        raise UserError(f"sweep file {path}: the key {key.value!r} twice (lines {seen[key.value]} and "
                                        f"{line}); give each key once")
                    seen[key.value] = line
        else:
            children = []
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_NODES:
                break
        open_nodes.discard(key)
        sizes[key] = total
        return total

    if size(root) > MAX_NODES:
        raise UserError(f"sweep file {path}: its YAML aliases expand to more than {MAX_NODES:,} values (an alias "
                        f"bomb?); write the sweep out, a sweep file needs no nested aliases")


def _as_list(value: Any, what: str) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int, float, bool)):
        return [value]
    if isinstance(value, list):
        return value
    raise UserError(f"sweep: {what} must be a list or a single value, got {type(value).__name__}")


def _clean_value(key: str, value: Any) -> Any:
    """YAML reads ``1e-4`` as a string (YAML 1.1 wants ``1.0e-4``): parse such strings as numbers."""
    if isinstance(value, str):
        return parse_value(value)
    if isinstance(value, dict):
        raise UserError(f"sweep: value of {key!r} must be a scalar or a list, not a mapping")
    return value


def _mapping(value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(f"sweep: {what} must be a mapping of hyper-parameter: value")
    return {str(k): v for k, v in value.items()}


def grid_points(grid: dict, points: list) -> list[tuple[dict, str | None, dict]]:
    """(overrides, the point's explicit tag or None, the grid part) for every ``grid`` × ``points`` combination."""
    grid = _mapping(grid, "grid")
    lengths = []
    for key, values in grid.items():
        lengths.append(len(_as_list(values, f"grid.{key}")))
        if not lengths[-1]:
            raise UserError(f"sweep: grid.{key} is empty: give at least one value")
    count = math.prod(lengths) * max(1, len(points or []))
    if count > MAX_RUNS:  # counted before anything is built: a 10^6-point grid is refused at once
        shape = " x ".join(str(n) for n in lengths) + (f" x {len(points)} points" if points else "")
        raise UserError(f"sweep: the grid names {count:,} points ({shape}); one command plans at most {MAX_RUNS:,} "
                        f"runs: split the sweep into several files")
    axes = [[(key, _clean_value(key, v)) for v in _as_list(values, f"grid.{key}")] for key, values in grid.items()]
    combos = [dict(c) for c in itertools.product(*axes)] if axes else [{}]
    pts = []
    for i, p in enumerate(points or [{}]):
        p = _mapping(p, f"points[{i}]")
        tag = p.pop("tag", None)
        clash = set(p) & set(grid)
        if clash:
            raise UserError(f"sweep: points[{i}] sets {sorted(clash)[0]!r}, which the grid also varies: keep it in one place")
        pts.append(({k: _clean_value(k, v) for k, v in p.items()}, None if tag is None else str(tag)))
    return [({**combo, **p}, tag, combo) for p, tag in pts for combo in combos]


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list):
        return "+".join(_fmt_value(x) for x in v)
    return str(v)


def point_tag(overrides: dict, prefix: str | None = None, explicit: str | None = None,
              grid_part: dict | None = None) -> str | None:
    """Deterministic, readable tag of one grid point: ``lr_g=0.0001,n_dis=2``.

    A point with an explicit tag is named by it, followed by its grid coordinates (``grid_part``).
    A tag longer than :data:`MAX_TAG` once made file-safe keeps its start and ends in ``~`` and a
    short hash of the whole, so it stays unique."""
    shown = overrides if explicit is None else (grid_part or {})
    body = ",".join(([explicit] if explicit is not None else []) + [f"{k}={_fmt_value(v)}" for k, v in shown.items()])
    tag = "-".join(x for x in (prefix, body) if x)
    if not tag:
        return None
    if encoded_length(tag) > MAX_TAG:
        digest = hashlib.sha1(tag.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        keep = min(len(tag), MAX_TAG - 9)
        while keep and encoded_length(tag[:keep]) > MAX_TAG - 9:
            keep -= 1
        tag = f"{tag[:keep]}~{digest}"
    return tag


def plan_sweep(path: str | Path, results: str | Path | None = None, data_dir: str | None = None,
               device: str | None = None) -> SweepPlan:
    """Expand a sweep file into run requests (no training, no data loading) through the one planner."""
    spec = load_sweep_file(path)
    where = f"sweep file {path}: "
    if spec.get("budget") is not None and spec.get("steps") is not None:
        raise UserError(f"{where}give budget or steps, not both")
    steps = spec.get("steps")
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or steps < 1):
        raise UserError(f"{where}steps must be a positive integer, got {steps!r}")
    fixed = {k: _clean_value(k, v) for k, v in _mapping(spec.get("set"), "set").items()}
    points = _as_list(spec.get("points"), "points") if spec.get("points") is not None else []
    grid = _mapping(spec.get("grid"), "grid")
    clash = set(fixed) & (set(grid) | {k for p in points if isinstance(p, dict) for k in p})
    if clash:
        raise UserError(f"{where}{sorted(clash)[0]!r} is both in set and varied: keep it in one place")
    prefix = str(spec["tag"]) if spec.get("tag") is not None else None
    if grid or points:
        expanded = [Point(o, point_tag(o, prefix, explicit, combo)) for o, explicit, combo in grid_points(grid, points)]
    else:
        expanded = [Point({}, point_tag({}, prefix))]
    results_dir = Path(results or spec.get("results") or DEFAULT_RESULTS)
    requests = plan_runs(
        results=results_dir, tasks=_as_list(spec.get("tasks"), "tasks"), suite=spec.get("suite") or None,
        objectives=_as_list(spec["objectives"], "objectives") if spec.get("objectives") is not None else None,
        seeds=parse_seeds(spec["seeds"], where="sweep: ") if spec.get("seeds") is not None else None,
        budget=spec.get("budget"), steps=steps, overrides=fixed, points=expanded,
        data_dir=data_dir or spec.get("data_dir"), progress=False, where=where,
        device=str(device or spec.get("device") or "auto"))
    return SweepPlan(str(path), requests, results_dir)


def classify(requests: Iterable) -> Classified:
    """Configure every request (all user errors surface now) and split off the recorded ones.

    The runner's own check decides (:meth:`~ganbench.engine.runner.ResolvedRun.existing`): a
    record with the same config hash and task version that is not ``failed`` means the run is
    done; a failed one is retried (the runner keeps the old failure); a record under another
    config is a conflict the user must resolve (a tag), reported before anything runs.
    """
    from ganbench.engine.runner import resolve

    out = Classified()
    for req in requests:
        run = resolve(req)
        found = run.existing()
        if found.state in ("absent", "retry"):
            out.todo.append(req)
        elif found.state == "done":
            out.done.append((req, found.record))
        else:
            why = f"unreadable record ({found.why})" if found.state == "unreadable" else found.why
            out.conflicts.append((req, run.record_path, why))
    return out


def execute_sweep(path: str | Path, executor: str = "local", workers: int | None = None, threads: int | None = None,
                  address: str | None = None, results: str | None = None, data_dir: str | None = None,
                  dry_run: bool = False, progress: bool | None = None, out=None, device: str | None = None) -> int:
    """``ganbench sweep``: plan, skip what is recorded, run the rest; exit code 1 if a run failed."""
    import signal
    import sys

    from ganbench.engine.executors import Progress, run_requests

    out = out or sys.stdout
    plan = plan_sweep(path, results, data_dir, device)
    if plan.requests:  # a device that is not here is a one-line error before anything runs
        from ganbench.core.device import resolve_device

        if executor == "local":
            resolve_device(plan.requests[0].device)
    if dry_run:
        return _dry_run(plan, executor, out)
    split = classify(plan.requests)
    if split.conflicts:
        req, where, why = split.conflicts[0]
        more = f" (and {len(split.conflicts) - 1} more)" if len(split.conflicts) > 1 else ""
        raise UserError(f"{where} is {why}{more}: not overwriting; give the sweep a tag (tag: NAME) or another results folder")
    print(f"sweep {path}: {len(plan.requests)} runs, {len(split.done)} already recorded, {len(split.todo)} to run "
          f"on the {executor} executor; records in {plan.results}", file=out, flush=True)
    bar = Progress(len(split.todo), progress, out)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):  # a scheduler's SIGTERM stops the workers like Ctrl-C does
        raise KeyboardInterrupt

    in_main = _is_main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, on_term)
    try:
        summaries = run_requests(split.todo, executor, workers, threads, address, on_done=bar)
    finally:
        bar.close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    counts = {}
    for s in summaries:
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    text = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to run"
    print(f"sweep done: {text}; {len(split.done)} were already recorded; tables: ganbench report --results {plan.results}",
          file=out, flush=True)
    return 1 if counts.get("failed") or counts.get("error") else 0


def _dry_run(plan: SweepPlan, executor: str, out) -> int:
    """List what would run, each run as it is classified (the runner's own check), so a large plan
    starts answering at once; a conflict stops the listing as it would stop the sweep."""
    from ganbench.engine import runner

    print(f"sweep {plan.source}: {len(plan.requests)} runs planned on the {executor} executor; records in "
          f"{plan.results} (dry run: nothing is trained)", file=out, flush=True)
    done = todo = 0
    for req in plan.requests:
        run = runner.resolve(req)
        found = run.existing()
        if found.state == "done":
            done += 1
        elif found.state in ("absent", "retry"):
            todo += 1
            print(f"  would run {run.run_id}" + (f"  {dict(req.overrides)}" if req.overrides else ""), file=out, flush=True)
        else:
            why = f"unreadable record ({found.why})" if found.state == "unreadable" else found.why
            raise UserError(f"{run.record_path} is {why}: the sweep would stop here; give the sweep a tag (tag: NAME) "
                            f"or another results folder")
    print(f"dry run: {done} already recorded, {todo} to run", file=out, flush=True)
    return 0


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
