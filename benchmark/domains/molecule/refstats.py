"""Reference statistics of a molecule set (MOSES Test/TestSF, a training set), computed once, cached.

What MOSES' ``compute_intermediate_statistics`` precomputes, in safe files (never pickle) under
``cache_root()/refstats/<name>-<key>/``:

* ``features.npz``: Morgan bits (CSR), logP, SA, QED, weight of every reference molecule;
* ``fragments.json`` / ``scaffolds.json``: BRICS fragment and scaffold counts;
* ``fcd.npz``: mean and covariance of the ChemNet activations (MOSES' tokenisation).

The key hashes the reference SMILES themselves (or the data file's SHA-256), the RDKit version
and :data:`STATS_VERSION`, so a new RDKit or a changed definition recomputes instead of reusing
stale numbers. As in MOSES, reference features come from the molecules parsed from the given
strings (not re-canonicalised); FCD reads their canonical SMILES (``fcd_torch`` canonicalises).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ganbench.core.data import cache_root
from ganbench.core.atomic import atomic_write_text, save_npz

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

    @property
    def folder(self) -> Path:
        return cache_root() / "refstats" / f"{self.name}-{self.key}"

    # -- the per-molecule features -----------------------------------------------------------
    def _features(self) -> dict:
        folder = self.folder
        fpath = folder / "features.npz"
        if fpath.exists() and (folder / "fragments.json").exists() and (folder / "scaffolds.json").exists():
            with np.load(fpath, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            frags = json.loads((folder / "fragments.json").read_text())
            scafs = json.loads((folder / "scaffolds.json").read_text())
            return {**arrays, "fragments": frags, "scaffolds": scafs}
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
        arrays = {"fp_indptr": table.fp_indptr, "fp_bits": table.fp_bits, "weights": w, "logp": table.logp,
                  "sa": table.sa, "qed": table.qed, "weight": table.weight,
                  "n_valid": np.array(table.n_valid), "n": np.array(table.n_samples)}
        save_npz(fpath, **arrays)
        atomic_write_text(folder / "fragments.json", json.dumps(frags))
        atomic_write_text(folder / "scaffolds.json", json.dumps(scafs))
        self._write_meta()
        return {**arrays, "fragments": dict(frags), "scaffolds": dict(scafs)}

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
    @cached_property
    def fcd_moments(self) -> tuple[np.ndarray, np.ndarray]:
        path = self.folder / "fcd.npz"
        if path.exists():
            with np.load(path, allow_pickle=False) as z:
                return z["mu"], z["sigma"]
        from ganbench.domains.molecule.features import parallel_map
        from ganbench.domains.molecule.chemnet import moses_activations, weighted_moments

        canonical = [c for c in parallel_map(_canonical_chunk, self.smiles, self.n_jobs) if c is not None]
        distinct = Counter(canonical)
        act = moses_activations(list(distinct))
        mu, sigma = weighted_moments(act, np.fromiter(distinct.values(), dtype=np.float64))
        save_npz(path, mu=mu, sigma=sigma, n=np.array(len(canonical)))
        self._write_meta()
        return mu, sigma

    def _write_meta(self) -> None:
        meta = {"name": self.name, "key": self.key, "rdkit": _rdkit_version(), "stats_version": STATS_VERSION,
                "n_smiles": len(self.smiles)}
        atomic_write_text(self.folder / "meta.json", json.dumps(meta, indent=1))

    @cached_property
    def size(self) -> int:
        """Number of reference SMILES (read from the cache's meta.json when the list is not loaded)."""
        meta = self.folder / "meta.json"
        if "smiles" not in self.__dict__ and meta.exists():
            return int(json.loads(meta.read_text())["n_smiles"])
        return len(self.smiles)

    def details(self) -> dict:
        return {"reference": self.name, "reference_size": self.size}


def _canonical_chunk(smiles: list[str]) -> list:
    from ganbench.domains.molecule.molecules import canonical_smiles, quiet_rdkit

    quiet_rdkit()
    return [canonical_smiles(s) for s in smiles]
