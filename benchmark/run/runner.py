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
from typing import Any, Mapping

from ganbench.core import config as config_mod
from ganbench.core.errors import UserError
from ganbench.run.evaluator import evaluate_generator
from ganbench.objectives import build_objective
from ganbench.core.provenance import provenance
from ganbench.core.records import SCHEMA, read_record, run_id, write_record


@dataclass
class RunRequest:
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


@dataclass
class RunOutcome:
    record_path: Path
    record: dict
    action: str  # "ran" | "resumed" | "skipped"


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


def _periodic_evaluator(task, seed: int):
    def evaluate(G, step: int) -> dict:
        values = evaluate_generator(task, G, task.spec.eval_samples, seed=10_000 + seed)
        return {name: v.value for name, v in values.items()}

    return evaluate


def execute(req: RunRequest) -> RunOutcome:
    task, objective, cfg = prepare(req)
    rid = run_id(task.spec.name, objective.name, req.seed, req.tag)
    results = Path(req.results)
    record_path = results / f"{rid}.json"
    chash = config_mod.config_hash(cfg)
    if record_path.exists():
        try:
            existing = read_record(record_path)
        except ValueError as exc:
            raise UserError(f"{record_path} is not a readable record ({exc}); move it away to re-run") from None
        same = existing["config_hash"] == chash and existing["task"]["version"] == task.spec.version
        if same and existing["status"] != "failed":
            return RunOutcome(record_path, existing, "skipped")
        if same:  # retry a failed run; keep the failed record inside the run folder
            keep = results / rid / "previous-failures" / f"{existing.get('started_unix', 0)}.json"
            keep.parent.mkdir(parents=True, exist_ok=True)
            record_path.replace(keep)
        else:
            raise UserError(
                f"{record_path} holds a run under another config (hash {existing['config_hash']}, now {chash}): "
                f"not overwriting it; pass --tag NAME to record this variant beside it"
            )
    run_dir = results / rid
    started = time.time()
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "run_id": rid,
        "task": {"name": task.spec.name, "version": task.spec.version, "reference_split": task.spec.reference_split,
                 "main_metric": task.spec.main_metric},
        "objective": objective.name,
        "seed": req.seed,
        "tag": req.tag,
        "config": cfg,
        "config_hash": chash,
        "steps": {"planned": int(cfg["steps"]), "completed": 0},
        "status": "failed",
        "diverged": None,
        "error": None,
        "metrics": {},
        "wall_time_s": None,
        "eval_time_s": None,
        "artifacts": {"log": f"{rid}/log.csv"},
    }
    action = "resumed" if (run_dir / "checkpoint.pt").exists() else "ran"
    from ganbench.run.trainer import train

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
    record["provenance"] = provenance()
    record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    record["started_unix"] = int(started)
    write_record(record_path, record)
    return RunOutcome(record_path, record, action)
