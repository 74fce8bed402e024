"""MOSES reference statistics that ship inside the package: computed once, pinned, checked, never pickled.

Why: a first ``ganbench eval molecule/moses`` used to spend 46 minutes on reference statistics
of the 352,299 Test/TestSF molecules — FCD moments (ChemNet over every molecule: about half an
hour on two cores) and, per molecule, Morgan bits, BRICS fragments, scaffolds and four properties
(about 16 minutes). These numbers depend only on the split files, RDKit and ChemNet, so they are
computed once and shipped, as molsets ships its ``test_stats.p`` — but as an ``.npz`` read with
``allow_pickle=False``, whose SHA-256 is pinned here. What is left for the first call is the Morgan
fingerprints (SNN needs every reference fingerprint; shipping them would add ~15 MB), with a
progress bar.

The file (``data/moses_reference.npz``) holds

* ``provenance``: one JSON string — the format, ganbench's :data:`.refstats.STATS_VERSION`, the
  RDKit version and release series, the ChemNet weights (file name, SHA-256, the ``fcd`` package
  version they came with), NumPy, the build date, and per split: the reference set's name, the
  split file and its SHA-256 (as :mod:`.moses_data` pins it), the SMILES, valid-SMILES and row
  counts, the statistics present and where they came from;
* per split (``test``, ``testsf``): ``<split>/fcd_mu`` (float64 [512]) and ``<split>/fcd_sigma_triu``
  (float64, the upper triangle in ``numpy.triu_indices`` order — the covariance is symmetric bit
  for bit, so nothing is lost) — the FCD moments; ``<split>/fragments_keys|counts`` and
  ``<split>/scaffolds_keys|counts`` (keys as UTF-8 joined by newlines, a uint8 array: half the
  bytes of NumPy's UTF-32 strings) — the Frag/Scaf counts; for Test, ``<split>/logp|sa|qed|weight``
  (float64, sorted: every Test SMILES is distinct, so every row weighs 1 and the Wasserstein
  distances do not depend on the order, while sorted values compress better).

Shipped numbers are used for a reference set only when all of these hold (otherwise they are
computed as before, and a warning says why):

1. the file's SHA-256 is the pinned :data:`MOSES_SHA256` (a damaged or edited file never gives a number);
2. the split file's SHA-256 — the set's data key — is the one the numbers were computed from;
3. :data:`.refstats.STATS_VERSION` is the same (the definitions of the statistics);
4. the RDKit *release series* (``2026.09`` of ``2026.09.1``) is the same: canonical SMILES (ChemNet's
   input), fragment and scaffold strings and the property values are RDKit's; RDKit changes
   canonicalisation in its half-yearly feature releases, not in patch releases;
5. for the FCD moments, the ChemNet weights file has the same SHA-256 (the network itself). The
   ``fcd`` package's version is recorded, not required: only its weights file is used.

``GANBENCH_NO_SHIPPED_STATS=1`` ignores the file. ``ganbench cache verify`` (:meth:`ShippedReferences.verify`)
recomputes everything from the split files and compares; ``python -m ganbench.domains.molecule.shipped``
builds the file (maintainers; see ``data/README.md``).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import sys
import warnings
import zipfile
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ganbench.core.data import DataFile, DataLocator
from ganbench.domains.molecule.moses_data import SMALL_DIR, SMALL_SHA256, TEST, TEST_SF, read_smiles_csv

FORMAT = "ganbench.shipped-refstats/1"
STATISTICS = ("fcd", "counts", "properties")
NO_SHIPPED_ENV = "GANBENCH_NO_SHIPPED_STATS"
DIM = 512  # ChemNet's last layer

# ``cache verify`` tolerances. FCD: FCD(shipped, recomputed) is the squared 2-Wasserstein distance
# between the two Gaussians; if every activation of a recomputation differs by at most eps, it is
# at most DIM * eps² (Gelbrich's bound: the Gaussian W2 of two distributions' moments is at most
# their W2, and shifting each point by ≤ eps in each of DIM coordinates costs ≤ DIM·eps²). eps =
# 1.6e-5 is what separates two correct float32 ChemNets (ours and the fcd package's), so
# 512 · (1.6e-5)² ≈ 1.3e-7; round-off alone gives ~2e-11, a wrong split or tokenisation ≥ 1e-3.
# By the triangle inequality a reported FCD of F then moves by at most 2·sqrt(F·tol) + tol
# (F = 4: 1.4e-3, MOSES publishes 3 decimals). Properties: W1(shipped, recomputed) bounds the change
# of every reported W1 (triangle inequality); RDKit computes them in float64, so 1e-9 is far above
# round-off and far below the 3-4 decimals reported. Counts and sample counts: exact.
FCD_TOLERANCE = DIM * 1.6e-5 ** 2
PROPERTY_TOLERANCE = 1e-9


# -- the file's encodings --------------------------------------------------------------------------
def encode_strings(values: Iterable[str]) -> np.ndarray:
    """Strings (no newline in any) as one UTF-8 byte array, newline-separated."""
    values = list(values)
    if any("\n" in v for v in values):
        raise ValueError("a string with a newline cannot be stored newline-separated")
    return np.frombuffer("\n".join(values).encode("utf-8"), dtype=np.uint8).copy()


def decode_strings(data: np.ndarray, count: int) -> list[str]:
    if count == 0:
        return []
    out = bytes(np.asarray(data, dtype=np.uint8)).decode("utf-8").split("\n")
    if len(out) != count:
        raise ValueError(f"{len(out)} strings where {count} were stored")
    return out


def save_npz_lzma(path, arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` whose members are LZMA-compressed (``np.load`` reads it like any other, through
    :mod:`zipfile`): 4.78 MB for the MOSES statistics where NumPy's deflate gives 5.65, which keeps
    the shipped file under the repository's 5 MB limit on tracked files without dropping a number.
    Member dates are fixed, so the same arrays give the same bytes (and the same pinned SHA-256)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_LZMA
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(value), allow_pickle=False)


def triu(sigma: np.ndarray) -> np.ndarray:
    if not np.array_equal(sigma, sigma.T):
        raise ValueError("the covariance is not symmetric: storing its upper triangle would lose numbers")
    return sigma[np.triu_indices(len(sigma))]


def from_triu(values: np.ndarray, dim: int) -> np.ndarray:
    sigma = np.zeros((dim, dim), dtype=np.float64)
    sigma[np.triu_indices(dim)] = values
    lower = np.tril_indices(dim, -1)
    sigma[lower] = sigma.T[lower]
    return sigma


def moments_digest(mu: np.ndarray, sigma: np.ndarray) -> str:
    """SHA-256 of the float64 bytes of mu and sigma: 'the same moments, bit for bit' in one string."""
    h = hashlib.sha256(np.ascontiguousarray(mu, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(sigma, dtype=np.float64).tobytes())
    return h.hexdigest()


# -- what this install is --------------------------------------------------------------------------
def rdkit_version() -> str:
    import rdkit

    return rdkit.__version__


def release_series(version: str) -> str:
    """``2026.09`` of ``2026.09.1`` (RDKit's year.month feature release)."""
    return ".".join(version.split(".")[:2])


@lru_cache(maxsize=1)
def chemnet_identity() -> dict | None:
    """The ChemNet weights file FCD uses here (name, SHA-256, the fcd package's version), None without it."""
    from importlib.metadata import PackageNotFoundError, version

    from ganbench.core.errors import UserError
    from ganbench.core.data import sha256_of
    from ganbench.domains.molecule.chemnet import chemnet_weights_file

    try:
        path = chemnet_weights_file()
    except UserError:
        return None
    if not path.is_file():
        return None
    try:
        fcd = version("fcd")
    except PackageNotFoundError:  # pragma: no cover - weights found without the distribution's metadata
        fcd = None
    return {"file": path.name, "sha256": sha256_of(path), "package": "fcd", "package_version": fcd}


# -- the file and its recipe -----------------------------------------------------------------------
@dataclass(frozen=True)
class ShippedSplit:
    """One reference set of a shipped file: how it is made from its split file."""

    split: str  # the metrics' split name (test, testsf)
    name: str  # the ReferenceSet's name
    data: DataFile  # the split file and its SHA-256 (the set's data key)
    properties: bool  # logP/SA/QED/weight are part of it (MOSES: Test only)


@dataclass
class Check:
    """One line of ``cache verify``: what was compared, whether it passed, the numbers."""

    what: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'pass' if self.passed else 'FAIL'}  {self.what}: {self.detail}"


