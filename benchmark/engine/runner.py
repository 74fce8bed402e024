"""One run end to end: resolve the config, train (or resume), evaluate, write the record.

The record is the only thing a report reads. A record that exists under the same config is
reused (the run is skipped); one under a different config is never overwritten — the user gets a
one-line error and the ``--tag`` that keeps both. Exceptions during training become a *failed*
record with the error, so one broken run does not stop a benchmark; errors in the user's input
(:class:`UserError`) are raised before anything is written.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganbench.core import config as config_mod
from ganbench.core.errors import UserError
from ganbench.engine.evaluator import evaluate_generator
from ganbench.objectives import build_objective
from ganbench.core.records import existing_run, finish_record, new_record, run_id, set_aside_failure, write_record
from ganbench.engine.planning import RunRequest  # noqa: F401  (built by the planner; imported from here by callers)


@dataclass
class RunOutcome:
    record_path: Path
    record: dict
    action: str  # "ran" | "resumed" | "skipped"


@dataclass
class ResolvedRun:
    """A request with its task, objective and resolved config, and where its record goes."""

    task: Any
    objective: Any
    cfg: dict
    run_id: str
    record_path: Path
    config_hash: str

    def existing(self):
        """What the results folder already holds for this run (:func:`~ganbench.core.records.existing_run`)."""
        return existing_run(self.record_path, self.config_hash, self.task.spec.version)

    def new_record(self, req: RunRequest, **fields) -> dict:
        record = new_record(self.task.spec, self.objective.name, req.seed, req.tag, self.cfg, self.config_hash, **fields)
        defaults = config_mod.resolve(self.task.spec, self.objective, budget=req.budget)
        record["variant"] = config_mod.variant(self.cfg, defaults)
        return record


def load_task(name: str, data_dir: str | None = None):
    from ganbench.tasks import TASKS

    return TASKS.get(name)(data_dir=data_dir)


def prepare(req: RunRequest):
    """Task, objective and resolved config for a request; all user errors surface here."""
    task = load_task(req.task, req.data_dir)
    objective = build_objective(req.objective)
    cfg = config_mod.resolve(task.spec, objective, req.overrides, steps=req.steps, budget=req.budget)
    objective.check(task, cfg)
    return task, objective, cfg


def resolve(req: RunRequest) -> ResolvedRun:
    """:func:`prepare` plus the run's id, record path and config hash."""
    task, objective, cfg = prepare(req)
    rid = run_id(task.spec.name, objective.name, req.seed, req.tag)
    return ResolvedRun(task, objective, cfg, rid, Path(req.results) / f"{rid}.json", config_mod.config_hash(cfg))


def _periodic_evaluator(task, seed: int):
    def evaluate(G, step: int) -> dict:
        values = evaluate_generator(task, G, task.spec.eval_samples, seed=10_000 + seed)
        return {name: v.value for name, v in values.items()}

    return evaluate


def execute(req: RunRequest) -> RunOutcome:
    run = resolve(req)
    task, objective, cfg, rid, record_path = run.task, run.objective, run.cfg, run.run_id, run.record_path
    found = run.existing()
    if found.state == "unreadable":
        raise UserError(f"{record_path} is not a readable record ({found.why}); move it away to re-run")
    if found.state == "done":
        return RunOutcome(record_path, found.record, "skipped")
    if found.state == "conflict":
        raise UserError(
            f"{record_path} holds a run under another config (hash {found.record['config_hash']}, now {run.config_hash}): "
            f"not overwriting it; pass --tag NAME to record this variant beside it"
        )
    if found.state == "retry":  # keep the failed record inside the run folder
        set_aside_failure(record_path, found.record)
    run_dir = Path(req.results) / rid
    started = time.time()
    record = run.new_record(req, artifacts={"log": f"{rid}/log.csv"})
    action = "resumed" if (run_dir / "checkpoint.pt").exists() else "ran"
    from ganbench.engine.trainer import train

    try:
        result = train(task, objective, cfg, req.seed, run_dir, progress=req.progress,
                       evaluate=_periodic_evaluator(task, req.seed))
        record["steps"]["completed"] = result.steps_completed
        record["wall_time_s"] = round(result.wall_time_s, 3)
        if result.resumed_from is not None:
            record["resumed_from_step"] = result.resumed_from
        if result.status == "diverged":
            record["status"] = "diverged"
            record["diverged"] = result.diverged
        else:
            t_eval = time.perf_counter()
            values = evaluate_generator(task, result.G, task.spec.eval_samples, seed=req.seed)
            record["eval_time_s"] = round(time.perf_counter() - t_eval, 3)
            record["metrics"] = {k: v.to_json() for k, v in values.items()}
            record["status"] = "ok"
            record["artifacts"].update(task.save_artifacts(result.G, run_dir, rid) or {})
        if (run_dir / "evals.jsonl").exists():
            record["artifacts"]["evals"] = f"{rid}/evals.jsonl"
    except UserError:
        raise
    except Exception as exc:  # a crash in training or evaluation is a result: record it
        record["status"] = "failed"
        record["error"] = f"{exc.__class__.__name__}: {exc}"
        record["traceback"] = traceback.format_exc(limit=8)
    write_record(record_path, finish_record(record, started))
    return RunOutcome(record_path, record, action)
