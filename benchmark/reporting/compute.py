"""Equal compute: each task's main metric against training steps and wall-clock seconds, per
method, so a method that wins only by training longer or slower is visible.

The points of a run are its periodic evaluations (``evals.jsonl``: ``{"step": s, metric: v}``,
written every ``eval_every`` steps) and its final evaluation (the record's metric at the steps
it completed). Seconds: a periodic evaluation that carries no time (``evals.jsonl`` has none
today) is placed at step × the run's seconds per step, ``wall_time_s / steps completed`` (the
training loop's time, periodic evaluations included, on the hardware the task's table names).
The matched-compute columns give each method's metric at the last evaluation at or before the
smallest budget any method of the task had (its step count; its slowest finished run's training
seconds): what the method had reached when the cheapest method stopped.

A run that loaded a phase another run computed (the MLE pre-training of SeqGAN, ORGAN and the
relaxed losses, shared through snapshots: its training log says so at step 0) did not pay for that
phase, so its seconds understate what the method costs from scratch; such runs are counted per
method and the reports mark their seconds.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from ganbench.core.records import SHARED_PHASE_LOG_KEY
from ganbench.reporting.plots import read_evals

TIME_KEYS = ("seconds", "wall_time_s", "time_s")  # a periodic evaluation's own time, if a trainer records one


@dataclass
class RunCurve:
    label: str
    seed: int
    status: str
    steps: int | None  # completed
    seconds: float | None  # training wall time
    points: list[tuple[int, float | None, float]] = field(default_factory=list)  # (step, seconds, value)
    estimated: bool = False  # some point's seconds are step × seconds per step
    shared_phase: bool = False  # loaded a pre-training phase another run computed: its seconds leave it out

    @property
    def sec_per_step(self) -> float | None:
        return self.seconds / self.steps if self.seconds and self.steps else None

    def at(self, budget: float, axis: int) -> float | None:
        """Value of the last point at or before ``budget`` on axis 0 (steps) or 1 (seconds)."""
        before = [p for p in self.points if p[axis] is not None and p[axis] <= budget * (1 + 1e-9)]
        return max(before, key=lambda p: p[axis])[2] if before else None


@dataclass
class MethodCompute:
    label: str
    runs: list[RunCurve]

    def _mean(self, xs) -> float | None:
        xs = [x for x in xs if x is not None and math.isfinite(x)]
        return sum(xs) / len(xs) if xs else None

    @property
    def steps(self) -> int | None:
        """The method's step budget: the most any of its runs completed (a diverged run stops early)."""
        done = [r.steps for r in self.runs if r.steps]
        return max(done) if done else None

    def _ok(self) -> list[RunCurve]:
        return [r for r in self.runs if r.status == "ok"] or self.runs

    @property
    def seconds(self) -> float | None:
        """Mean training seconds of its finished runs (of all its runs when none finished)."""
        return self._mean(r.seconds for r in self._ok())

    @property
    def budget_seconds(self) -> float | None:
        """The method's time budget: its slowest finished run (every finished run fits in it)."""
        done = [r.seconds for r in self._ok() if r.seconds is not None]
        return max(done) if done else None

    @property
    def sec_per_step(self) -> float | None:
        return self._mean(r.sec_per_step for r in self.runs)

    def at(self, budget: float | None, axis: int) -> tuple[float | None, int]:
        """(mean over runs with a point there, how many runs have one)."""
        if budget is None:
            return None, 0
        vals = [v for v in (r.at(budget, axis) for r in self.runs) if v is not None]
        return (sum(vals) / len(vals) if vals else None), len(vals)

    @property
    def shared_phase_runs(self) -> int:
        """How many of its runs loaded a pre-training phase another run computed (seconds without it)."""
        return sum(r.shared_phase for r in self.runs)

    def final(self) -> tuple[float | None, int]:
        vals = [r.points[-1][2] for r in self.runs if r.status == "ok" and r.points and r.points[-1][0] == r.steps]
        return (sum(vals) / len(vals) if vals else None), len(vals)


