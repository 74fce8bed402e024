"""MOSES' "Filters" metric: medicinal-chemistry filters (MCF), PAINS and MOSES' own atom rules.

A molecule passes (``moses.metrics.utils.mol_passes_filters``) when it has no ring of 8 or more
atoms, no charged atom, only the atoms C N S O F Cl Br H, matches none of the 22 MCF and 480 PAINS
SMARTS (matched against the molecule with explicit hydrogens, as MOSES does), and its
non-isomeric SMILES is non-empty and parses again. The SMARTS are MOSES' own files
(``data/mcf.csv``, ``data/wehi_pains.csv``, byte-identical to molsets 0.3.1; MIT licence).

Speed: matching 502 SMARTS costs ~10 ms per molecule (almost all of it failing searches). Each
SMARTS is first screened with RDKit's pattern fingerprint, the screen RDKit's own substructure
library uses: a query whose fingerprint bits are not all set in the molecule's cannot match,
so only the few candidates left are searched. ``screen=False`` searches every pattern (the tests
check that both give the same answers).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})
FP_SIZE = 2048


def filter_smarts() -> list[str]:
    """The 22 MCF and 480 PAINS SMARTS strings MOSES uses (whitespace padding stripped)."""
    with open(DATA / "mcf.csv", newline="") as f:
        mcf = [row[1].strip() for row in list(csv.reader(f))[1:] if row]
    with open(DATA / "wehi_pains.csv", newline="") as f:
        pains = [row[0].strip() for row in csv.reader(f) if row]
    return mcf + pains


@lru_cache(maxsize=1)
def _patterns():
    """(query molecules, packed query fingerprints [n, FP_SIZE/64] uint64), built once per process."""
    from rdkit import Chem

    queries = [Chem.MolFromSmarts(s) for s in filter_smarts()]
    if any(q is None for q in queries):  # pragma: no cover - the shipped files all parse
        raise RuntimeError("a MOSES filter SMARTS failed to parse with this RDKit")
    fps = np.stack([_fp_bits(Chem.PatternFingerprint(q, fpSize=FP_SIZE)) for q in queries])
    return queries, fps


def _fp_bits(fp) -> np.ndarray:
    from rdkit import DataStructs

    arr = np.zeros(fp.GetNumBits(), dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(fp, arr)
    return np.packbits(arr).view(np.uint64)


def matching_patterns(h_mol, screen: bool = True, first: bool = True) -> list[int]:
    """Indices of the filter SMARTS that match ``h_mol`` (a molecule with explicit hydrogens).

    ``first``: stop at the first match (enough to decide pass/fail).
    """
    from rdkit import Chem

    queries, fps = _patterns()
    if screen:
        mol_fp = _fp_bits(Chem.PatternFingerprint(h_mol, fpSize=FP_SIZE))
        candidates = np.flatnonzero(((fps & ~mol_fp) == 0).all(axis=1))
    else:
        candidates = range(len(queries))
    hits = []
    for i in candidates:
        if h_mol.HasSubstructMatch(queries[i]):
            hits.append(int(i))
            if first:
                break
    return hits


def passes_filters(mol, screen: bool = True) -> bool:
    """MOSES' ``mol_passes_filters`` for a sanitized molecule (None fails)."""
    from rdkit import Chem

    if mol is None:
        return False
    ring_info = mol.GetRingInfo()
    if ring_info.NumRings() != 0 and any(len(ring) >= 8 for ring in ring_info.AtomRings()):
        return False
    atoms = mol.GetAtoms()
    if any(atom.GetFormalCharge() != 0 for atom in atoms):
        return False
    if any(atom.GetSymbol() not in ALLOWED_ATOMS for atom in atoms):
        return False
    if matching_patterns(Chem.AddHs(mol), screen=screen):
        return False
    smiles = Chem.MolToSmiles(mol, isomericSmiles=False)
    if not smiles:
        return False
    return Chem.MolFromSmiles(smiles) is not None
