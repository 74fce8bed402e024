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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from ganbench.core.atomic import atomic_write_text
from ganbench.core.schema import MAX_RECORD_BYTES, RUN_FAMILY, RUN_SCHEMA as SCHEMA, got, short, validate

# Where `ganbench run`/`sweep`/`report`/`sensitivity` and the API keep run records unless told
# otherwise: a git-ignored folder of the working directory, outside the committed results/ tree, so
# that a user's own runs never change what the committed leaderboards show (those are rebuilt with
# an explicit `--results results`, see the README).
DEFAULT_RESULTS = "runs"
# A column of a run's log.csv, 1 at step 0 when the run loaded a phase another run computed (the MLE
# pre-training shared through snapshots): its training seconds leave that phase out, which the
# equal-compute view reports. Here, not beside the snapshots, so that reading it needs no torch.
SHARED_PHASE_LOG_KEY = "mle_snapshot_loaded"


def run_id(task: str, objective: str, seed: int, tag: str | None = None) -> str:
    """The name of a run's record and folder: ``toy-ring8__ns__s0`` or ``toy-ring8__ns__s0__TAG``.

    Built from file-safe components (:mod:`ganbench.core.paths`): the task's first ``/`` is
    written ``-``, anything unsafe in a name or tag is percent-encoded (``--tag a/b`` ->
    ``__a%2Fb``), so no run id is a path, and two different runs never share one. An empty tag
    or a run id too long for a file name is a UserError saying to shorten the tag."""
    from ganbench.core.paths import check_run_id, inner_component, safe_component, task_component

    rid = f"{task_component(task)}__{inner_component(objective, 'objective name')}__s{int(seed)}"
    return check_run_id(rid if tag is None else f"{rid}__{safe_component(tag, 'tag')}")


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


def finish_record(record: dict, started: float, device=None, amp: str | None = "fp32",
                  deterministic: bool | None = None) -> dict:
    """Stamp provenance (on what ``device``, in what precision ``amp``, whether deterministic), finish
    time and start time (the name of a set-aside failure) on ``record``."""
    from ganbench.core.provenance import provenance

    record["provenance"] = provenance(device, amp=amp, deterministic=deterministic)
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


MAX_ERROR_CHARS = 2000  # a failed record's "error": what a person reads in a table note
MAX_TRACEBACK_CHARS = 8000  # its "traceback": the last frames say where


