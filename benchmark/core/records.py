"""Run records: one versioned JSON file per (task, objective, seed[, tag]), written atomically.

Every record is built by :func:`new_record` and stamped by :func:`finish_record` (the runner and
the crash recorder share them), and whether a run is already recorded is decided by
:func:`existing_run` alone (runner, sweep planner and crash recorder ask it). A record is never
overwritten silently: :func:`write_record` refuses an existing file unless told to replace it. :func:`load_records` reads a results folder and reports (rather than dies on) files
that are corrupt or not ganbench records. Layout of a results folder::

    <results>/<run_id>.json         the record
    <results>/<run_id>/             the run's folder: log.csv, evals.jsonl, checkpoint.pt, samples
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from ganbench.core.atomic import atomic_write_text

SCHEMA = "ganbench.run/1"
STATUSES = ("ok", "diverged", "failed")


def run_id(task: str, objective: str, seed: int, tag: str | None = None) -> str:
    rid = f"{task.replace('/', '-')}__{objective}__s{seed}"
    return f"{rid}__{tag}" if tag else rid


def new_record(spec, objective: str, seed: int, tag: str | None, cfg: dict, config_hash: str, *,
               error: str | None = None, completed: int | None = 0, artifacts: dict | None = None) -> dict:
    """The one shape of a run record, status ``failed`` until the runner says otherwise.

    The runner fills it in as training and evaluation succeed; a run whose process died gets it
    as is (with ``error``). Both then :func:`finish_record` it, so every record has one layout."""
    rid = run_id(spec.name, objective, seed, tag)
    return {
        "schema": SCHEMA,
        "run_id": rid,
        "task": {"name": spec.name, "version": spec.version, "reference_split": spec.reference_split,
                 "main_metric": spec.main_metric},
        "objective": objective,
        "seed": seed,
        "tag": tag,
        "config": cfg,
        "config_hash": config_hash,
        "steps": {"planned": int(cfg["steps"]), "completed": completed},
        "status": "failed",
        "diverged": None,
        "error": error,
        "metrics": {},
        "wall_time_s": None,
        "eval_time_s": None,
        "artifacts": {} if artifacts is None else dict(artifacts),
    }


def finish_record(record: dict, started: float) -> dict:
    """Stamp provenance, finish time and start time (the name of a set-aside failure) on ``record``."""
    from ganbench.core.provenance import provenance

    record["provenance"] = provenance()
    record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    record["started_unix"] = int(started)
    return record


@dataclass
class Existing:
    """What a results folder already holds for one run (see :func:`existing_run`).

    ``state``: ``absent``; ``done`` (same config and task version, not failed: skip the run);
    ``retry`` (same config, failed: run again, the failure set aside); ``conflict`` (another
    config or task version: never overwritten); ``unreadable`` (``why`` says how)."""

    state: str
    record: dict | None = None
    why: str = ""


def same_run(record: dict, config_hash: str, task_version) -> bool:
    """Whether ``record`` was made under this config hash and task version (its status aside)."""
    return record["config_hash"] == config_hash and str(record["task"]["version"]) == str(task_version)


def existing_run(path: Path, config_hash: str, task_version) -> Existing:
    """The one "is this run already recorded?" check of the runner, the sweep planner and the crash recorder."""
    path = Path(path)
    if not path.exists():
        return Existing("absent")
    try:
        rec = read_record(path)
    except ValueError as exc:
        return Existing("unreadable", None, str(exc))
    if not same_run(rec, config_hash, task_version):
        return Existing("conflict", rec, f"recorded under another config (hash {rec['config_hash']}, now {config_hash})")
    return Existing("retry" if rec["status"] == "failed" else "done", rec)


def set_aside_failure(path: Path, record: dict) -> Path:
    """Move a failed record into its run folder (``previous-failures/<started>.json``) before a retry."""
    path = Path(path)
    keep = path.parent / path.stem / "previous-failures" / f"{record.get('started_unix', 0)}.json"
    keep.parent.mkdir(parents=True, exist_ok=True)
    path.replace(keep)
    return keep


def _json_default(obj: Any):
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _sanitize(obj: Any) -> Any:
    """JSON has no NaN/inf: store them as the strings 'nan', 'inf', '-inf'."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if isinstance(obj, dict):
        return {k: _sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_sanitize(v) for v in obj]
    return obj


def write_record(path: Path, record: dict, replace: bool = False) -> None:
    if path.exists() and not replace:
        raise FileExistsError(f"record {path} exists; refusing to overwrite it")
    text = json.dumps(_sanitize(record), indent=2, sort_keys=False, default=_json_default, allow_nan=False)
    atomic_write_text(path, text + "\n")


class NotARunRecord(ValueError):
    """Valid JSON whose ``schema`` is not a run record's (``schema`` is what it says, if anything)."""

    def __init__(self, message: str, schema):
        super().__init__(message)
        self.schema = schema


def read_record(path: Path) -> dict:
    """Parse and validate one record; ValueError with the reason if it is not a ganbench record."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"corrupt JSON ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise NotARunRecord(f"not a {SCHEMA} record (schema: {found!r})", found)
    for key in ("run_id", "task", "objective", "seed", "config_hash", "status", "metrics"):
        if key not in data:
            raise ValueError(f"record lacks {key!r}")
    if data["status"] not in STATUSES:
        raise ValueError(f"unknown status {data['status']!r}")
    return data


@dataclass
class LoadedRecords:
    records: list[dict]
    problems: list[tuple[Path, str]]  # (file, why it was skipped)


def load_records(folder: Path, recursive: bool = True) -> LoadedRecords:
    folder = Path(folder)
    records, problems = [], []
    if not folder.is_dir():
        return LoadedRecords(records, problems)
    files: Iterable[Path] = sorted(folder.rglob("*.json") if recursive else folder.glob("*.json"))
    for path in files:
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if _inside_run_folder(folder, path):  # a run's own files (sample metadata, old failures)
            continue
        try:
            rec = read_record(path)
        except ValueError as exc:
            schema = getattr(exc, "schema", None)
            if isinstance(schema, str) and schema.startswith("ganbench."):  # e.g. `ganbench eval --out`
                continue
            problems.append((path, str(exc)))
            continue
        rec["_path"] = str(path)
        records.append(rec)
    return LoadedRecords(records, problems)


def _inside_run_folder(root: Path, path: Path) -> bool:
    """True if some folder between ``root`` and ``path`` is a run folder (has a sibling record)."""
    for parent in path.relative_to(root).parents:
        if str(parent) == ".":
            break
        folder = root / parent
        if (folder.parent / f"{folder.name}.json").exists():
            return True
    return False
