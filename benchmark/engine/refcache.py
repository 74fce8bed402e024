"""The one on-disk cache of reference statistics (and of the networks that produce features).

Every metric that compares samples with a reference (FID/KID/PR/DC features of a test split,
MOSES' per-molecule tables, ChemNet moments, GuacaMol's descriptors, the training-set index, the
domain classifier's weights) computes its statistics once and keeps them here, under one rule:

* **key** (:class:`RefKey`): what the numbers depend on — the task or reference set, its
  version (or a hash of its data), the split, the feature extractor or statistic, the sample
  count and any option — spelled into a readable file name under ``cache_root()/refstats``;
* **format**: one ``.npz`` per entry, arrays only, read with ``allow_pickle=False`` (a cache
  file is never code); strings are NumPy unicode arrays;
* **writes** are atomic (:func:`ganbench.core.atomic.save_npz`: a unique temporary file renamed
  over the target), and computing an entry holds an exclusive lock on ``.<file>.lock``
  (``filelock``: ``flock`` on POSIX), so sweep workers that need one entry at once compute it
  once — the others wait, then read it;
* **checksum**: each entry stores the SHA-256 of its arrays (:data:`CHECKSUM`, over every array's
  name, dtype, shape and bytes), verified on every read: an entry that was edited or damaged, or
  written before entries had a checksum, is recomputed with a warning, never used
  (``ganbench cache verify`` checks every entry at once, :func:`verify_entry`);
* a file that cannot be read, or lacks an array the caller needs, is recomputed with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

MAX_NAME = 160
CHECKSUM = "__sha256__"  # the array of an entry that holds the SHA-256 of the others


def arrays_digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of an entry's arrays (name, dtype, shape, bytes; by name), :data:`CHECKSUM` left out."""
    h = hashlib.sha256()
    for name in sorted(k for k in arrays if k != CHECKSUM):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


_VERIFIED: dict[tuple, str] = {}  # (path, inode, size, mtime) -> checksum, of entries this process verified


def read_entry(path: Path) -> tuple[dict[str, np.ndarray] | None, str]:
    """(arrays without the checksum, '') of an intact entry, else (None, why it is not one).

    An entry read again unchanged (same inode, size and modification time) in the same process is
    not hashed again: periodic evaluations read the same reference features many times."""
    try:
        st = os.stat(path)
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:  # closed even when not a zip
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, it is not an entry
        return None, f"unreadable ({exc.__class__.__name__}: {str(exc)[:120]})"
    stored = arrays.pop(CHECKSUM, None)
    if stored is None:
        return None, "has no checksum (an older ganbench wrote it)"
    seen = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(seen) != str(stored):
        if str(stored) != arrays_digest(arrays):
            return None, "differs from its checksum (edited or damaged)"
        _VERIFIED[seen] = str(stored)
    return arrays, ""


def _readable(text: Any) -> str:
    """A file-safe, readable rendering of one key field (ganbench.core.paths' encoding)."""
    from ganbench.core.paths import quote_component

    return quote_component(str(text))


@dataclass(frozen=True)
class RefKey:
    """Identity of one cache entry. ``source``: a task name or a reference set's name; ``version``:
    the task version or a hash of the data; ``feature``: the extractor or statistic; ``split``,
    ``n`` and ``options`` ((name, value) pairs) when the numbers depend on them."""

    source: str
    version: str
    feature: str
    split: str | None = None
    n: int | None = None
    options: tuple[tuple[str, Any], ...] = ()

    def filename(self) -> str:
        parts = [_readable(self.source), f"v{_readable(self.version)}"]
        if self.split:
            parts.append(_readable(self.split))
        parts.append(_readable(self.feature))
        if self.n is not None:
            parts.append(f"n{int(self.n)}")
        parts += [_readable(f"{k}={v}") for k, v in self.options]
        name = "-".join(parts)
        # the readable part may not be unique ("-" joins fields that may hold "-"), so the name ends
        # with a hash of the key's fields themselves: two different keys never share a file
        digest = hashlib.sha256(json.dumps([self.source, self.version, self.feature, self.split, self.n,
                                            [list(kv) for kv in self.options]], default=str).encode()).hexdigest()[:16]
        name = f"{name[:MAX_NAME - 17]}~{digest}"
        return name + ".npz"


class ReferenceCache:
    """Entries of ``root`` (default ``cache_root()/<kind>``), computed once, shared between processes."""

    def __init__(self, root: str | Path | None = None, kind: str = "refstats"):
        if root is None:
            from ganbench.core.data import cache_root

            root = cache_root() / kind
        self.root = Path(root)

    def path(self, key: RefKey) -> Path:
        return self.root / key.filename()

    def load(self, key: RefKey, required: Iterable[str] = ()) -> dict[str, np.ndarray] | None:
        """The entry's arrays, or None when it is absent; an unreadable or incomplete file is
        reported (a warning) and treated as absent."""
        path = self.path(key)
        if not path.exists():
            return None
        arrays, why = read_entry(path)
        if arrays is None:  # whatever is wrong with the file, the cure is recomputing it
            warnings.warn(f"reference statistics {path} {why}; recomputing them", RuntimeWarning, stacklevel=3)
            return None
        missing = [k for k in required if k not in arrays]
        if missing:
            warnings.warn(f"reference statistics {path} lack {', '.join(missing)} (an older or damaged file); "
                          f"recomputing them", RuntimeWarning, stacklevel=3)
            return None
        return arrays

    def get(self, key: RefKey, compute: Callable[[], Mapping[str, Any]],
            required: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """The entry ``key``: read from disk, or ``compute()``-d (a mapping of array-likes) and stored.

        ``required`` names the arrays a usable entry must hold (default: whatever it holds).
        Computing happens under the entry's lock; a process that waited for the lock reads what
        the first one wrote instead of computing it again."""
        from filelock import FileLock

        required = tuple(required or ())
        path = self.path(key)
        seen = _stamp(path)
        found = self.load(key, required)
        if found is not None:
            return found
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.parent / f".{path.name}.lock")):
            if _stamp(path) not in (None, seen):  # written while this process waited for the lock
                found = self.load(key, required)
                if found is not None:
                    return found
            arrays = {k: np.asarray(v) for k, v in compute().items()}
            for name, value in arrays.items():
                if value.dtype.hasobject:
                    raise TypeError(f"cache entry {key.filename()}: array {name!r} holds Python objects; "
                                    f"store numbers or strings only (never pickle)")
            missing = [k for k in required if k not in arrays]
            if missing:
                raise KeyError(f"cache entry {key.filename()}: compute() gave no {', '.join(missing)}")
            from ganbench.core.atomic import save_npz

            save_npz(path, **arrays, **{CHECKSUM: np.array(arrays_digest(arrays))})
            return arrays


def _stamp(path: Path):
    """(inode, size, mtime) of ``path``, None if absent: tells whether another process replaced it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def strings(values: Iterable[str]) -> np.ndarray:
    """A list of strings as a NumPy unicode array (stored without pickle; ``.tolist()`` gives them back)."""
    values = list(values)
    return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")


def counts_to_arrays(prefix: str, counts: Mapping[str, int]) -> dict[str, np.ndarray]:
    """A {string: count} mapping as two arrays, ``<prefix>_keys`` and ``<prefix>_counts`` (int64)."""
    return {f"{prefix}_keys": strings(counts), f"{prefix}_counts": np.array(list(counts.values()), dtype=np.int64)}


def arrays_to_counts(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, int]:
    return dict(zip(arrays[f"{prefix}_keys"].tolist(), arrays[f"{prefix}_counts"].tolist()))
