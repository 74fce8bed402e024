"""One run end to end: resolve the config, train (or resume), evaluate, write the record.

The record is the only thing a report reads. A record that exists under the same config is
reused (the run is skipped); one under a different config is never overwritten — the user gets a
one-line error naming what differs and the ``--tag`` that keeps both. Exceptions during training
become a *failed* record with the error, so one broken run does not stop a benchmark; errors in
the user's input (:class:`UserError`) are raised before anything is written, and so are the
machine's (an OSError: a full disk, a read-only folder), which are never recorded as the method's
failure. A failed record that a retry replaces stays in place until the new one is written.

One process per run: the run trains and writes its record holding the lock of its folder
(:class:`~ganbench.engine.runlock.RunLock`); a second launch of the same run exits with a
one-line error naming the holder, and re-checks the record once it holds the lock, so a run
recorded meanwhile is skipped, not trained twice.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganbench.core import config as config_mod
from ganbench.core.atomic import StorageError
from ganbench.core.device import resolve_device
from ganbench.core.errors import UserError
from ganbench.core.paths import ensure_inside, refuse_links
from ganbench.engine.evaluator import evaluate_generator
from ganbench.objectives import build_objective
from ganbench.remedies import compose
from ganbench.core.records import (MAX_ERROR_CHARS, MAX_TRACEBACK_CHARS, Existing, bounded_text, existing_run,
                                   finish_record, new_record, run_id, set_aside_failure, write_record)
from ganbench.engine.runlock import RunLock
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
    run_dir: Path
    seed: int
    tag: str | None

    def existing(self) -> Existing:
        """What the results folder already holds for this run (:func:`~ganbench.core.records.existing_run`),
        a ``conflict`` also when the record there is another run's (a copied file), and the ``why``
        of a conflict names what differs."""
        found = existing_run(self.record_path, self.config_hash, self.task.spec.version)
        if found.record is None:
            return found
        other = self.other_run(found.record)
        if other:
            return Existing("conflict", found.record, f"the record of another run ({other})")
        if found.state == "conflict":
            return Existing("conflict", found.record, f"recorded under another config ({self.difference(found.record)})")
        return found

    def other_run(self, record: dict) -> str:
        """What makes ``record`` another run's than this one ('' if it is this run's)."""
        rec_task = record["task"].get("name") if isinstance(record.get("task"), dict) else record.get("task")
        mine = {"task": self.task.spec.name, "objective": self.objective.name, "seed": self.seed, "tag": self.tag}
        theirs = {"task": rec_task, "objective": record.get("objective"), "seed": record.get("seed"), "tag": record.get("tag")}
        return ", ".join(f"{k} {theirs[k]!r}, not {mine[k]!r}" if isinstance(mine[k], str) or mine[k] is None
                         else f"{k} {theirs[k]}, not {mine[k]}" for k in mine if theirs[k] != mine[k])

    def difference(self, record: dict) -> str:
        """The real difference between ``record`` and this run: the task version, then the settings
        whose values differ (``lr_g 0.0002 -> 0.001``); the hashes only if nothing else shows."""
        parts = []
        version = record["task"].get("version")
        if str(version) != str(self.task.spec.version):
            parts.append(f"task version {version}, now {self.task.spec.version}")
        if record.get("config_hash") != self.config_hash:
            old = record.get("config") if isinstance(record.get("config"), dict) else {}
            changed = [k for k in sorted(set(old) | set(self.cfg))
                       if k not in config_mod.NON_SEMANTIC and old.get(k, "(unset)") != self.cfg.get(k, "(unset)")]
            shown = [f"{k} {old.get(k, '(unset)')} -> {self.cfg.get(k, '(unset)')}" for k in changed[:4]]
            if len(changed) > 4:
                shown.append(f"{len(changed) - 4} more")
            identity = getattr(self.task, "data_identity", None)
            if identity is not None and record.get("data") != (identity(self.cfg) or None):
                shown.append("the data files changed")
            parts.append(", ".join(shown) or f"config hash {record.get('config_hash')}, now {self.config_hash}")
        return "; ".join(parts)

    def new_record(self, req: RunRequest, **fields) -> dict:
        record = new_record(self.task.spec, self.objective.name, req.seed, req.tag, self.cfg, self.config_hash, **fields)
        # the same budget (or bare --steps) without --set: a budget's own settings are not a variant
        defaults = config_mod.resolve(self.task.spec, self.objective, budget=req.budget, steps=req.steps)
        record["variant"] = config_mod.variant(self.cfg, defaults)
        if data := self.task.data_identity(self.cfg):  # the user files' checksums in its hash
            record["data"] = data
        if self.objective.needs_continuous and (relaxed := self.task.relaxation(self.cfg)):
            record["relaxation"] = relaxed  # which relaxation a discrete task's adversarial run trained through
        return record


def load_task(name: str, data_dir: str | None = None):
    from ganbench.tasks import TASKS

    return TASKS.get(name)(data_dir=data_dir)


def prepare(req: RunRequest):
    """Task, objective and resolved config for a request; all user errors surface here."""
    resolve_device(getattr(req, "device", "auto"))  # a device that is not here fails now, in one line
    task = load_task(req.task, req.data_dir)
    objective = build_objective(req.objective)
    cfg = config_mod.resolve(task.spec, objective, req.overrides, steps=req.steps, budget=req.budget)
    objective.check(task, cfg)
    compose(cfg).check(task, objective, cfg)  # a remedy that does not fit the task or objective fails now
    return task, objective, cfg


def resolve(req: RunRequest) -> ResolvedRun:
    """:func:`prepare` plus the run's id, record path, folder and config hash (both paths checked to
    lie inside the results folder)."""
    task, objective, cfg = prepare(req)
    rid = run_id(task.spec.name, objective.name, req.seed, req.tag)
    results = Path(req.results)
    record_path, run_dir = ensure_inside(results, results / f"{rid}.json"), ensure_inside(results, results / rid)
    refuse_links(record_path, run_dir)  # a run never writes through a link
    return ResolvedRun(task, objective, cfg, rid, record_path, config_mod.config_hash(cfg, task.data_identity(cfg)),
                       run_dir, req.seed, req.tag)


def _periodic_evaluator(task, seed: int):
    def evaluate(G, step: int) -> dict:
        values = evaluate_generator(task, G, task.spec.eval_samples, seed=10_000 + seed)
        return {name: v.value for name, v in values.items()}

    return evaluate


def _refuse(run: ResolvedRun, found: Existing) -> None:
    if found.state == "unreadable":
        raise UserError(f"{run.record_path} is not a readable record ({found.why}); move it away to re-run")
    if found.state == "conflict":
        raise UserError(f"{run.record_path} is {found.why}: not overwriting it; "
                        f"move it away, or pass --tag NAME to record this run beside it")


def execute(req: RunRequest) -> RunOutcome:
    run = resolve(req)
    found = run.existing()
    if found.state == "done":  # reading only: no lock needed
        return RunOutcome(run.record_path, found.record, "skipped")
    _refuse(run, found)
    with RunLock(run.run_dir, run.run_id):
        found = run.existing()  # recorded by another process since the first look?
        if found.state == "done":
            return RunOutcome(run.record_path, found.record, "skipped")
        _refuse(run, found)
        return _train_and_record(run, req, found)


def _train_and_record(run: ResolvedRun, req: RunRequest, found: Existing) -> RunOutcome:
    task, objective, cfg, rid, record_path, run_dir = run.task, run.objective, run.cfg, run.run_id, run.record_path, run.run_dir
    started = time.time()
    record = run.new_record(req, artifacts={"log": f"{rid}/log.csv"})
    device = resolve_device(getattr(req, "device", "auto"))
    action = "resumed" if (run_dir / "checkpoint.pt").exists() else "ran"
    from ganbench.engine.trainer import train

    try:
        result = train(task, objective, cfg, req.seed, run_dir, progress=req.progress,
                       evaluate=_periodic_evaluator(task, req.seed), device=device, tag=req.tag)
        record["steps"]["completed"] = result.steps_completed
        record["wall_time_s"] = round(result.wall_time_s, 3)
        if result.resumed_from is not None:
            record["resumed_from_step"] = result.resumed_from
        if result.status == "diverged":
            record["status"] = "diverged"
            record["diverged"] = result.diverged
        else:
            t_eval = time.perf_counter()
            values = evaluate_generator(task, result.G, task.spec.eval_samples, seed=req.seed, device=device)
            record["eval_time_s"] = round(time.perf_counter() - t_eval, 3)
            record["metrics"] = {k: v.to_json() for k, v in values.items()}
            record["status"] = "ok"
            record["artifacts"].update(task.save_artifacts(result.G, run_dir, rid) or {})
        if (run_dir / "evals.jsonl").exists():
            record["artifacts"]["evals"] = f"{rid}/evals.jsonl"
    except UserError:
        raise
    except OSError as exc:  # the machine (a full disk, permissions), not the method: never a "failed" record
        raise StorageError.from_os_error(exc, exc.filename or f"a file in {run_dir}", "cannot write or read") from exc
    except (Exception, SystemExit) as exc:  # a crash in training or evaluation is a result: record it
        if out_of_memory(exc):  # ... unless it is this machine's memory, not the method
            raise UserError(f"{rid}: not enough memory for this run here ({_first_line(exc)}); lower batch_size or the "
                            f"net sizes (g_hidden, d_hidden, g_ch, ...), or run it on a bigger machine; nothing was "
                            f"recorded") from exc
        record["status"] = "failed"
        # a plugin's objective or net that calls sys.exit() ends its run, not the command
        why = f"called sys.exit({exc.code!r})" if isinstance(exc, SystemExit) else str(exc)
        record["error"] = bounded_text(f"{exc.__class__.__name__}: {why}", MAX_ERROR_CHARS)
        record["traceback"] = bounded_text(traceback.format_exc(limit=8), MAX_TRACEBACK_CHARS)
    _write_replacing(record_path, finish_record(record, started, device=device, amp=cfg.get("amp", "fp32"),
                                                 deterministic=True if cfg.get("deterministic") else None), found)
    return RunOutcome(record_path, record, action)


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says an allocation failed (host or device memory): a limit of the machine the
    run was given, which says nothing about the method, so it is never recorded as a result."""
    if isinstance(exc, MemoryError) or exc.__class__.__name__ == "OutOfMemoryError":
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and any(
        sign in text for sign in ("DefaultCPUAllocator", "can't allocate memory", "not enough memory", "out of memory"))


def _first_line(exc: BaseException, limit: int = 200) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else exc.__class__.__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_replacing(record_path: Path, record: dict, found: Existing) -> None:
    """Write the record; a failed one it replaces goes to the run folder (``previous-failures/``)
    only now, and comes back if the new one cannot be written: nothing recorded is lost."""
    kept = set_aside_failure(record_path, found.record) if found.state == "retry" else None
    try:
        write_record(record_path, record)
    except BaseException:
        if kept is not None and not record_path.exists():
            kept.replace(record_path)
            try:
                kept.parent.rmdir()  # the previous-failures folder made for it, if now empty
            except OSError:
                pass
        raise
