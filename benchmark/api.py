"""The Python API: what a notebook or another library calls, returning numbers and DataFrames.

The CLI is a thin layer over the same functions, so a result obtained here is the result the
command line gives. Everything heavy (torch, RDKit, torchvision, pandas) is imported inside the
functions: ``import ganbench`` stays fast (see ``ganbench/__init__.py``).

* :func:`load_task` -> a :class:`~ganbench.core.task.Task` (its ``spec`` says what it measures)
* :func:`evaluate` -> ``{metric: float}`` for samples in memory, a sample file or a generator
* :func:`run` -> train and evaluate (task × objective × seed), as ``ganbench run``; the records
* :func:`load_results` -> every run record of a results folder as a long pandas DataFrame
* :func:`leaderboard` -> the report's tables, one DataFrame per task
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ganbench.core.errors import UserError
from ganbench.core.records import DEFAULT_RESULTS


class Scores(dict):
    """``{metric name: float}``, plus ``details[name]``: how each number was computed (sample count,
    reference, extractor, direction), exactly as a run record stores it."""

    def __init__(self, values: Mapping[str, Any]):
        super().__init__({name: v.value for name, v in values.items()})
        self.details = {name: {"direction": v.direction, **v.details} for name, v in values.items()}


def load_task(name: str, data_dir: str | Path | None = None):
    """The registered task ``name`` (a built-in or a plugin's), reading data from ``data_dir``,
    else ``$GANBENCH_DATA``, else the cache."""
    from ganbench.tasks import TASKS

    return TASKS.get(name)(data_dir=str(data_dir) if data_dir is not None else None)


def _task(task, data_dir):
    from ganbench.core.task import Task

    if isinstance(task, str):
        return load_task(task, data_dir)
    if not isinstance(task, Task):
        raise UserError(f"task must be a task name (ganbench list shows them) or a loaded task, got "
                        f"{type(task).__name__}")
    return task


def _names(value) -> list[str]:
    """A list of names from a list, or from one string (``"fid"``, ``"fid,kid"``): a string is not
    a list of its characters."""
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    return [str(x) for x in value]


def evaluate(task, samples: Any = None, *, generator: Any = None, n: int | None = None, seed: int = 0,
             metrics: Iterable[str] | None = None, extractor: str | None = None,
             data_dir: str | Path | None = None, device: str | None = None) -> Scores:
    """Score ``samples`` (or ``n`` samples drawn from ``generator``) with the task's metrics.

    ``task`` is a name or a loaded task. ``samples`` may be what the task's domain holds in memory
    (an N×2 array of points; uint8 or [0, 1] float images N×H×W×C or a tensor N×C×H×W; a list of
    SMILES or sentences; a tensor of token ids) or a sample file path, validated exactly as
    ``ganbench eval`` validates files. ``generator`` is any object with ``sample(n, rng)`` returning
    the generator's raw output (the nets ganbench trains have it); the task decodes it. ``n``
    defaults to the task's evaluation sample count; ``seed`` fixes the sampling RNG. ``device``
    (``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``) is where sampling and the feature networks
    run; default: where the generator's parameters are, for samples ``auto``.
    """
    from ganbench.core.device import resolve_device

    from ganbench.domains import evaluable_metrics
    from ganbench.engine.planning import as_integer

    dev = resolve_device(device) if device is not None else None
    task = _task(task, data_dir)
    names = _names(metrics) if metrics is not None else list(task.spec.metrics)
    allowed = evaluable_metrics(task.spec)  # the task's metrics, then its domain's on-request ones (video: fvd)
    unknown = [m for m in names if m not in allowed]
    if unknown:
        raise UserError(f"{task.spec.name} has no metric {', '.join(unknown)}: choose from {', '.join(allowed)}")
    options = {"extractor": extractor} if extractor else None
    if (samples is None) == (generator is None):
        raise UserError("evaluate needs exactly one of samples=... or generator=...")
    if generator is not None:
        from ganbench.engine.evaluator import evaluate_generator

        if not callable(getattr(generator, "sample", None)):
            raise UserError(f"generator of type {type(generator).__name__} has no sample(n, rng) method; "
                            f"pass samples=... instead, or wrap it")
        count = as_integer(n, "n") if n is not None else int(task.spec.eval_samples)
        if count < 1:
            raise UserError(f"n must be at least 1, got {count}")
        return Scores(evaluate_generator(task, generator, count, seed=as_integer(seed, "seed"), metric_names=names,
                                         options=options, device=dev, validate=True))
    if n is not None:
        raise UserError(f"n={n!r} counts the samples drawn from a generator: with samples=... every sample given is "
                        f"scored; leave n out, or pass fewer samples")
    from ganbench.engine.evaluator import evaluate_samples

    return Scores(evaluate_samples(task, task.as_samples(samples), names, options,
                                   device=dev if dev is not None else resolve_device("auto")))


def run(tasks: str | Sequence[str], objectives: str | Sequence[str] = "ns", seeds: int | Sequence[int] = 0, *,
        steps: int | None = None, budget: str | None = None, overrides: Mapping[str, Any] | None = None,
        tag: str | None = None, results: str | Path = DEFAULT_RESULTS, data_dir: str | Path | None = None,
        progress: bool = False, device: str = "auto") -> list[dict]:
    """Train and evaluate every task × objective × seed, as ``ganbench run`` does, on ``device``
    (``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``), and return the run records (already
    recorded runs under the same config are reused, interrupted ones resume)."""
    from ganbench.core.config import parse_value
    from ganbench.engine.planning import Point, plan_runs
    from ganbench.engine.runner import execute, prepare

    as_list = (lambda x: list(x) if isinstance(x, Iterable) and not isinstance(x, (str, bytes)) else [x])
    if not isinstance(overrides, (Mapping, type(None))):
        raise UserError(f"overrides must be a mapping of setting: value (e.g. {{'lr_g': 1e-4}}), got "
                        f"{type(overrides).__name__}")
    sets = {str(k): parse_value(v) if isinstance(v, str) else v for k, v in (overrides or {}).items()}
    requests = plan_runs(results=results, tasks=as_list(tasks), objectives=as_list(objectives),
                         seeds=as_list(seeds), budget=budget, steps=steps, overrides=sets, points=(Point(tag=tag),),
                         data_dir=str(data_dir) if data_dir is not None else None, progress=progress,
                         device=device)
    for req in requests:  # every configuration error surfaces before the first training step
        prepare(req)
    return [execute(req).record for req in requests]


def load_results(results: str | Path = DEFAULT_RESULTS):
    """Every run record under ``results`` as a pandas DataFrame, one row per run × metric (a run
    without metrics, diverged or failed, is one row with ``metric`` None). Columns: run_id, task,
    task_version, objective, tag, seed, status, config_hash, steps, metric, value, direction, then
    how the value was computed (n_samples, reference, extractor, ... as the record gives them),
    wall_time_s, device, path. ``df.attrs["skipped"]`` lists (file, why) for every file left out (not
    a record, not of a record's shape, a copy, or one of two different records of one run), and each
    is also a :class:`~ganbench.core.records.RecordWarning`, as ``ganbench report`` warns of it."""
    import pandas as pd

    folder = Path(results)
    if not folder.is_dir():
        raise UserError(f"results folder {folder} does not exist: run `ganbench run ...` first or pass the folder")
    loaded = _load_and_warn(folder)
    rows = []
    for rec in loaded.records:
        base = {"run_id": rec["run_id"], "task": rec["task"]["name"], "task_version": str(rec["task"].get("version")),
                "objective": rec["objective"], "tag": rec.get("tag"), "seed": rec["seed"], "status": rec["status"],
                "config_hash": rec["config_hash"], "steps": (rec.get("steps") or {}).get("completed")}
        tail = {"wall_time_s": rec.get("wall_time_s"), "device": (rec.get("provenance") or {}).get("device"),
                "path": rec.get("_path")}
        metrics = rec.get("metrics") or {}
        if not metrics:
            rows.append({**base, "metric": None, "value": float("nan"), "direction": None, **tail})
        for name, m in metrics.items():
            details = {k: v for k, v in m.items() if k not in ("value", "direction")}
            rows.append({**base, "metric": name, "value": _number(m.get("value")), "direction": m.get("direction"),
                         **{k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
                            for k, v in details.items() if k not in base and k not in tail},
                         **tail})
    df = pd.DataFrame(rows)
    df.attrs["skipped"] = [(str(p), why) for p, why in loaded.problems]
    return df


def _load_and_warn(folder: Path):
    """The records of ``folder``, each file left out said as a RecordWarning (the report's warnings)."""
    import warnings

    from ganbench.core.records import RecordWarning, load_records, skip_message

    loaded = load_records(folder)
    for path, why in loaded.problems:
        warnings.warn(skip_message(path, why), RecordWarning, stacklevel=3)
    return loaded


def _number(v: Any) -> float:
    try:
        return float(v)  # 'nan' / 'inf' strings of a record parse too
    except (TypeError, ValueError):
        return float("nan")


def leaderboard(results: str | Path = DEFAULT_RESULTS, tasks: Iterable[str] | None = None) -> dict:
    """The report's tables as ``{name: DataFrame}``, one per task and protocol: the task's first
    named-protocol table (its default) under the task's name, every other under ``task · protocol``
    (``name vN`` when a task is recorded under two versions). One row per method (objective and the
    settings that differ under that protocol) in rank order, with runs, seeds, and for every metric
    column its mean and ``<column> std`` / ``<column> n``. Rows and columns are those of ``ganbench
    report`` (``df.attrs`` holds the task version, protocol, main metric and each column's direction). Each file left out is a :class:`~ganbench.core.records.RecordWarning`;
    runs left out because two different records claim them are listed in ``df.attrs["notes"]``."""
    import pandas as pd

    from ganbench.reporting.tables import build_tables, short_names

    folder = Path(results)
    if not folder.is_dir():
        raise UserError(f"results folder {folder} does not exist: run `ganbench run ...` first or pass the folder")
    loaded = _load_and_warn(folder)
    recs, excluded = loaded.records, loaded.excluded
    if tasks is not None:
        wanted = set(_names(tasks))
        recs = [r for r in recs if r["task"]["name"] in wanted]
        excluded = [r for r in excluded if r["task"]["name"] in wanted]
    tables = build_tables(recs, excluded)
    names = short_names(tables)
    out = {}
    for t in tables:
        rows = []
        for r in t.rows:
            row = {"rank": r.rank, "method": r.label, "objective": r.objective, "tag": r.tag, "runs_ok": r.n_ok,
                   "diverged": r.n_diverged, "failed": r.n_failed, "seeds": list(r.seeds), "steps": r.steps,
                   "config_hash": r.config_hash}
            for c in t.columns:
                cell = r.cells.get(c.label)
                row[c.label] = cell.mean if cell and cell.n else float("nan")
                row[f"{c.label} std"] = cell.std if cell and cell.n else float("nan")
                row[f"{c.label} n"] = cell.n if cell else 0
            rows.append(row)
        df = pd.DataFrame(rows)
        df.attrs.update(task=t.task, version=t.version, main_metric=t.main_metric, main_column=t.main_column,
                        protocol=t.protocol_name, protocol_fixes=t.protocol.describe() if t.protocol else "",
                        exploratory=t.exploratory, directions={c.label: c.direction for c in t.columns},
                        notes=list(t.notes))
        out[names[t.key]] = df
    return out
