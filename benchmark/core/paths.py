"""File names built from user strings, and the checks that a command can write where it was told.

Every user string that reaches a file name (a tag, a task or objective name, a sweep point, a
plugin's name) goes through :func:`safe_component`; no code pastes one into a path. Characters
that are safe in a file name everywhere, ``[A-Za-z0-9._=,+~-]``, stay as written, so
``lr_g=0.0001,n_dis=2`` reads as itself; every other character is percent-encoded as its UTF-8
bytes (``/`` -> ``%2F``, ``\\`` -> ``%5C``, ``é`` -> ``%C3%A9``, a newline -> ``%0A``, and ``%``
itself -> ``%25``), and so is a leading dot, so the result is never ``.``, ``..`` or a hidden
file. It is one path component, never a path, and :func:`decode_component` gives the text back.
What cannot be made safe, an empty name or one longer than :data:`MAX_COMPONENT` once encoded,
is a :class:`UserError` that says how to fix it.

A run id joins components with ``__`` (``toy-ring8__ns__s0__TAG``); :func:`task_component` and
:func:`inner_component` keep that join unambiguous (see :func:`~ganbench.core.records.run_id`).

Explicit output paths (``--results``, ``eval --out``, ``report --out``) are the user's choice and
are used as given; :func:`check_output_dir` and :func:`check_output_file` make sure, before any
work starts and without leaving anything behind, that they can be written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote, unquote

from ganbench.core.errors import UserError

SAFE = "._=,+~-"  # kept besides ASCII letters and digits (and "_", which quote always keeps)
MAX_COMPONENT = 128  # characters of one encoded component
MAX_RUN_ID = 200  # a record's temporary name adds ".", ".json" and 13 more characters: under 255 in all


def _quote(text: str) -> str:
    return quote(text, safe=SAFE, encoding="utf-8", errors="surrogatepass")


def _bounded(name: str, what: str) -> str:
    if len(name) > MAX_COMPONENT:
        raise UserError(f"the {what} is {len(name)} characters once made file-safe (at most {MAX_COMPONENT}; "
                        f"characters outside A-Z a-z 0-9 . _ = , + ~ - take 3 to 12): shorten the {what}")
    return name


def _no_leading_dot(name: str) -> str:
    return "%2E" + name[1:] if name.startswith(".") else name


def quote_component(text: str) -> str:
    """The encoding of :func:`safe_component` with no length bound (for names that bound themselves,
    e.g. cache files that end in a hash)."""
    return _no_leading_dot(_quote(text))


def safe_component(text: str, what: str = "name") -> str:
    """``text`` as one readable, reversible, file-safe path component (module docstring).

    ``what`` names the string in the error message (``tag``, ``task name``)."""
    if not isinstance(text, str):
        text = str(text)
    if not text:
        raise UserError(f"the {what} is empty: give a name (or leave it out)")
    return _bounded(_no_leading_dot(_quote(text)), what)


def encoded_length(text: str) -> int:
    """How long :func:`safe_component` would make ``text`` (no bound applied)."""
    return len(_no_leading_dot(_quote(text)))


def decode_component(name: str) -> str:
    """The text :func:`safe_component` encoded as ``name``."""
    return unquote(name, encoding="utf-8", errors="surrogatepass")


def inner_component(text: str, what: str = "name") -> str:
    """:func:`safe_component` for a component with ``__`` on both sides in a run id: no ``__``
    inside and no ``_`` at either end (those become ``%5F``), so the joins are found again."""
    name = safe_component(text, what)
    name = name.replace("__", "_%5F")
    if name.startswith("_"):
        name = "%5F" + name[1:]
    if name.endswith("_"):
        name = name[:-1] + "%5F"
    return _bounded(name, what)


def task_component(task: str) -> str:
    """A task name as the first component of a run id: ``toy/ring8`` -> ``toy-ring8``.

    The first ``/`` becomes ``-`` (the form of every committed run id), so a ``-`` before it
    (or anywhere in a name without ``/``) is encoded as ``%2D`` and later ``/`` as ``%2F``: the
    first literal ``-`` is the slash, and two task names never share a file name."""
    if not isinstance(task, str) or not task:
        raise UserError("the task name is empty: give a task (ganbench list shows them)")
    head, slash, tail = task.partition("/")
    name = _quote(head).replace("-", "%2D") + ("-" + _quote(tail) if slash else "")
    name = _no_leading_dot(name).replace("__", "_%5F")
    if name.endswith("_"):
        name = name[:-1] + "%5F"
    return _bounded("%5F" + name[1:] if name.startswith("_") else name, "task name")


def decode_task(name: str) -> str:
    """The task name :func:`task_component` encoded as ``name``."""
    head, dash, tail = name.partition("-")
    return decode_component(head) + ("/" + decode_component(tail) if dash else "")


def check_run_id(rid: str) -> str:
    """A run id short enough for its record's (temporary) file name on any file system."""
    if len(rid) > MAX_RUN_ID:
        raise UserError(f"the run id {rid[:40]}… is {len(rid)} characters once made file-safe (at most {MAX_RUN_ID}): "
                        f"shorten the tag")
    return rid


