"""Reference statistics of a molecule set (MOSES Test/TestSF, a training set), computed once, cached.

What MOSES' ``compute_intermediate_statistics`` precomputes, as entries of the evaluator's
reference cache (:mod:`ganbench.engine.refcache`: one ``.npz`` each, never pickle, written
atomically under a lock), keyed by the set's name and :attr:`ReferenceSet.key`:

* ``moses-features``: Morgan bits (CSR), logP, SA, QED, weight of every reference molecule, and
  the BRICS fragment and scaffold counts (as key and count arrays);
* ``chemnet-fcd``: mean and covariance of the ChemNet activations (MOSES' tokenisation);
* ``meta``: the number of reference SMILES (so a cached set never loads its file to report it).

The key hashes the reference SMILES themselves (or the data file's SHA-256), the RDKit version
and :data:`STATS_VERSION`, so a new RDKit or a changed definition recomputes instead of reusing
stale numbers. As in MOSES, reference features come from the molecules parsed from the given
strings (not re-canonicalised); FCD reads their canonical SMILES (``fcd_torch`` canonicalises).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import cached_property
from typing import Callable, Sequence

import numpy as np

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
    the SMILES.
    """

    def __init__(self, name: str, smiles: Sequence[str] | Callable[[], Sequence[str]], key: str | None = None,
                 n_jobs: int | None = None, properties: bool = True):
        self.name = name
        self.properties = properties  # False: SNN/Frag/Scaf/FCD only (MOSES compares properties with Test only)
        self._smiles = smiles
        self.n_jobs = n_jobs
        self._key = key

    @cached_property
    def smiles(self) -> list[str]:
        return list(self._smiles() if callable(self._smiles) else self._smiles)

    @cached_property
    def key(self) -> str:
        data = self._key or smiles_key(self.smiles)
        what = "props" if self.properties else "noprops"
        h = hashlib.sha256(f"{data}|rdkit {_rdkit_version()}|stats {STATS_VERSION}|{what}".encode()).hexdigest()[:16]
        return h

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

        table = moses_table(self.smiles, n_jobs=self.n_jobs, reference=True, properties=self.properties)
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

        canonical = [c for c in parallel_map(_canonical_chunk, self.smiles, self.n_jobs) if c is not None]
        distinct = Counter(canonical)
        act = moses_activations(list(distinct))
        mu, sigma = weighted_moments(act, np.fromiter(distinct.values(), dtype=np.float64))
        self._store_meta()
        return {"mu": mu, "sigma": sigma, "n": np.array(len(canonical))}

    @cached_property
    def fcd_moments(self) -> tuple[np.ndarray, np.ndarray]:
        z = self.cache.get(self.cache_key("chemnet-fcd"), self._compute_fcd, ("mu", "sigma"))
        return z["mu"], z["sigma"]

    def _store_meta(self) -> None:
        self.cache.get(self.cache_key("meta"), lambda: {"n_smiles": np.array(len(self.smiles))}, ("n_smiles",))

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