@dataclass
class TaskCompute:
    task: str
    version: str
    metric: str
    direction: str
    methods: list[MethodCompute]
    matched_steps: float | None  # the smallest step budget among the methods
    matched_seconds: float | None  # the smallest time budget among the methods (each one's slowest finished run)
    periodic: int = 0  # periodic evaluation points read
    estimated: bool = False  # some seconds are estimated from seconds per step
    key: str = ""  # the table's key (task, version, protocol)

    @property
    def shared_phase(self) -> bool:
        return any(m.shared_phase_runs for m in self.methods)


def artifact_path(rec: dict, rel: str) -> Path | None:
    """A record's artifact, only inside the folder that holds the record (a record is user data)."""
    base = Path(rec.get("_path", ".")).parent
    p = (base / rel).resolve()
    try:
        p.relative_to(base.resolve())
    except ValueError:
        return None
    return p if p.is_file() else None


def _number(v) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def loaded_shared_phase(rec: dict) -> bool:
    """Whether the run's training log says it loaded a phase another run computed (first row)."""
    rel = (rec.get("artifacts") or {}).get("log")
    path = artifact_path(rec, rel) if isinstance(rel, str) else None
    if path is None:
        return False
    try:
        with open(path, newline="", encoding="utf-8") as f:
            first = next(csv.DictReader(f), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return bool(first) and _number(first.get(SHARED_PHASE_LOG_KEY)) == 1.0


def run_curve(label: str, rec: dict, metric: str, signature: tuple | None) -> RunCurve:
    from ganbench.reporting.comparability import metric_key

    steps = _number((rec.get("steps") or {}).get("completed")) if isinstance(rec.get("steps"), dict) else None
    if steps is None and rec.get("status") == "ok":  # a record from before steps were recorded ran them all
        steps = _number((rec.get("config") or {}).get("steps"))
    curve = RunCurve(label, rec.get("seed", 0), rec.get("status", ""), int(steps) if steps else None,
                     _number(rec.get("wall_time_s")), shared_phase=loaded_shared_phase(rec))
    sps = curve.sec_per_step
    rel = (rec.get("artifacts") or {}).get("evals")
    path = artifact_path(rec, rel) if isinstance(rel, str) else None
    for row in read_evals(path) if path else []:
        step, value = _number(row.get("step")), _number(row.get(metric))
        if step is None or value is None:
            continue
        own = next((_number(row[k]) for k in TIME_KEYS if k in row), None)
        if own is None and sps is not None:
            curve.estimated = True
        curve.points.append((int(step), own if own is not None else (step * sps if sps is not None else None), value))
    m = (rec.get("metrics") or {}).get(metric)
    if rec.get("status") == "ok" and isinstance(m, dict) and curve.steps and (signature is None or metric_key(m) == signature):
        value = _number(m.get("value"))
        if value is not None:
            curve.points.append((curve.steps, curve.seconds, value))
    curve.points.sort(key=lambda p: p[0])
    return curve


def equal_compute(table, records: list[dict]) -> TaskCompute:
    """The compute view of one :class:`~ganbench.reporting.tables.TaskTable` from its records."""
    col = next((c for c in table.columns if c.label == table.main_column), None)
    direction = col.direction if col else "max"
    labels = {(r.objective, r.tag or None, r.config_hash): r.label for r in table.rows}
    by_label: dict[str, list[RunCurve]] = {r.label: [] for r in table.rows}
    periodic = 0
    for rec in sorted(records, key=lambda r: r.get("seed", 0)):
        label = labels.get((rec["objective"], rec.get("tag") or None, rec["config_hash"]))
        if label is None or rec.get("status") == "failed":
            continue
        curve = run_curve(label, rec, table.main_metric, col.signature if col else None)
        periodic += sum(1 for p in curve.points if not (p[0] == curve.steps and rec.get("status") == "ok"))
        by_label[label].append(curve)
    methods = [MethodCompute(label, runs) for label, runs in by_label.items() if runs]
    budgets = [m.steps for m in methods if m.steps]
    seconds = [m.budget_seconds for m in methods if m.budget_seconds]
    return TaskCompute(table.task, table.version, table.main_metric, direction, methods,
                       min(budgets) if budgets else None, min(seconds) if seconds else None, periodic,
                       any(r.estimated for m in methods for r in m.runs), getattr(table, "key", ""))