def bounded_text(text: str, limit: int) -> str:
    """``text`` whole if it has at most ``limit`` characters, else its start and its end with the
    number of characters cut between them: an exception that quotes a 60 MB input must not make a
    60 MB record (and a 126 MB report)."""
    text = str(text)
    if len(text) <= limit:
        return text
    keep = max(0, limit - 60)
    head, tail = text[: keep * 3 // 4], text[len(text) - keep // 4:] if keep // 4 else ""
    return f"{head} … ({len(text) - len(head) - len(tail):,} characters cut) … {tail}"


def write_record(path: Path, record: dict, replace: bool = False) -> None:
    """Write ``record`` to ``path`` atomically; an existing record is replaced only if asked.

    An error message and traceback longer than :data:`MAX_ERROR_CHARS` / :data:`MAX_TRACEBACK_CHARS`
    are cut (:func:`bounded_text`). An OS error (a full disk, a read-only folder) is a one-line
    :class:`~ganbench.core.atomic.StorageError` naming ``path``, and ``path`` keeps what it held."""
    for key, limit in (("error", MAX_ERROR_CHARS), ("traceback", MAX_TRACEBACK_CHARS)):
        if isinstance(record.get(key), str):
            record[key] = bounded_text(record[key], limit)
    if path.exists() and not replace:
        from ganbench.core.atomic import StorageError

        raise StorageError(f"record {path} appeared while this run was working (another process wrote it): "
                           f"not overwriting it; run the same command again to use it")
    text = json.dumps(_sanitize(record), indent=2, sort_keys=False, default=_json_default, allow_nan=False)
    atomic_write_text(path, text + "\n")


class NotARunRecord(ValueError):
    """Valid JSON whose ``schema`` is not a run record's (``schema`` is what it says, if anything)."""

    def __init__(self, message: str, schema):
        super().__init__(message)
        self.schema = schema


def read_record(path: Path) -> dict:
    """Parse and validate one record; ValueError with the reason if it is not a usable ganbench record.

    Only a regular file is read (a FIFO named ``*.json`` would block, a device never end); the JSON
    must be a ``ganbench.run/1`` object (:class:`NotARunRecord` otherwise, :class:`NewerRecord` for
    one of a later version) whose fields have the types every reader relies on (the table of
    :mod:`ganbench.core.schema`): the reason names the first field that does not, so that a bad
    record costs one warning instead of a traceback in the middle of a report or a run."""
    data = _parse_json(_read_regular_file(Path(path)))
    if not isinstance(data, dict):
        raise NotARunRecord(f"not a {SCHEMA} record (a JSON {got(data)}, not an object)", type(data).__name__)
    found = data.get("schema")
    if found != SCHEMA:
        raise _schema_problem(found)
    wrong = validate(data)
    if wrong:
        raise ValueError(wrong)
    for key, limit in (("error", MAX_ERROR_CHARS), ("traceback", MAX_TRACEBACK_CHARS)):  # a record of an older
        if isinstance(data.get(key), str):  # ganbench may hold a 60 MB message: no report repeats it whole
            data[key] = bounded_text(data[key], limit)
    return data


@dataclass
class LoadedRecords:
    """What a results folder holds for a report.

    ``records``: the records to use, one per run. ``problems``: (file, why) for every file left out,
    each said once (``ganbench report`` prints them as warnings). ``excluded``: valid records left
    out because another, different record claims the same run (task, task version, method, config,
    seed): a report names them under the table instead of averaging either."""

    records: list[dict]
    problems: list[tuple[Path, str]]  # (file, why it was skipped)
    excluded: list[dict] = field(default_factory=list)


def load_records(folder: Path, recursive: bool = True) -> LoadedRecords:
    """Every usable run record under ``folder`` (sorted by path), and why each other file is not.

    No content of the folder can stop a report or change it silently: a file that is not a regular
    file, not JSON, not of the record's shape, or a run record of a newer ganbench is skipped with
    one reason; other ``ganbench.*`` files (``ganbench eval --out``), ganbench's own JSON reports and
    a run's own folder are passed over in silence; a copy of a record counts once and two different records of one run
    are both excluded (:func:`_one_record_per_run`)."""
    folder = Path(folder)
    found, problems = [], []
    if not folder.is_dir():
        return LoadedRecords(found, problems)
    files: Iterable[Path] = sorted(folder.rglob("*.json") if recursive else folder.glob("*.json"))
    for path in files:
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if _inside_run_folder(folder, path):  # a run's own files (sample metadata, old failures)
            continue
        try:
            rec = read_record(path)
        except NotARunRecord as exc:
            if isinstance(exc.schema, str) and exc.schema.startswith("ganbench."):  # e.g. `ganbench eval --out`
                continue
            from ganbench.core.outputs import is_ganbench_output

            if is_ganbench_output(path):  # `ganbench report --format json --out <results>/board.json`
                continue
            problems.append((path, str(exc)))
            continue
        except ValueError as exc:
            problems.append((path, str(exc)))
            continue
        rec["_path"] = str(path)
        found.append(rec)
    records, excluded, repeats = _one_record_per_run(found)
    return LoadedRecords(records, problems + repeats, excluded)


def _inside_run_folder(root: Path, path: Path) -> bool:
    """True if some folder between ``root`` and ``path`` is a run folder (has a sibling record)."""
    for parent in path.relative_to(root).parents:
        if str(parent) == ".":
            break
        folder = root / parent
        if (folder.parent / f"{folder.name}.json").exists():
            return True
    return False


# --- reading one file, checking its schema, one record per run ------------------------------------


class NewerRecord(ValueError):
    """A run record of a later schema version than this ganbench reads: the fix is an upgrade."""


def _schema_problem(found: Any) -> ValueError:
    """Why a file whose ``schema`` is ``found`` (not this version's) is not used."""
    import re

    if isinstance(found, str) and found.startswith(RUN_FAMILY):
        version, mine = found[len(RUN_FAMILY):], SCHEMA[len(RUN_FAMILY):]
        if re.fullmatch(r"[0-9]{1,9}", version) and int(version) > int(mine):
            return NewerRecord(f"a run record of a newer ganbench (schema {short(found)}; this one reads {SCHEMA!r}): "
                               f"upgrade ganbench to report it")
        return ValueError(f"unknown run record schema {short(found)} (this ganbench reads {SCHEMA!r})")
    return NotARunRecord(f"not a {SCHEMA} record (schema: {short(found)})", found)


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path`` if it is (a symbolic link to) a regular file of at most
    :data:`MAX_RECORD_BYTES`; ValueError otherwise. A FIFO, a device, a folder or a link loop named
    ``*.json`` is refused before it is opened (opening a FIFO blocks until a writer comes), and the
    file is opened non-blocking and checked again, in case it was swapped in between."""
    import errno
    import os
    import stat

    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ValueError("not a regular file (a loop of symbolic links)") from None
        if exc.errno == errno.ENOENT and os.path.islink(path):
            raise ValueError("not a regular file (a symbolic link to nothing)") from None
        raise ValueError(f"cannot read it ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"not a regular file ({_file_kind(st.st_mode)})")
    if st.st_size > MAX_RECORD_BYTES:
        raise ValueError(f"{st.st_size} bytes, more than a run record's limit of {MAX_RECORD_BYTES}: not read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ValueError(f"cannot read it ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError("not a regular file (replaced while being read)")
        try:
            data = f.read(MAX_RECORD_BYTES + 1)
        except OSError as exc:
            raise ValueError(f"cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_RECORD_BYTES:
        raise ValueError(f"more than a run record's limit of {MAX_RECORD_BYTES} bytes: not read")
    return data


def _file_kind(mode: int) -> str:
    import stat

    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(mode)), "a special file")


def _parse_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"corrupt JSON (not UTF-8 text: {exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("corrupt JSON (nested too deeply to read)") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more digits than Python converts
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise ValueError(f"corrupt JSON ({exc.__class__.__name__}: {first})") from None


def _claim(rec: dict) -> tuple:
    """What a record says it is: one seed of one method (objective, tag, config) on one task version."""
    return (rec["task"]["name"], str(rec["task"]["version"]), rec["objective"], rec.get("tag") or None,
            rec["config_hash"], rec["seed"])


def _content(rec: dict) -> str:
    return json.dumps({k: v for k, v in rec.items() if k != "_path"}, sort_keys=True)


def _one_record_per_run(found: list[dict]) -> tuple[list[dict], list[dict], list[tuple[Path, str]]]:
    """(records, excluded, problems): at most one record per claimed run.

    Copies (same claim, same content, e.g. a ``backup/`` folder inside the results folder) count
    once: the one beside its run folder is kept, else the shallowest, so the warning names the
    copy. Different records claiming the same run (a re-run whose numbers differ, an old result
    moved aside) are *both* excluded, named in a warning and in the table's notes: the loader cannot
    tell which is right, and the path is no evidence (records live one folder down, under
    ``results/<domain>/``, so a stray copy at the top would be the shallower one); averaging both
    would count one seed twice, and picking one would change a table without anybody deciding it."""
    groups: dict[tuple, list[dict]] = {}
    for rec in found:
        groups.setdefault(_claim(rec), []).append(rec)
    left_out: set[int] = set()
    excluded: list[dict] = []
    problems: list[tuple[Path, str]] = []
    for group in groups.values():
        if len(group) == 1:
            continue
        by_content: dict[str, list[dict]] = {}
        for rec in group:
            by_content.setdefault(_content(rec), []).append(rec)
        kept = []
        for same in by_content.values():
            keep = min(same, key=lambda r: (not Path(r["_path"]).with_suffix("").is_dir(), len(Path(r["_path"]).parts)))
            kept.append(keep)
            for rec in same:
                if rec is not keep:
                    left_out.add(id(rec))
                    problems.append((Path(rec["_path"]), f"a copy of {one_line(keep['_path'])} (same run id, config "
                                                         f"and content): counted once"))
        if len(kept) > 1:
            first = kept[0]
            for rec in kept:
                left_out.add(id(rec))
                excluded.append(rec)
            for rec in kept[1:]:
                problems.append((Path(rec["_path"]), f"differs from {one_line(first['_path'])}, another record of the "
                                                     f"same run ({describe_run(first)}): neither is used in the tables; "
                                                     f"keep the right one and move the other out of the results folder"))
    return [r for r in found if id(r) not in left_out], excluded, problems


def method_and_variant(rec: dict) -> tuple[str, dict]:
    """(the objective with the remedies its variant switches on, ``ns+pack=2``; the rest of its variant)."""
    from ganbench.core.config import variant_label
    from ganbench.remedies import remedy_of_key

    variant = dict(rec.get("variant") or {})
    remedy_keys = remedy_of_key()
    remedies = {k: variant.pop(k) for k in list(variant) if k in remedy_keys}
    return rec["objective"] + "".join(f"+{variant_label({k: v})}" for k, v in sorted(remedies.items())), variant


def run_label(rec: dict) -> str:
    """A record's method as its table row names it: the objective, the remedies its variant switches
    on (``ns+pack=2``, whatever the tag), then its tag or the rest of its variant."""
    from ganbench.core.config import variant_label

    method, variant = method_and_variant(rec)
    suffix = rec.get("tag") or variant_label(variant)
    return f"{method}[{suffix}]" if suffix else method


def describe_run(rec: dict) -> str:
    """``toy/ring8 v1, ns, seed 0, config abc123`` (cut and escaped: it quotes a file's content)."""
    return one_line(f"{_cut(rec['task']['name'])} v{_cut(str(rec['task']['version']))}, {_cut(run_label(rec))}, "
                      f"seed {_cut(str(rec['seed']))}, config {_cut(rec['config_hash'])}")


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) shown escaped."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if ord(ch) < 32 or ord(ch) == 127 else ch for ch in str(text))


def skip_message(path, why: str) -> str:
    """``skipped <file>: <why>`` on one line whatever the file's name (a report's warning)."""
    return f"skipped {one_line(str(path))}: {one_line(why)}"


class RecordWarning(UserWarning):
    """A results file left out of ``ganbench.load_results`` / ``ganbench.leaderboard`` (the API's warnings)."""