def ensure_inside(root: str | Path, path: str | Path) -> Path:
    """``path`` itself, after checking that it lies inside ``root`` (compared as written, ``..``
    resolved, symbolic links not followed: a folder the user linked elsewhere stays theirs)."""
    base = os.path.abspath(root)
    full = os.path.abspath(path)
    if os.path.commonpath([base, full]) != base:
        raise UserError(f"{path} is outside the results folder {root}: refusing to write there "
                        f"(a name with '..' or '/' that was not made file-safe; please report it)")
    return Path(path)


def refuse_links(record_path: str | Path, run_dir: str | Path) -> None:
    """UserError if a run's record path, its folder or anything in its folder is a symbolic link.

    A run writes its log, checkpoint, samples and lock inside its folder, some of them in place
    (``open(..., "w")`` follows a link): a link there would make training write, and overwrite,
    wherever it points. The results folder itself may be a link (a bigger disk); what a run owns
    inside it may not."""
    for path, what in ((Path(record_path), "record path"), (Path(run_dir), "run folder")):
        if os.path.islink(path):
            raise UserError(f"the {what} {path} is a symbolic link (to {os.readlink(path)}): ganbench writes a run's "
                            f"files only inside the results folder; replace the link by a real file or folder, or "
                            f"remove it, and run again")
    if not os.path.isdir(run_dir):
        return
    for folder, dirs, files in os.walk(run_dir):
        for name in sorted(dirs + files):
            entry = os.path.join(folder, name)
            if os.path.islink(entry):
                raise UserError(f"{entry} in the run folder is a symbolic link (to {os.readlink(entry)}): the run would "
                                f"write through it; remove the link and run again")


# --- where a command writes ------------------------------------------------------------------------
def _nearest_existing(path: Path) -> Path:
    probe = path.absolute()
    while not os.path.lexists(probe) and probe.parent != probe:
        probe = probe.parent
    return probe


def _probe_write(folder: Path, label: str, fix: str) -> None:
    """Create and remove a temporary file in ``folder`` (``os.access`` would say yes to root on a
    read-only or immutable folder): the one test that answers what a write will do."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserError(f"{label}: cannot write in {folder} ({describe_os_error(exc)}); {fix}") from None


def check_output_dir(folder: str | Path, what: str, fix: str) -> Path:
    """UserError, before any work, unless files can be created in ``folder`` (made later if missing).

    Nothing is left behind: the test writes in ``folder`` or its nearest existing parent a
    temporary file that is gone at once. ``what`` names the path in the message (``--results``),
    ``fix`` says what to do instead."""
    folder = Path(folder)
    probe = _nearest_existing(folder)
    if not probe.is_dir():
        where = "" if probe == folder.absolute() else f": {probe}"
        raise UserError(f"{what} {folder}{where} is a file, not a folder; {fix}")
    _probe_write(probe, f"{what} {folder}", fix)
    return folder


def check_output_file(path: str | Path, what: str, fix: str) -> Path:
    """:func:`check_output_dir` for a file to be written: not a folder, its folder writable."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what} {path} is a folder: give a file name, e.g. {path / 'out.json'}")
    probe = _nearest_existing(path.parent)
    if not probe.is_dir():
        raise UserError(f"{what} {path}: {probe} is a file, not a folder; {fix}")
    _probe_write(probe, f"{what} {path}", fix)
    return path


def check_data_dir(folder: str | Path, what: str = "--data-dir") -> Path:
    """``folder`` if it is a folder: a data folder that does not exist would be passed over in
    silence (the data then comes from the cache or a download), so a typo in it is an error."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise UserError(f"{what} {folder} is not a folder: give the folder laid out like shared/data")
    raise UserError(f"{what} {folder} does not exist: give the folder laid out like shared/data, or leave it out")


def refuse_special_file(path: str | Path) -> None:
    """UserError if ``path`` exists but is neither a regular file nor a folder (a device such as
    /dev/zero, a FIFO, a socket): reading one never ends or blocks, and "does not exist" would mislead."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a special file")
        raise UserError(f"sample file {path} is not a regular file ({kind}): give a file of samples")


def require_file(path: str | Path, fix: str) -> Path:
    """``path`` if it is a file; else UserError saying whether it is missing or a folder, then ``fix``."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"sample file {path} is a folder, not a file: {fix}")
    if not path.is_file():
        raise UserError(f"sample file {path} does not exist: {fix}")
    return path


def describe_os_error(exc: OSError) -> str:
    """``No space left on device (ENOSPC)``: the cause of an OS error, without its path."""
    import errno

    name = errno.errorcode.get(exc.errno or -1)
    cause = exc.strerror or str(exc) or exc.__class__.__name__
    return f"{cause} ({name})" if name else cause


_FIX = {"ENOSPC": "free some space (or choose another folder) and run the same command again",
        "EDQUOT": "free some space (or choose another folder) and run the same command again",
        "EACCES": "choose a folder you can write to", "EPERM": "choose a folder you can write to",
        "EROFS": "choose a folder on a writable disk"}


def os_error_line(exc: OSError, path: str | Path | None = None, verb: str = "cannot write") -> str:
    """One line for an OS error: the path, the cause and what to do."""
    import errno

    where = path if path is not None else (exc.filename or "a file")
    fix = _FIX.get(errno.errorcode.get(exc.errno or -1, ""), "check the disk and run the same command again")
    return f"{verb} {where}: {describe_os_error(exc)}; {fix}"

