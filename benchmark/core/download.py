"""The one way ganbench downloads a file (data sets, model weights): pooch, verified, retried, atomic.

Why pooch rather than ``urllib``: it streams over ``requests`` into a temporary file beside the
target and renames it into place only once it is complete and verified, retries transient
failures (``retry_if_failed``, with a growing pause), and draws a tqdm progress bar.

The pinned checksum is checked inside the downloader pooch calls, on pooch's temporary file,
for two reasons pooch's own ``known_hash`` cannot serve: a rejected download is kept aside as
``<name>.rejected`` for the user to inspect (pooch deletes it), and a pin may be a prefix of the
SHA-256 where that is all the publisher gives (torch hub's ``name-<sha256[:8]>.pth`` convention).
A mismatch is raised as ``ValueError``, which pooch treats as a failed attempt and retries.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ganbench.core.errors import ChecksumError

RETRIES = 2  # attempts after the first; pooch pauses 1 s, then 2 s between them
TIMEOUT_S = (10, 30)  # requests' (connect, read): an unreachable host costs 10 s an attempt, a slow one is waited for


def show_progress() -> bool:
    """A progress bar only for a person watching: stderr is a terminal and this is not CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


class _Rejected(ValueError):
    """The downloaded bytes do not match the pin (a ValueError, so pooch retries it)."""

    def __init__(self, algorithm: str, actual: str, expected: str, aside: Path):
        super().__init__(f"{algorithm} {actual} expected {expected}")
        self.algorithm, self.actual, self.expected, self.aside = algorithm, actual, expected, aside


class _VerifyingDownloader:
    """pooch's HTTP downloader, then the pin checked on the finished temporary file."""

    def __init__(self, checksum: tuple[str, str] | None, aside: Path):
        import pooch

        self.http = pooch.HTTPDownloader(progressbar=show_progress(), timeout=TIMEOUT_S)
        self.checksum, self.aside = checksum, aside

    def __call__(self, url: str, output_file: str, pooch_) -> None:
        import pooch

        self.http(url, output_file, pooch_)
        if self.checksum is None:
            return
        algorithm, expected = self.checksum
        actual = pooch.file_hash(output_file, alg=algorithm)
        if not actual.startswith(expected.lower()):  # equal when the pin is a full digest
            _keep(output_file, self.aside)
            raise _Rejected(algorithm, actual, expected, self.aside)


def _keep(tmp: str, aside: Path) -> None:
    """A copy of pooch's temporary file under ``aside`` (a hard link: no bytes copied)."""
    aside.unlink(missing_ok=True)
    try:
        os.link(tmp, aside)
    except OSError:  # a filesystem without hard links
        shutil.copyfile(tmp, aside)


def fetch(url: str, target: Path, checksum: tuple[str, str] | None, retries: int = RETRIES) -> Path:
    """Download ``url`` to ``target`` unless it is there; only verified bytes ever reach ``target``.

    ``checksum`` is ``(algorithm, hex digest or its prefix)``. A wrong checksum raises
    :class:`ChecksumError` naming both values and where the rejected file was kept; a network
    failure raises what ``requests`` raised (an ``OSError``), for the caller to say where the file
    can be put by hand.
    """
    import pooch

    target = Path(target)
    if target.is_file():
        return target
    aside = target.with_name(target.name + ".rejected")
    store = pooch.create(path=target.parent, base_url="", registry={target.name: None},
                         urls={target.name: url}, retry_if_failed=retries)
    try:
        store.fetch(target.name, downloader=_VerifyingDownloader(checksum, aside))
    except _Rejected as bad:
        raise ChecksumError(
            f"download of {url} has the wrong {bad.algorithm}: got {bad.actual}, expected {bad.expected}; "
            f"kept it at {bad.aside} (try again later, or fetch the file by hand and check it)"
        ) from None
    aside.unlink(missing_ok=True)  # an earlier attempt's rejected bytes: superseded
    os.chmod(target, 0o644)  # pooch's temporary file is 0600: the cache may be shared (see core.atomic)
    return target
