"""Where a command may put its output file (``report --out``, ``eval --out``) without losing anything.

A user types a path; a typo (``--out R/<run>.json``) must not cost a run record. The rule, checked
by :func:`check_replaceable` before any work starts:

* never a run record (a ``ganbench.run/*`` file, or the ``<run>.json`` beside a run folder), not even
  with ``--force``: records are only ever written by the run that owns them;
* never inside a run folder (a folder ``X`` with its record ``X.json`` beside it): a run's log,
  checkpoint and samples belong to the run;
* an existing file only when it is an earlier output of a ganbench command (a report in any format,
  an ``eval`` result: :func:`is_ganbench_output`), so the documented rebuild
  (``ganbench report --out results/LEADERBOARD.md``) keeps working, or when ``--force`` names it
  replaceable. Anything else is refused with one line saying so.

An output is recognised by how it begins (its first 4 kB), never by its name alone.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ganbench.core.errors import UserError

HEAD = 4096  # bytes read to recognise a file
RUN_SCHEMA_PREFIX = "ganbench.run/"
_MARKDOWN = re.compile(r"#\s+ganbench\b")  # "# ganbench leaderboard"
_HTML = re.compile(r"<title>\s*ganbench\b", re.IGNORECASE)
_JSON_TABLES = re.compile(r"\{\s*\"tables\"\s*:")  # report --format json
_JSON_SCHEMA = re.compile(r"\{\s*\"schema\"\s*:\s*\"(ganbench\.[A-Za-z0-9_.-]+/[0-9]+)\"")  # eval --out, sensitivity
_CSV = re.compile(r"task,")  # report --format csv: the header names the task first


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(HEAD).decode("utf-8", errors="replace").lstrip("\ufeff")
    except OSError:
        return ""


RUN_FILES = ("checkpoint.pt", "log.csv", "run.lock")  # what a run folder holds before its record is written


def is_run_record(path: str | Path) -> bool:
    """Whether ``path`` is a run record (a JSON file whose ``schema`` is a run record's) or the place
    of one: the ``<run>.json`` beside a run folder that holds a run's files (an unfinished run)."""
    path = Path(path)
    if path.suffix == ".json" and any((path.with_suffix("") / name).exists() for name in RUN_FILES):
        return True
    if not path.is_file():
        return False
    found = _JSON_SCHEMA.match(_head(path).lstrip())
    if found:
        return found.group(1).startswith(RUN_SCHEMA_PREFIX)
    from ganbench.core.schema import MAX_RECORD_BYTES

    try:  # a record whose "schema" is not its first key (rewritten by another tool)
        if path.stat().st_size > MAX_RECORD_BYTES:
            return False
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and str(data.get("schema", "")).startswith(RUN_SCHEMA_PREFIX)


def run_folder_of(path: str | Path) -> Path | None:
    """The run folder ``path`` lies in (or is), or None: a folder whose record sits beside it."""
    probe = Path(os.path.abspath(path))
    for folder in (probe, *probe.parents):
        if folder.parent == folder:
            break
        record = folder.parent / f"{folder.name}.json"
        if folder.is_dir() and record.is_file() and is_run_record(record):
            return folder
    return None


def is_ganbench_output(path: str | Path) -> bool:
    """Whether ``path`` begins as an output of ``ganbench report`` (Markdown, HTML, CSV, JSON) or of
    ``ganbench eval --out`` does: a file the same commands may write again."""
    head = _head(Path(path)).lstrip()
    if _MARKDOWN.match(head) or _CSV.match(head) or _JSON_TABLES.match(head):
        return True
    if head[:200].lower().startswith(("<!doctype html", "<html")) and _HTML.search(head):
        return True
    found = _JSON_SCHEMA.match(head)
    return bool(found) and not found.group(1).startswith(RUN_SCHEMA_PREFIX)


def check_replaceable(path: str | Path, what: str, force: bool = False) -> Path:
    """``path`` if a command may write its output there (module docstring); else a one-line UserError."""
    path = Path(path)
    folder = run_folder_of(path.parent if not path.is_dir() else path)
    if folder is not None:
        raise UserError(f"{what} {path} is inside the run folder {folder}: a run's folder holds only what the run "
                        f"writes; choose a path outside it")
    if is_run_record(path):
        raise UserError(f"{what} {path} is a run record: not overwriting it (not even with --force); "
                        f"choose another file")
    if path.exists() and not path.is_dir() and not force and not is_ganbench_output(path):
        raise UserError(f"{what} {path} exists and is not an earlier ganbench output: not overwriting it; "
                        f"choose another file, or pass --force to replace it")
    return path
