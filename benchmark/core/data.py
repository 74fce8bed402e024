"""Where data comes from: a directory the user names, then our cache, then the official source.

Order: ``--data-dir`` (or the ``GANBENCH_DATA`` environment variable), a folder laid out like
``../shared/data`` (``fashion-mnist/…``, ``moses/…``); then the user cache
(``$GANBENCH_CACHE`` or ``~/.cache/ganbench/data``); then a download from the official URL into the
cache through :mod:`ganbench.core.download` (pooch: retried, progress bar, verified by its pinned
checksum — SHA-256, or the MD5 the source publishes — before it lands), when the network allows.
Otherwise a :class:`DataNotFoundError` that says where to put the file. A file whose checksum is
wrong is named with both checksums and left where it is.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ganbench.core.download import fetch
from ganbench.core.errors import ChecksumError, DataNotFoundError


def cache_root() -> Path:
    """Root of ganbench's on-disk cache (data, reference statistics, trained classifiers):
    ``$GANBENCH_CACHE`` (``~`` expanded), else ``~/.cache/ganbench``. The root of the file system
    and the home folder itself are refused: ganbench would write its folders among everything
    there, and ``ganbench cache`` would count it all."""
    root = os.environ.get("GANBENCH_CACHE")
    if not root:
        return Path.home() / ".cache" / "ganbench"
    path = Path(root).expanduser()
    full = path.resolve()
    what = ("the root of the file system" if full == Path(full.anchor)
            else "your home folder" if full == Path.home().resolve()
            else "a file, not a folder" if full.exists() and not full.is_dir() else None)
    if what:
        from ganbench.core.errors import UserError

        raise UserError(f"GANBENCH_CACHE={root} is {what}: give ganbench a folder of its own, e.g. "
                        f"GANBENCH_CACHE=~/.cache/ganbench (or unset it)")
    return path


def digest_of(path: Path, algorithm: str = "sha256", chunk: int = 1 << 20) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    return digest_of(path, "sha256", chunk)


@dataclass(frozen=True)
class DataFile:
    """A file a task needs: its path relative to a data root, checksum and official URL.

    SHA-256 is preferred. Where the official source publishes only an MD5 (MNIST via torchvision,
    CIFAR-10 on its home page), ``md5`` pins that published value instead: it is there to catch
    truncated or wrong files, and a value we computed ourselves would pin nothing. Where a
    publisher gives only the first hex digits of the SHA-256 (torch hub's ``name-<sha256[:8]>.pth``
    file names), ``sha256`` holds that prefix and a file passes when its digest starts with it.
    """

    relpath: str
    sha256: str | None = None
    url: str | None = None
    md5: str | None = None
    hint: str | None = None  # how to obtain the file when there is no URL to fetch it from

    @property
    def checksum(self) -> tuple[str, str] | None:
        if self.sha256:
            return "sha256", self.sha256
        if self.md5:
            return "md5", self.md5
        return None


class DataLocator:
    """Finds (or fetches) a task's files in the configured roots."""

    _verified: dict[tuple[str, float, int], bool] = {}  # (path, mtime, size) -> checksum ok

    def __init__(self, data_dir: str | Path | None = None):
        explicit = data_dir or os.environ.get("GANBENCH_DATA")
        self.roots: list[Path] = [Path(explicit).expanduser()] if explicit else []
        self.cache = cache_root() / "data"
        self.roots.append(self.cache)

    def find(self, spec: DataFile) -> Path:
        for root in self.roots:
            path = root / spec.relpath
            if path.is_file():
                self._check(path, spec)
                return path
        if spec.url:
            return self._download(spec)
        raise DataNotFoundError(self._missing_message(spec, "no download source is known"))

    def _check(self, path: Path, spec: DataFile) -> None:
        if spec.checksum is None:
            return
        algorithm, expected = spec.checksum
        st = path.stat()
        key = (str(path.resolve()), st.st_mtime, st.st_size)
        if self._verified.get(key):
            return
        actual = digest_of(path, algorithm)
        if not actual.startswith(expected.lower()):  # equal when the pin is a full digest
            raise ChecksumError(
                f"corrupt data file {path}: {algorithm} {actual[:16]}… expected {expected[:16]}…; "
                + (f"replace it with {spec.hint}" if spec.hint and not spec.url
                   else f"delete it and fetch it again from {spec.url or 'the official source'}")
            )
        self._verified[key] = True

    def _download(self, spec: DataFile) -> Path:
        try:
            return fetch(spec.url, self.cache / spec.relpath, spec.checksum)
        except OSError as exc:  # requests' errors are OSErrors: offline, refused, HTTP 404 ...
            raise DataNotFoundError(self._missing_message(spec, f"download failed ({exc.__class__.__name__})")) from None

    def _missing_message(self, spec: DataFile, why: str) -> str:
        where = " or ".join(str(r / spec.relpath) for r in self.roots)
        src = f" from {spec.url}" if spec.url else (f" ({spec.hint})" if spec.hint else "")
        return (
            f"missing data file {spec.relpath} ({why}): put it at {where}{src}, "
            f"or point --data-dir / GANBENCH_DATA at a folder that has it"
        )
