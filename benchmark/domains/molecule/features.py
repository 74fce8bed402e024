"""One RDKit pass per distinct SMILES: every per-molecule fact the MOSES metrics need, in one table.

:func:`moses_table` takes SMILES strings (generated samples, or a reference split), parses each
*distinct* string once (MOSES' conventions, :mod:`.molecules`) and computes, per distinct
canonical molecule: Morgan bits (radius 2, 1024 bits, as ``GetMorganFingerprintAsBitVect``),
BRICS fragments, the Bemis–Murcko scaffold (kept only with ≥ 2 rings), the filters verdict,
logP, SA, QED and weight. Samples map to molecules through ``inverse``, so duplicated samples
cost nothing and every metric still weights them as MOSES does (it keeps duplicates).

Strings over the size bound, and binary, never reach RDKit (:mod:`.bounds`): they are invalid
samples, counted by reason in :attr:`MosesTable.screened`.

Big sets run in worker processes (RDKit releases nothing to threads); each worker returns
plain Python values, never molecules. :func:`guacamol_table` does the same for GuacaMol's
descriptors and 4096-bit ECFP4 fingerprints.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Callable, Sequence

import numpy as np

PARALLEL_MIN = 2000  # below this many distinct molecules, worker start-up costs more than it saves
CHUNK = 256


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def parallel_map(fn: Callable[[list], list], items: Sequence, n_jobs: int | None = None, chunk: int = CHUNK,
                 progress: Callable[[int], None] | None = None) -> list:
    """``fn`` over chunks of ``items`` (flattened results, input order), in worker processes when it pays.
    ``progress(n)`` is called as each chunk of n items is done (a progress bar's update)."""
    items = list(items)
    n_jobs = available_cpus() if n_jobs is None else max(1, int(n_jobs))
    chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]

    def done(part: list) -> list:
        if progress is not None:
            progress(len(part))
        return part

    if n_jobs == 1 or len(items) < PARALLEL_MIN:
        return [r for c in chunks for r in done(fn(c))]
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    # Forked workers inherit the parent's heap (reference sets can hold millions of objects); frozen
    # objects are never traversed by the workers' garbage collector, so their pages stay shared
    # instead of being touched, copied and scanned in every worker.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=mp.get_context(method),
                                 initializer=_worker_init) as pool:
            return [r for part in pool.map(fn, chunks) for r in done(part)]
    finally:
        gc.unfreeze()


def _worker_init() -> None:
    """Workers do RDKit work only: one thread each, quiet logs."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    from ganbench.domains.molecule.molecules import quiet_rdkit

    quiet_rdkit()


# --- MOSES -------------------------------------------------------------------------------------
@dataclass
class MosesTable:
    """Per-sample validity and canonical form; per distinct canonical molecule, its features."""

    n_samples: int
    valid: np.ndarray  # bool [n_samples]
    canonical: list  # [n_samples] canonical SMILES or None
    inverse: np.ndarray  # int64 [n_valid]: valid sample (in order) -> molecule row
    molecules: list[str]  # distinct canonical SMILES, first-seen order
    fp_indptr: np.ndarray  # int64 [n_mol + 1]: CSR rows of Morgan on-bits
    fp_bits: np.ndarray  # uint16 [nnz]
    fragments: list  # [n_mol] list of BRICS fragment SMILES
    scaffolds: list  # [n_mol] scaffold SMILES (>= 2 rings) or None
    passes: np.ndarray  # bool [n_mol]
    logp: np.ndarray
    sa: np.ndarray
    qed: np.ndarray
    weight: np.ndarray
    screened: dict = field(default_factory=dict)  # invalid before RDKit, by reason: {"too_long": n, "binary": n}

    @property
    def n_valid(self) -> int:
        return int(len(self.inverse))

    @property
    def multiplicity(self) -> np.ndarray:
        """How many valid samples each molecule stands for (float64 weights)."""
        return np.bincount(self.inverse, minlength=len(self.molecules)).astype(np.float64)

    @property
    def valid_canonical(self) -> list[str]:
        """Canonical SMILES of the valid samples in sample order, duplicates kept (MOSES' ``gen``)."""
        return [c for c in self.canonical if c is not None]


def _moses_record(smiles: str, reference: bool = False, properties: bool = True):
    from rdkit import Chem
    from rdkit.Chem import AllChem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from ganbench.domains.molecule import properties as P
    from ganbench.domains.molecule.filters import passes_filters
    from ganbench.domains.molecule.molecules import get_mol, parse_canonical
    from ganbench.domains.molecule.substructure import pattern_fp

    if reference:  # MOSES' reference statistics use the molecules of the strings as given
        mol, source = get_mol(smiles), smiles
        can = None if mol is None else Chem.MolToSmiles(mol)
    else:
        can, mol, source = parse_canonical(smiles)
    if mol is None:
        return None
    bits = np.flatnonzero(_morgan_generator(1024).GetFingerprintAsNumPy(mol)).astype(np.uint16)
    fragments = Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split(".")
    try:
        scaf = MurckoScaffold.GetScaffoldForMol(mol)
        scaf_smiles = Chem.MolToSmiles(scaf)
        if scaf_smiles == "" or scaf.GetRingInfo().NumRings() < 2:
            scaf_smiles = None
    except (ValueError, RuntimeError):
        scaf_smiles = None
    if not properties:  # a reference split that only needs SNN/Frag/Scaf (MOSES' TestSF)
        return (can, bits, fragments, scaf_smiles, False, np.nan, np.nan, np.nan, np.nan)
    lp, wt, fp = P.logp(mol), P.weight(mol), pattern_fp(mol)  # fp: screens filters and QED alerts
    # filters are never asked of a reference
    passes = False if reference else passes_filters(mol, mol_fp=fp, parsed_from=source)
    return (can, bits, fragments, scaf_smiles, passes, lp, P.sa_score(mol),
            P.qed(mol, logp_value=lp, weight_value=wt, mol_fp=fp), wt)


@lru_cache(maxsize=4)
def _morgan_generator(size: int, radius: int = 2):
    """RDKit's Morgan generator (same bits as ``GetMorganFingerprintAsBitVect(mol, radius, size)``)."""
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=size)


