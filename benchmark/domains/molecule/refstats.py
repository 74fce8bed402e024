"""Reference statistics of a molecule set (MOSES Test/TestSF, a training set), computed once, cached.

What MOSES' ``compute_intermediate_statistics`` precomputes, as entries of the evaluator's
reference cache (:mod:`ganbench.engine.refcache`: one ``.npz`` each, never pickle, written
atomically under a lock), keyed by the set's name and :attr:`ReferenceSet.key`:

* ``moses-features``: Morgan bits (CSR), logP, SA, QED, weight of every reference molecule, and
  the BRICS fragment and scaffold counts (as key and count arrays);
* ``chemnet-fcd``: mean and covariance of the ChemNet activations (MOSES' tokenisation);
* ``meta``: the number of reference SMILES (so a cached set never loads its file to report it).

A set built with ``shipped=`` (MOSES' Test and TestSF, :mod:`.shipped`) first takes whatever
statistics the package ships for it — FCD moments, fragment and scaffold counts, property values —
when the shipped file's pinned checksum and its data key match this set and this install (split
file SHA-256, :data:`STATS_VERSION`, RDKit release series, ChemNet weights); only the Morgan
fingerprints are then computed here. Entries built from shipped numbers are cached under a key
that names the shipped file, so they never mix with entries computed on this machine. Whatever is
computed shows a progress bar (:mod:`ganbench.core.progress`).

The key hashes the reference SMILES themselves (or the data file's SHA-256), the RDKit version
and :data:`STATS_VERSION`, so a new RDKit or a changed definition recomputes instead of reusing
stale numbers. As in MOSES, reference features come from the molecules parsed from the given
strings (not re-canonicalised); FCD reads their canonical SMILES (``fcd_torch`` canonicalises).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import cached_property
from typing import Any, Callable, Sequence

import numpy as np

from ganbench.core.progress import progress
from ganbench.engine.refcache import RefKey, ReferenceCache, arrays_to_counts, counts_to_arrays

STATS_VERSION = "1"


def smiles_key(smiles: Sequence[str]) -> str:
    h = hashlib.sha256()
    for s in smiles:
        h.update(s.encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def _rdkit_version() -> str:
    import rdkit

    return rdkit.__version__


class ReferenceSet:
    """A named reference set; every statistic is computed on first use and cached on disk.

    ``smiles``: the SMILES list, or a zero-argument callable returning it (so a cached set never
    loads its file). ``key``: identity of the data (e.g. the file's SHA-256); default: hash of
    the SMILES. ``shipped``: where shipped statistics of this set may be (an object whose
    ``lookup(refset)`` gives them when they match, :meth:`.shipped.ShippedReferences.split`), or None.
    """

    def __init__(self, name: str, smiles: Sequence[str] | Callable[[], Sequence[str]], key: str | None = None,
                 n_jobs: int | None = None, properties: bool = True, shipped: Any = None):
        self.name = name
        self.properties = properties  # False: SNN/Frag/Scaf/FCD only (MOSES compares properties with Test only)
        self._smiles = smiles
        self.n_jobs = n_jobs
        self._key = key
        self.shipped = shipped

    @cached_property
    def smiles(self) -> list[str]:
        return list(self._smiles() if callable(self._smiles) else self._smiles)

    @cached_property
    def from_shipped(self) -> dict | None:
        """The shipped statistics of this set that hold here (None: everything is computed)."""
        return None if self.shipped is None else self.shipped.lookup(self)

    @cached_property
    def key(self) -> str:
        data = self._key or smiles_key(self.smiles)
        what = "props" if self.properties else "noprops"
        text = f"{data}|rdkit {_rdkit_version()}|stats {STATS_VERSION}|{what}"
        if self.from_shipped:  # entries assembled from a shipped file: their own key, never mixed with computed ones
            text += f"|shipped {self.from_shipped['id']}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def cache_key(self, feature: str) -> RefKey:
        """The cache entry ``feature`` of this set: its name and data key identify it."""
        return RefKey(self.name, self.key, feature)

    @cached_property
    def cache(self) -> ReferenceCache:
        return ReferenceCache()

    # -- the per-molecule features -----------------------------------------------------------
    FEATURE_ARRAYS = ("fp_indptr", "fp_bits", "weights", "logp", "sa", "qed", "weight", "n_valid", "n",
                      "fragments_keys", "fragments_counts", "scaffolds_keys", "scaffolds_counts")

    def _compute_features(self) -> dict:
        from ganbench.domains.molecule.features import moses_table

        shipped = self.from_shipped or {}
        if "counts" in shipped and ("properties" in shipped or not self.properties):
            assembled = self._features_with_shipped(shipped)
            if assembled is not None:
                return assembled
        smiles = self.smiles
        with progress(_n_distinct(smiles), f"{self.name}: reference features") as advance:
            table = moses_table(smiles, n_jobs=self.n_jobs, reference=True, properties=self.properties,
                                progress=advance)
        w = table.multiplicity
        frags: Counter = Counter()
        for row, fr in enumerate(table.fragments):
            for f in fr:
                frags[f] += int(w[row])
        scafs: Counter = Counter()
        for row, sc in enumerate(table.scaffolds):
            if sc is not None:
                scafs[sc] += int(w[row])
        self._store_meta()
        return {"fp_indptr": table.fp_indptr, "fp_bits": table.fp_bits, "weights": w, "logp": table.logp,
                "sa": table.sa, "qed": table.qed, "weight": table.weight,
                "n_valid": np.array(table.n_valid), "n": np.array(table.n_samples),
                **counts_to_arrays("fragments", frags), **counts_to_arrays("scaffolds", scafs)}

    def _features_with_shipped(self, shipped: dict) -> dict | None:
        """Fingerprints computed here, counts (and property values) from the shipped file; None
        (compute everything) if this machine parses the split differently from the shipped numbers."""
        import warnings

        from ganbench.domains.molecule.metrics import PROPERTIES

        smiles = self.smiles
        with progress(_n_distinct(smiles), f"{self.name}: fingerprints") as advance:
            fps = reference_fingerprints(smiles, self.n_jobs, advance)
        rows = len(fps["weights"])
        if (rows, int(fps["n_valid"])) != (shipped["n_rows"], shipped["n_valid"]) or \
                (self.properties and not np.all(fps["weights"] == 1.0)):
            warnings.warn(f"{self.name}: RDKit parses {rows} distinct valid SMILES ({int(fps['n_valid'])} valid) where the "
                          f"shipped statistics have {shipped['n_rows']} ({shipped['n_valid']}); computing them here instead",
                          RuntimeWarning, stacklevel=2)
            return None
        if self.properties:
            # shipped sorted: with every row weighing 1 (checked), the Wasserstein distances are the
            # same, bit for bit, whatever the order of the values
            props = {p: shipped["properties"][p] for p in PROPERTIES}
        else:
            props = {p: np.full(rows, np.nan) for p in PROPERTIES}
        self._store_meta()
        return {**fps, **props, **counts_to_arrays("fragments", shipped["counts"]["fragments"]),
                **counts_to_arrays("scaffolds", shipped["counts"]["scaffolds"])}

    def _features(self) -> dict:
        arrays = dict(self.cache.get(self.cache_key("moses-features"), self._compute_features, self.FEATURE_ARRAYS))
        counts = {name: arrays_to_counts(name, arrays) for name in ("fragments", "scaffolds")}
        for name in ("fragments", "scaffolds"):
            del arrays[f"{name}_keys"], arrays[f"{name}_counts"]
        return {**arrays, **counts}

    @cached_property
    def features(self) -> dict:
        return self._features()

    @cached_property
    def bit_rows(self):
        from ganbench.domains.molecule.tanimoto import BitRows

        f = self.features
        return BitRows.from_csr(f["fp_indptr"], f["fp_bits"], 1024, weights=f["weights"].astype(np.float32))

    @property
    def n_molecules(self) -> int:
        return int(self.features["n_valid"])

    # -- FCD ---------------------------------------------------------------------------------
    def _compute_fcd(self) -> dict:
        from ganbench.domains.molecule.features import parallel_map
        from ganbench.domains.molecule.chemnet import moses_activations, weighted_moments

        shipped = (self.from_shipped or {}).get("fcd")
        if shipped is not None:
            self._store_meta()
            return dict(shipped)
        smiles = self.smiles
        with progress(len(smiles), f"{self.name}: canonical SMILES") as advance:
            canonical = [c for c in parallel_map(_canonical_chunk, smiles, self.n_jobs, progress=advance) if c is not None]
        distinct = Counter(canonical)
        with progress(len(distinct), f"{self.name}: ChemNet activations") as advance:
            act = moses_activations(list(distinct), progress=advance)
        mu, sigma = weighted_moments(act, np.fromiter(distinct.values(), dtype=np.float64))
        self._store_meta()
        return {"mu": mu, "sigma": sigma, "n": np.array(len(canonical))}

    def fcd_statistics(self) -> dict[str, np.ndarray]:
        """``mu``, ``sigma`` (float64) and ``n`` (valid SMILES counted) of the ChemNet activations."""
        return self.cache.get(self.cache_key("chemnet-fcd"), self._compute_fcd, ("mu", "sigma", "n"))

    @cached_property
    def fcd_moments(self) -> tuple[np.ndarray, np.ndarray]:
        z = self.fcd_statistics()
        return z["mu"], z["sigma"]

    def _store_meta(self) -> None:
        def count() -> dict:
            shipped = self.from_shipped
            n = shipped["n_smiles"] if shipped and "smiles" not in self.__dict__ else len(self.smiles)
            return {"n_smiles": np.array(n)}

        self.cache.get(self.cache_key("meta"), count, ("n_smiles",))

    @cached_property
    def size(self) -> int:
        """Number of reference SMILES (read from the cache when the list is not loaded)."""
        if "smiles" not in self.__dict__:
            meta = self.cache.load(self.cache_key("meta"), ("n_smiles",))
            if meta is not None:
                return int(meta["n_smiles"])
        return len(self.smiles)

    def details(self) -> dict:
        return {"reference": self.name, "reference_size": self.size}


def _canonical_chunk(smiles: list[str]) -> list:
    from ganbench.domains.molecule.molecules import canonical_smiles, quiet_rdkit

    quiet_rdkit()
    return [canonical_smiles(s) for s in smiles]


def _n_distinct(smiles: Sequence) -> int:
    """How many distinct strings the feature pass works through (its progress bar's total)."""
    return len({s for s in smiles if isinstance(s, str) and s})


def _fingerprint_chunk(smiles: list[str]) -> list:
    from ganbench.domains.molecule.features import _morgan_generator
    from ganbench.domains.molecule.molecules import get_mol, quiet_rdkit

    quiet_rdkit()
    gen = _morgan_generator(1024)
    out = []
    for s in smiles:
        mol = get_mol(s)
        out.append(None if mol is None else np.flatnonzero(gen.GetFingerprintAsNumPy(mol)).astype(np.uint16))
    return out


def reference_fingerprints(smiles: Sequence, n_jobs: int | None = None,
                           advance: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """The fingerprint part of a reference's features and nothing else — parsing and Morgan bits
    cost a twelfth of the full pass on MOSES Test (no BRICS, scaffolds, logP/SA/QED), a quarter on
    TestSF: the rows, bits, weights and counts :func:`.features.moses_table` gives with
    ``reference=True`` (one row per distinct valid string, first-seen order, weighted by its repeats)."""
    from ganbench.domains.molecule.features import parallel_map

    smiles = list(smiles)
    repeats = Counter(s for s in smiles if isinstance(s, str) and s)  # first-seen order
    distinct = list(repeats)
    bits = parallel_map(_fingerprint_chunk, distinct, n_jobs, progress=advance)
    kept = [(b, repeats[s]) for s, b in zip(distinct, bits) if b is not None]
    indptr = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum([len(b) for b, _ in kept], out=indptr[1:])
    weights = np.array([w for _, w in kept], dtype=np.float64)
    return {"fp_indptr": indptr,
            "fp_bits": np.concatenate([b for b, _ in kept]).astype(np.uint16) if kept else np.zeros(0, np.uint16),
            "weights": weights, "n_valid": np.array(int(weights.sum())), "n": np.array(len(smiles))}