class _SplitHandle:
    """What a :class:`ReferenceSet` holds: ``lookup(refset)`` gives its shipped statistics, if they hold."""

    def __init__(self, shipped: "ShippedReferences", split: str):
        self.shipped, self.split = shipped, split

    def lookup(self, refset) -> dict | None:
        return self.shipped.lookup(self.split, refset)


class ShippedReferences:
    """A shipped statistics file (``path``, pinned ``sha256``; None: unpinned, verify only) and its recipe."""

    def __init__(self, name: str, path: Path, sha256: str | None, splits: tuple[ShippedSplit, ...],
                 bundled: Path | None = None):
        self.name, self.path, self.sha256, self.splits = name, Path(path), sha256, tuple(splits)
        self.bundled = bundled  # the split files ship inside the package, under this folder (else: data files)

    def locator(self, data_dir: str | None = None) -> DataLocator:
        """Where the split files are found: the package for bundled ones, else ``--data-dir``, $GANBENCH_DATA, ..."""
        return DataLocator(self.bundled) if self.bundled is not None else DataLocator(data_dir)

    def recipe(self, split: str) -> ShippedSplit:
        for s in self.splits:
            if s.split == split:
                return s
        raise KeyError(f"{self.name} has no split {split!r}")

    def with_file(self, path: Path, sha256: str | None = None) -> "ShippedReferences":
        """The same recipe read from another file (a fresh build, before its checksum is pinned)."""
        return ShippedReferences(self.name, path, sha256, self.splits, self.bundled)

    # -- reading ---------------------------------------------------------------------------------
    def file_sha256(self) -> str | None:
        return hashlib.sha256(self.path.read_bytes()).hexdigest() if self.path.is_file() else None

    def read(self, data: bytes | None = None) -> tuple[dict, dict[str, np.ndarray]]:
        """(provenance, arrays) of the file as it is, pinned or not (``cache verify``, tests), or of
        its bytes ``data`` already read (and checked: nothing can change them between check and use)."""
        with np.load(io.BytesIO(self.path.read_bytes() if data is None else data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        provenance = json.loads(str(arrays.pop("provenance")))
        if provenance.get("format") != FORMAT:
            raise ValueError(f"{self.path}: format {provenance.get('format')!r}, expected {FORMAT!r}")
        return provenance, arrays

    @cached_property
    def contents(self) -> tuple[dict, dict[str, np.ndarray]] | None:
        """(provenance, arrays) when the file is present and its SHA-256 is the pinned one; else None, with a warning."""
        fix = "reinstall ganbench to restore it"
        if self.sha256 is None:
            return None
        if not self.path.is_file():
            warnings.warn(f"{self.name}: the shipped reference statistics {self.path} are missing ({fix}); "
                          f"computing them here instead", RuntimeWarning, stacklevel=2)
            return None
        data = self.path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != self.sha256:
            warnings.warn(f"{self.name}: the shipped reference statistics {self.path} have SHA-256 {actual[:16]}… where "
                          f"{self.sha256[:16]}… is pinned (a damaged or edited file; {fix}); computing them here instead",
                          RuntimeWarning, stacklevel=2)
            return None
        try:
            return self.read(data)
        except (ValueError, KeyError, OSError) as exc:  # pragma: no cover - a pinned file reads
            warnings.warn(f"{self.name}: {self.path} is unreadable ({exc}); computing the statistics here instead",
                          RuntimeWarning, stacklevel=2)
            return None

    def split(self, split: str) -> _SplitHandle:
        """The ``shipped=`` argument of the :class:`ReferenceSet` of ``split``."""
        return _SplitHandle(self, split)

    def mismatches(self, provenance: dict, split: str, refset) -> list[str]:
        """Why the shipped numbers of ``split`` do not hold for ``refset`` here (empty: they do)."""
        from ganbench.domains.molecule.refstats import STATS_VERSION

        entry = provenance["splits"].get(split)
        if entry is None:
            return [f"it has no {split} split"]
        why = []
        if entry["sha256"] != refset._key:
            why.append(f"its {split} numbers are of a split file with SHA-256 {entry['sha256'][:16]}…, "
                       f"not {str(refset._key)[:16]}…")
        if provenance["ganbench_stats_version"] != STATS_VERSION:
            why.append(f"they follow statistics version {provenance['ganbench_stats_version']}, "
                       f"this ganbench {STATS_VERSION}")
        here = rdkit_version()
        if provenance["rdkit_series"] != release_series(here):
            why.append(f"they were computed with RDKit {provenance['rdkit']}, this is RDKit {here}")
        if bool(entry["properties"]) != bool(refset.properties):
            why.append(f"its {split} set {'has' if entry['properties'] else 'lacks'} property values")
        return why

    def lookup(self, split: str, refset) -> dict | None:
        """The statistics of ``split`` that hold for ``refset`` here, decoded (None: compute them)."""
        if os.environ.get(NO_SHIPPED_ENV, "").strip() not in ("", "0"):
            return None
        contents = self.contents
        if contents is None:
            return None
        provenance, arrays = contents
        why = self.mismatches(provenance, split, refset)
        if why:
            warnings.warn(f"{self.name}: the shipped {split} reference statistics do not apply here: {'; '.join(why)}. "
                          f"Computing them on this machine instead (once, then cached)", RuntimeWarning, stacklevel=2)
            return None
        entry = provenance["splits"][split]
        out: dict = {"n_smiles": int(entry["n_smiles"]), "n_valid": entry.get("n_valid"), "n_rows": entry.get("n_rows")}
        stats = list(entry["statistics"])
        if "fcd" in stats:
            here = chemnet_identity()
            if here is None or here["sha256"] != provenance["chemnet"]["sha256"]:
                # FCD of samples needs the weights anyway; without the same ones the moments are of another network
                stats.remove("fcd")
            else:
                p = f"{split}/"
                out["fcd"] = {"mu": arrays[p + "fcd_mu"], "sigma": from_triu(arrays[p + "fcd_sigma_triu"], DIM),
                              "n": np.array(int(entry["fcd_n"]))}
        if "counts" in stats:
            out["counts"] = {kind: dict(zip(decode_strings(arrays[f"{split}/{kind}_keys"], len(arrays[f"{split}/{kind}_counts"])),
                                            arrays[f"{split}/{kind}_counts"].tolist()))
                             for kind in ("fragments", "scaffolds")}
        if "properties" in stats:
            from ganbench.domains.molecule.metrics import PROPERTIES

            out["properties"] = {p: arrays[f"{split}/{p}"] for p in PROPERTIES}
        if not stats:
            return None
        out["id"] = f"{self.sha256[:16]}:{','.join(stats)}"
        return out

    # -- the reference sets ----------------------------------------------------------------------
    def reference_set(self, split: str, locator: DataLocator, use_shipped: bool = True, n_jobs: int | None = None):
        """The :class:`ReferenceSet` of ``split``: its split file found (and checked) only when it is read."""
        from ganbench.domains.molecule.refstats import ReferenceSet

        r = self.recipe(split)
        return ReferenceSet(r.name, lambda: read_smiles_csv(locator.find(r.data)), key=r.data.sha256, n_jobs=n_jobs,
                            properties=r.properties, shipped=self.split(split) if use_shipped else None)

    def computed_sets(self, locator: DataLocator, cache_root: Path, n_jobs: int | None = None) -> dict:
        """Every split's set computing from its file (never from a shipped file), cached under ``cache_root``."""
        from ganbench.engine.refcache import ReferenceCache

        sets = {}
        for r in self.splits:
            s = self.reference_set(r.split, locator, use_shipped=False, n_jobs=n_jobs)
            s.cache = ReferenceCache(cache_root)  # replaces the cached_property's default (the user's cache)
            sets[r.split] = s
        return sets

    # -- building ----------------------------------------------------------------------------------
    def seed_fcd_cache(self, locator: DataLocator, cache_root: Path) -> list[str]:
        """Write the pinned file's FCD moments into the build cache ``cache_root`` as the entries a
        :class:`ReferenceSet` would compute, so a rebuild that adds statistics does not spend ~50
        minutes of ChemNet re-deriving moments that are already shipped, pinned and still valid here
        (same split files, statistics version, RDKit series and ChemNet weights: :meth:`lookup`
        decides, as for any user). Returns the splits seeded; an entry already in the cache is kept."""
        seeded = []
        for split, refset in self.computed_sets(locator, cache_root).items():
            found = self.lookup(split, refset)
            if not found or "fcd" not in found:
                continue
            fcd = found["fcd"]
            refset.cache.get(refset.cache_key("chemnet-fcd"), lambda fcd=fcd: dict(fcd), ("mu", "sigma", "n"))
            seeded.append(split)
        return seeded

    def build(self, out: Path, locator: DataLocator, cache_root: Path, statistics: Iterable[str] = STATISTICS,
              n_jobs: int | None = None, note: str = "") -> str:
        """Write the file to ``out`` from the statistics under ``cache_root`` (computed there when
        absent); returns its SHA-256, to be pinned. The numbers are exactly what a
        :class:`ReferenceSet` computes: the builder asks one for them."""
        from ganbench.domains.molecule.metrics import PROPERTIES
        from ganbench.domains.molecule.refstats import STATS_VERSION
        from ganbench.core.atomic import atomic_write

        statistics = tuple(statistics)
        unknown = [s for s in statistics if s not in STATISTICS]
        if unknown or not statistics:
            raise ValueError(f"statistics must be some of {', '.join(STATISTICS)}; got {', '.join(statistics) or 'none'}")
        chemnet = chemnet_identity()
        if "fcd" in statistics and chemnet is None:
            from ganbench.core.errors import UserError

            raise UserError("shipping FCD moments needs the ChemNet weights of the 'fcd' package: pip install fcd")
        arrays: dict[str, np.ndarray] = {}
        splits = {}
        for split, refset in self.computed_sets(locator, cache_root, n_jobs).items():
            p, r = f"{split}/", self.recipe(split)
            entry = {"name": r.name, "data_file": r.data.relpath, "sha256": r.data.sha256, "properties": r.properties,
                     "n_smiles": refset.size, "statistics": []}
            if "fcd" in statistics:
                z = refset.fcd_statistics()
                arrays[p + "fcd_mu"] = np.asarray(z["mu"], dtype=np.float64)
                arrays[p + "fcd_sigma_triu"] = triu(np.asarray(z["sigma"], dtype=np.float64))
                entry.update(fcd_n=int(z["n"]), fcd_moments_sha256=moments_digest(z["mu"], z["sigma"]))
                entry["statistics"].append("fcd")
            feats = refset.features if {"counts", "properties"} & set(statistics) else None
            if feats is not None:  # what the fingerprints computed on first use must agree with
                entry.update(n_valid=int(feats["n_valid"]), n_rows=int(len(feats["weights"])))
            if "counts" in statistics:
                for kind in ("fragments", "scaffolds"):
                    arrays[f"{p}{kind}_keys"] = encode_strings(feats[kind])
                    arrays[f"{p}{kind}_counts"] = np.array(list(feats[kind].values()), dtype=np.int64)
                entry["statistics"].append("counts")
            if "properties" in statistics and r.properties:
                if not np.all(feats["weights"] == 1.0):
                    raise ValueError(f"{r.name}: repeated SMILES; shipped property values are sorted and need rows of weight 1")
                for prop in PROPERTIES:
                    arrays[p + prop] = np.sort(np.asarray(feats[prop], dtype=np.float64), kind="mergesort")
                entry["statistics"].append("properties")
            splits[split] = entry
        provenance = {
            "format": FORMAT, "name": self.name, "ganbench_stats_version": STATS_VERSION,
            "rdkit": rdkit_version(), "rdkit_series": release_series(rdkit_version()),
            "chemnet": chemnet, "numpy": np.__version__,
            "built": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
            "how": "ganbench ReferenceSet (refstats.py): FCD moments of the ChemNet activations (fcd_torch "
                   "tokenisation) of the RDKit canonical SMILES, distinct molecules weighted by their count, "
                   "float64 mean and unbiased covariance; BRICS fragment and Bemis-Murcko scaffold (>= 2 rings) "
                   "counts and Crippen logP, SA, QED, MolWt of the molecules parsed from the split's strings",
            "note": note, "splits": splits,
        }
        arrays["provenance"] = np.array(json.dumps(provenance, sort_keys=True))
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, lambda tmp: save_npz_lzma(tmp, arrays), suffix=".tmp.npz")
        return hashlib.sha256(out.read_bytes()).hexdigest()

    # -- verifying ---------------------------------------------------------------------------------
    def verify(self, locator: DataLocator, cache_root: Path, statistics: Iterable[str] = STATISTICS,
               n_jobs: int | None = None, log: Callable[[str], None] = lambda line: None) -> list[Check]:
        """Recompute the file's statistics from the split files (under ``cache_root``: give an empty
        folder for a recomputation) and compare them with the file. ``log`` gets each check's line."""
        from ganbench.domains.molecule.metrics import PROPERTIES, wasserstein
        from ganbench.domains.molecule.refstats import STATS_VERSION
        from ganbench.metrics.frechet import frechet_distance

        checks: list[Check] = []

        def add(what: str, passed: bool, detail: str) -> None:
            checks.append(Check(what, bool(passed), detail))
            log(checks[-1].line())

        actual = self.file_sha256()
        if actual is None:
            add("file", False, f"{self.path} does not exist")
            return checks
        if self.sha256 is None:
            add("file", True, f"{self.path}, SHA-256 {actual} (not pinned: comparing its numbers only)")
        else:
            add("file", actual == self.sha256, f"{self.path}, SHA-256 {actual[:16]}… "
                + ("as pinned" if actual == self.sha256 else f"where {self.sha256[:16]}… is pinned"))
        provenance, arrays = self.read()
        here = rdkit_version()
        chem = chemnet_identity() or {}
        log(f"      built {provenance['built']} with RDKit {provenance['rdkit']} (here {here}), ChemNet "
            f"{provenance['chemnet']['file'] if provenance.get('chemnet') else '-'} "
            f"{(provenance.get('chemnet') or {}).get('sha256', '-')[:16]}… (here {chem.get('sha256', 'none')[:16]}…), "
            f"statistics version {provenance['ganbench_stats_version']} (here {STATS_VERSION})")
        wanted = set(statistics)
        sets = self.computed_sets(locator, cache_root, n_jobs)
        for split, refset in sets.items():
            entry = provenance["splits"].get(split)
            r = self.recipe(split)
            if entry is None:
                add(f"{split}", False, "not in the file")
                continue
            same = entry["sha256"] == r.data.sha256 and entry["name"] == r.name and bool(entry["properties"]) == r.properties
            add(f"{split} recipe", same, f"{entry['name']} from {entry['data_file']} (SHA-256 {entry['sha256'][:16]}…)"
                + ("" if same else f"; the code makes {r.name} from {r.data.relpath} ({r.data.sha256[:16]}…)"))
            add(f"{split} SMILES", refset.size == entry["n_smiles"], f"{refset.size} here, {entry['n_smiles']} in the file")
            p = f"{split}/"
            if "fcd" in entry["statistics"] and "fcd" in wanted:
                z = refset.fcd_statistics()
                mu, sigma = arrays[p + "fcd_mu"], from_triu(arrays[p + "fcd_sigma_triu"], DIM)
                d = frechet_distance(mu, sigma, z["mu"], z["sigma"])
                dmu, dsig = float(np.abs(mu - z["mu"]).max()), float(np.abs(sigma - z["sigma"]).max())
                ok = d <= FCD_TOLERANCE and int(z["n"]) == int(entry["fcd_n"])
                add(f"{split} fcd", ok, f"n {int(z['n'])} (file {entry['fcd_n']}), max|Δmu| {dmu:.2e}, max|Δsigma| {dsig:.2e}, "
                    f"FCD(file, recomputed) {d:.2e} (tolerance {FCD_TOLERANCE:.1e})"
                    + ("; bit for bit" if dmu == 0.0 and dsig == 0.0 else ""))
            needs_features = "counts" in wanted and "counts" in entry["statistics"] or \
                "properties" in wanted and "properties" in entry["statistics"]
            if not needs_features:
                continue
            feats = refset.features
            rows_ok = (int(feats["n_valid"]), len(feats["weights"])) == (entry.get("n_valid"), entry.get("n_rows"))
            add(f"{split} rows", rows_ok, f"{int(feats['n_valid'])} valid SMILES in {len(feats['weights'])} distinct "
                f"(file {entry['n_valid']} in {entry['n_rows']})")
            if "counts" in entry["statistics"] and "counts" in wanted:
                for kind in ("fragments", "scaffolds"):
                    counts = arrays[f"{p}{kind}_counts"]
                    shipped = dict(zip(decode_strings(arrays[f"{p}{kind}_keys"], len(counts)), counts.tolist()))
                    mine = feats[kind]
                    differ = sum(1 for k in set(shipped) | set(mine) if shipped.get(k) != mine.get(k))
                    add(f"{split} {kind}", differ == 0, f"{len(mine)} distinct (file {len(shipped)}), {differ} differ")
            if "properties" in entry["statistics"] and "properties" in wanted:
                for prop in PROPERTIES:
                    ship, mine = arrays[p + prop], np.asarray(feats[prop], dtype=np.float64)
                    if len(ship) != len(mine):
                        add(f"{split} {prop}", False, f"{len(mine)} values, {len(ship)} in the file")
                        continue
                    w1 = wasserstein(ship, mine, feats["weights"])
                    dmax = float(np.abs(ship - np.sort(mine, kind="mergesort")).max()) if len(ship) else 0.0
                    add(f"{split} {prop}", w1 <= PROPERTY_TOLERANCE,
                        f"W1(file, recomputed) {w1:.2e} (tolerance {PROPERTY_TOLERANCE:.0e}), max|Δ| sorted {dmax:.2e}")
        return checks


# The MOSES Test and TestSF statistics (tasks/molecule_moses.py). Rebuild with the command in
# data/README.md and pin the SHA-256 it prints.
MOSES_PATH = Path(__file__).parent / "data" / "moses_reference.npz"
MOSES_SHA256 = "6d87de3b105354c4133a768a75454f141f90f1dca4329d245f6a3619cc9444be"
MOSES = ShippedReferences("molecule/moses", MOSES_PATH, MOSES_SHA256, (
    ShippedSplit("test", "moses-test", TEST, properties=True),
    ShippedSplit("testsf", "moses-testsf", TEST_SF, properties=False),
))
# molecule/moses-small's 10k-molecule Test/TestSF subsets (bundled, pinned in moses_data): their FCD
# moments and counts are the quick suite's costliest first-use work (~70 s of ChemNet on one core),
# so they ship too, made and checked exactly like MOSES' own (``--which moses-small``).
MOSES_SMALL_PATH = Path(__file__).parent / "data" / "moses_small_reference.npz"
MOSES_SMALL_SHA256 = "bf69a83e076747dcb7f262a46192b9df5e38f3a8a573ff8cbd420e06e3a011e3"
MOSES_SMALL = ShippedReferences("molecule/moses-small", MOSES_SMALL_PATH, MOSES_SMALL_SHA256, (
    ShippedSplit("test", "moses-small-test", DataFile(f"{SMALL_DIR.name}/test.csv.gz", SMALL_SHA256["test"]),
                 properties=True),
    ShippedSplit("testsf", "moses-small-testsf",
                 DataFile(f"{SMALL_DIR.name}/test_scaffolds.csv.gz", SMALL_SHA256["test_scaffolds"]), properties=False),
), bundled=SMALL_DIR.parent)
SHIPPED = {MOSES.name: MOSES, MOSES_SMALL.name: MOSES_SMALL}  # what ``ganbench cache verify`` knows


def main(argv: list[str] | None = None) -> int:
    """Build a shipped statistics file (maintainers): ``python -m ganbench.domains.molecule.shipped``."""
    p = argparse.ArgumentParser(prog="python -m ganbench.domains.molecule.shipped",
                                description="Build the shipped MOSES reference statistics from the split files. "
                                            "Statistics already in --cache (e.g. FCD moments computed earlier) are "
                                            "read, not recomputed; the rest is computed there.")
    p.add_argument("--cache", required=True, type=Path, help="a reference cache root (its refstats/ folder holds or gets the entries)")
    p.add_argument("--which", default=MOSES.name, choices=sorted(SHIPPED), help="which statistics (default molecule/moses)")
    p.add_argument("--out", type=Path, default=None, help="where to write (default: the shipped file's place)")
    p.add_argument("--statistics", default=",".join(STATISTICS), help=f"comma-separated, of {','.join(STATISTICS)}")
    p.add_argument("--data-dir", default=None, help="folder with moses/test.csv.gz and moses/test_scaffolds.csv.gz")
    p.add_argument("--jobs", type=int, default=None, help="worker processes for RDKit (default: the cores here)")
    p.add_argument("--note", default=None, help="a sentence for the provenance (how the statistics were obtained; "
                                                "default: the note of the file at --out)")
    p.add_argument("--reuse-fcd", action="store_true", help="take the FCD moments from the pinned shipped file "
                                                            "where they still hold here, instead of recomputing them")
    args = p.parse_args(argv)
    shipped = SHIPPED[args.which]
    args.out = args.out or shipped.path
    locator = shipped.locator(args.data_dir)
    stats = [s.strip() for s in args.statistics.split(",") if s.strip()]
    if not stats or any(s not in STATISTICS for s in stats):
        p.error(f"--statistics: give some of {','.join(STATISTICS)}")
    note = args.note
    if note is None:
        note = shipped.with_file(args.out).read()[0].get("note", "") if args.out.is_file() else ""
    if args.reuse_fcd:
        seeded = shipped.seed_fcd_cache(locator, args.cache / "refstats")
        print(f"FCD moments reused from the pinned {shipped.path.name}: {', '.join(seeded) or 'none (they do not hold here)'}")
    sha = shipped.build(args.out, locator, args.cache / "refstats", stats, args.jobs, note)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f'pin it in {Path(__file__).name}: the SHA-256 of {shipped.name} = "{sha}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