def _moses_chunk(smiles: list[str]) -> list:
    from ganbench.domains.molecule.molecules import quiet_rdkit

    quiet_rdkit()
    return [_moses_record(s) for s in smiles]


def _moses_reference_chunk(smiles: list[str], properties: bool = True) -> list:
    from ganbench.domains.molecule.molecules import quiet_rdkit

    quiet_rdkit()
    return [_moses_record(s, reference=True, properties=properties) for s in smiles]


def moses_table(smiles: Sequence, n_jobs: int | None = None, reference: bool = False,
                properties: bool = True, progress: Callable[[int], None] | None = None) -> MosesTable:
    """The feature table of ``smiles`` (anything that is not a string counts as invalid).

    ``reference``: features of the molecules parsed from the strings as given, one row per
    distinct string (MOSES' reference statistics); otherwise of the canonical molecules, one
    row per distinct canonical SMILES (MOSES' generated-set metrics). A reference gets no
    filter verdicts (never used) and, with ``properties=False``, no logP/SA/QED/weight (NaN).
    """
    from ganbench.domains.molecule.bounds import screened_counts

    smiles = list(smiles)
    distinct = list(dict.fromkeys(s for s in smiles if isinstance(s, str) and s))
    chunk_fn = partial(_moses_reference_chunk, properties=properties) if reference else _moses_chunk
    records = dict(zip(distinct, parallel_map(chunk_fn, distinct, n_jobs, progress=progress)))
    canonical = [records[s][0] if isinstance(s, str) and s and records[s] is not None else None for s in smiles]
    valid = np.array([c is not None for c in canonical], dtype=bool)
    row_of: dict[str, int] = {}
    rows: list = []
    for s in distinct:
        rec = records[s]
        key = s if reference else (rec[0] if rec is not None else None)
        if rec is not None and key not in row_of:
            row_of[key] = len(rows)
            rows.append(rec)
    if reference:
        inverse = np.array([row_of[s] for s, c in zip(smiles, canonical) if c is not None], dtype=np.int64)
    else:
        inverse = np.array([row_of[c] for c in canonical if c is not None], dtype=np.int64)
    counts = np.array([len(r[1]) for r in rows], dtype=np.int64)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    bits = np.concatenate([r[1] for r in rows]).astype(np.uint16) if rows else np.zeros(0, np.uint16)
    col = lambda k, dt: np.array([r[k] for r in rows], dtype=dt)  # noqa: E731
    return MosesTable(
        n_samples=len(smiles), valid=valid, canonical=canonical, inverse=inverse,
        molecules=[r[0] for r in rows], fp_indptr=indptr, fp_bits=bits,
        fragments=[r[2] for r in rows], scaffolds=[r[3] for r in rows], passes=col(4, bool),
        logp=col(5, np.float64), sa=col(6, np.float64), qed=col(7, np.float64), weight=col(8, np.float64),
        screened=screened_counts(smiles),
    )


# --- GuacaMol ----------------------------------------------------------------------------------
@dataclass
class GuacamolTable:
    """GuacaMol's per-molecule facts for a list of canonical (non-isomeric) SMILES."""

    smiles: list[str]
    descriptors: np.ndarray  # float64 [n, 9], GUACAMOL_DESCRIPTORS order
    fp_indptr: np.ndarray  # ECFP4, 4096 bits (``GetMorganFingerprintAsBitVect(m, 2, 4096)``)
    fp_bits: np.ndarray


def _guacamol_record(smiles: str):
    from rdkit import Chem

    from ganbench.domains.molecule.bounds import parsable
    from ganbench.domains.molecule.properties import guacamol_descriptors

    mol = Chem.MolFromSmiles(smiles) if parsable(smiles) else None
    if mol is None:
        return None
    gen = _morgan_generator(4096)
    bits = np.flatnonzero(gen.GetFingerprintAsNumPy(mol)).astype(np.uint16)
    return guacamol_descriptors(mol), bits


def _guacamol_chunk(smiles: list[str]) -> list:
    from ganbench.domains.molecule.molecules import quiet_rdkit

    quiet_rdkit()
    return [_guacamol_record(s) for s in smiles]


def guacamol_table(smiles: Sequence[str], n_jobs: int | None = None) -> GuacamolTable:
    """Descriptors and ECFP4 bits of ``smiles`` (strings RDKit cannot parse, or over the bound, are dropped)."""
    smiles = list(smiles)
    recs = parallel_map(_guacamol_chunk, smiles, n_jobs)
    kept = [(s, r) for s, r in zip(smiles, recs) if r is not None]
    counts = np.array([len(r[1]) for _, r in kept], dtype=np.int64)
    indptr = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return GuacamolTable(
        smiles=[s for s, _ in kept],
        descriptors=np.array([r[0] for _, r in kept], dtype=np.float64).reshape(len(kept), 9),
        fp_indptr=indptr,
        fp_bits=np.concatenate([r[1] for _, r in kept]).astype(np.uint16) if kept else np.zeros(0, np.uint16),
    )
