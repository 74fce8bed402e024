"""``ganbench cache``: where the cache is and what it holds; ``ganbench cache verify``: check it.

Reference statistics are computed once per machine and kept in the cache (:mod:`ganbench.engine.refcache`),
except those that ship inside the package (:mod:`ganbench.domains.molecule.shipped`). A user who
trusts a number needs to see both: ``ganbench cache`` says where the cache is, how big it is and
whether the shipped statistics apply to this install; ``ganbench cache verify`` checks every cache
entry against the checksum stored with it (exit 0: none is damaged, 1: some are), and
``ganbench cache verify TASK`` recomputes TASK's shipped statistics from the data files here and
compares them (exit 0: they hold, 1: they do not). Only ganbench's own folders are looked into
(:data:`KINDS`), never followed through links, and counting stops at :data:`MAX_FILES`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ganbench.core.errors import UserError


def add_parser(sub) -> None:
    cache = sub.add_parser("cache", help="where the cache is and its size; verify the shipped reference statistics")
    inner = cache.add_subparsers(dest="cache_command")
    inner.add_parser("info", help="the cache folder, its size by kind, the shipped statistics (the default)")
    ver = inner.add_parser("verify", help="recompute the shipped reference statistics from the data files and compare "
                                          "(exit 0: they hold here, 1: they do not)")
    ver.add_argument("name", nargs="?", default=None,
                     help="whose shipped statistics to recompute (e.g. molecule/moses); without it, and without "
                          "the options below, every cache entry is checked against its stored checksum")
    ver.add_argument("--data-dir", default=None, help="folder with the data files (default: $GANBENCH_DATA, then the cache)")
    ver.add_argument("--file", default=None, help="compare this file instead of the installed one (e.g. a fresh build, not yet pinned)")
    ver.add_argument("--statistics", default=None, help="comma-separated subset of fcd,counts,properties (default: all in the file)")
    ver.add_argument("--work", default=None, help="a cache root for the recomputed statistics (its refstats/ folder; default: "
                                                  "a temporary folder, deleted after); entries already there are read, not recomputed")
    ver.add_argument("--jobs", type=int, default=None, help="worker processes for RDKit (default: the cores here)")


KINDS = ("data", "refstats", "text", "classifiers", "mle-snapshots")  # what ganbench keeps under the cache root
ENTRY_KINDS = ("refstats", "text", "classifiers")  # folders of ReferenceCache entries (.npz with a checksum)
MAX_FILES = 100_000  # files counted per folder before ganbench cache stops counting


def cmd_cache(args) -> int:
    if getattr(args, "cache_command", None) == "verify":
        shipped_options = (args.file, args.statistics, args.work, args.jobs)
        if args.name is None and all(option is None for option in shipped_options):
            return _verify_entries()
        args.name = args.name or "molecule/moses"  # the shipped options alone meant molecule/moses before
        return _verify(args)
    return _info()


def _size(path: Path) -> tuple[int, int, bool]:
    """(files, bytes, whether counting stopped at MAX_FILES) under ``path``, links not followed."""
    import os

    count = size = 0
    for folder, _, names in os.walk(path):  # os.walk follows no link to a folder
        for name in names:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            count += 1
            size += st.st_size
            if count >= MAX_FILES:
                return count, size, True
    return count, size, False


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _info() -> int:
    import os

    from ganbench.core.data import cache_root
    from ganbench.domains.molecule.shipped import SHIPPED

    root = cache_root()
    where = "$GANBENCH_CACHE" if os.environ.get("GANBENCH_CACHE") else "default; set GANBENCH_CACHE to move it"
    print(f"cache: {root} ({where})")
    total = 0
    if root.is_dir():
        for name in KINDS:
            kind = root / name
            if not kind.is_dir() or kind.is_symlink():
                continue
            n, size, stopped = _size(kind)
            total += size
            print(f"  {name:<14} {n:>6}{'+' if stopped else ' '}files {_mb(size):>10}"
                  + (" (stopped counting)" if stopped else ""))
    print(f"  {'total':<14} {'':>13} {_mb(total):>10}" if root.is_dir() else "  (empty: nothing computed yet)")
    for name, shipped in SHIPPED.items():
        print(f"shipped: {name}: {_shipped_line(shipped)}")
    return 0


def _shipped_line(shipped) -> str:
    """The file, its checksum against the pin, its statistics and whether they apply to this install."""
    import os
    import warnings

    from ganbench.domains.molecule.shipped import NO_SHIPPED_ENV, chemnet_identity, rdkit_version, release_series

    actual = shipped.file_sha256()
    if actual is None:
        return f"{shipped.path} is missing (reinstall ganbench)"
    size = _mb(shipped.path.stat().st_size)
    if actual != shipped.sha256:
        return f"{shipped.path} ({size}) has SHA-256 {actual[:16]}… where {shipped.sha256[:16]}… is pinned: not used"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        provenance, _ = shipped.contents
    stats = "; ".join(f"{split} {', '.join(e['statistics'])}" for split, e in provenance["splits"].items())
    here = []
    if provenance["rdkit_series"] != release_series(rdkit_version()):
        here.append(f"built with RDKit {provenance['rdkit']}, this is {rdkit_version()}")
    if (chemnet_identity() or {}).get("sha256") != (provenance.get("chemnet") or {}).get("sha256"):
        here.append("other ChemNet weights here (FCD moments not used)")
    if os.environ.get(NO_SHIPPED_ENV, "").strip() not in ("", "0"):
        here.append(f"{NO_SHIPPED_ENV} is set")
    applies = "applies here" if not here else "not used here: " + "; ".join(here)
    return f"{shipped.path} ({size}, SHA-256 as pinned): {stats}; {applies}"


def _verify_entries() -> int:
    """Every cache entry against the checksum stored with it; exit 1 if one is damaged."""
    from ganbench.core.data import cache_root
    from ganbench.domains.sequence.snapshots import snapshot_problem
    from ganbench.engine.refcache import read_entry

    root = cache_root()
    print(f"verify the cache {root}: every entry against the checksum stored with it")
    checked, damaged, unchecked = 0, [], []
    entries = [(p, lambda p: read_entry(p)[1]) for kind in ENTRY_KINDS if (root / kind).is_dir()
               for p in sorted((root / kind).glob("*.npz"))]
    if (root / "mle-snapshots").is_dir():
        entries += [(p, snapshot_problem) for p in sorted((root / "mle-snapshots").glob("*.pt"))]
    for path, problem in entries:
        if path.name.startswith(".") or path.is_symlink():
            continue
        checked += 1
        why = problem(path)
        if why.startswith("has no checksum"):
            unchecked.append((path, why))
        elif why:
            damaged.append((path, why))
    for path, why in damaged:
        print(f"  DAMAGED {path.relative_to(root)}: {why}; it is recomputed when next used (or delete it)")
    for path, why in unchecked:
        print(f"  no checksum {path.relative_to(root)}: {why}; it is recomputed when next used")
    data = root / "data"
    if data.is_dir():
        n, _, stopped = _size(data)
        print(f"  data: {n}{'+' if stopped else ''} files, each checked against its pinned checksum when a task reads it")
    print(f"verify: {checked} entries, {checked - len(damaged) - len(unchecked)} intact, {len(unchecked)} without a "
          f"checksum, {len(damaged)} damaged")
    return 1 if damaged else 0


def _verify(args) -> int:
    from ganbench.domains.molecule.shipped import SHIPPED, STATISTICS, NO_SHIPPED_ENV

    shipped = SHIPPED.get(args.name)
    if shipped is None:
        raise UserError(f"no shipped statistics named {args.name!r}: choose from {', '.join(SHIPPED)}")
    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise UserError(f"--file {path} does not exist: give a file written by python -m ganbench.domains.molecule.shipped")
        shipped = shipped.with_file(path)
    statistics = STATISTICS
    if args.statistics:
        statistics = tuple(s.strip() for s in args.statistics.split(",") if s.strip())
        unknown = [s for s in statistics if s not in STATISTICS]
        if unknown:
            raise UserError(f"--statistics: unknown {', '.join(unknown)}; choose from {', '.join(STATISTICS)}")
    if args.jobs is not None and args.jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {args.jobs}")
    print(f"verify {shipped.name}: recomputing its statistics from the data files (for the full MOSES splits "
          f"about an hour on 2 cores, mostly ChemNet)", flush=True)
    locator = shipped.locator(args.data_dir)
    if args.work:
        checks = shipped.verify(locator, Path(args.work) / "refstats", statistics, args.jobs,
                                log=lambda line: print(line, flush=True))
    else:
        with tempfile.TemporaryDirectory(prefix="ganbench-verify-") as tmp:
            checks = shipped.verify(locator, Path(tmp), statistics, args.jobs, log=lambda line: print(line, flush=True))
    failed = [c for c in checks if not c.passed]
    if failed:
        print(f"verify: FAIL ({len(failed)} of {len(checks)} checks): the shipped statistics do not hold here; "
              f"{NO_SHIPPED_ENV}=1 makes ganbench compute them on this machine instead")
        return 1
    print(f"verify: pass ({len(checks)} checks)")
    return 0
