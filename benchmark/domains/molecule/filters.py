"""MOSES' "Filters" metric: medicinal-chemistry filters (MCF), PAINS and MOSES' own atom rules.

A molecule passes (``moses.metrics.utils.mol_passes_filters``) when it has no ring of 8 or more
atoms, no charged atom, only the atoms C N S O F Cl Br H, matches none of the 22 MCF and 480 PAINS
SMARTS (matched against the molecule with explicit hydrogens, as MOSES does), and its
non-isomeric SMILES is non-empty and parses again. The SMARTS are MOSES' own files
(``data/mcf.csv``, ``data/wehi_pains.csv``, byte-identical to molsets 0.3.1; MIT licence).

Speed: searching 502 SMARTS against the molecule with explicit hydrogens costs ~10 ms per
molecule, almost all of it failing searches. We get the same answers cheaper (:mod:`.substructure`):
498 of the SMARTS are searched in their hydrogen-free form (``[#7](-[#1])`` as ``[#7&!H0]``) on
the molecule itself, screened by RDKit's pattern fingerprint; the 4 whose hydrogen-free form
cannot be proven equivalent are pre-filtered by a hydrogen-free part of themselves and searched
as written, with explicit hydrogens, only when that part matches. ``screen=False`` does what
MOSES does (every SMARTS against ``AddHs(mol)``); the tests check both give the same answers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ganbench.domains.molecule.substructure import ScreenedQueries, hydrogen_free_query, necessary_smarts, pattern_fp

DATA = Path(__file__).parent / "data"
ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})


def filter_smarts() -> list[str]:
    """The 22 MCF and 480 PAINS SMARTS strings MOSES uses (whitespace padding stripped)."""
    with open(DATA / "mcf.csv", newline="") as f:
        mcf = [row[1].strip() for row in list(csv.reader(f))[1:] if row]
    with open(DATA / "wehi_pains.csv", newline="") as f:
        pains = [row[0].strip() for row in csv.reader(f) if row]
    return mcf + pains


@dataclass
class _FilterQueries:
    """The compiled filter searches: the exact hydrogen-free ones and the guarded rest."""

    original: list  # every SMARTS as written (MOSES' search, against AddHs(mol))
    exact: ScreenedQueries  # hydrogen-free forms, searched on mol itself
    exact_index: list[int]  # -> index into ``original``
    guards: ScreenedQueries  # hydrogen-free necessary parts of the others
    guarded_index: list[int]


@lru_cache(maxsize=1)
def _queries() -> _FilterQueries:
    """The filter queries, compiled once per process."""
    from rdkit import Chem

    smarts = filter_smarts()
    original = [Chem.MolFromSmarts(s) for s in smarts]
    if any(q is None for q in original):  # pragma: no cover - the shipped files all parse
        raise RuntimeError("a MOSES filter SMARTS failed to parse with this RDKit")
    exact, exact_index, guards, guarded_index = [], [], [], []
    for i, s in enumerate(smarts):
        q = hydrogen_free_query(s)
        if q is not None:
            exact.append(q)
            exact_index.append(i)
        else:
            part = necessary_smarts(s)
            guards.append(Chem.MolFromSmarts(part) if part is not None else Chem.MolFromSmarts("*"))
            guarded_index.append(i)
    return _FilterQueries(original, ScreenedQueries(exact), exact_index, ScreenedQueries(guards), guarded_index)


def matching_patterns(mol, screen: bool = True, first: bool = True, mol_fp=None) -> list[int]:
    """Sorted indices of the filter SMARTS that match ``mol`` with explicit hydrogens added.

    ``mol``: the molecule as parsed (hydrogens implicit). ``first``: stop at the first match
    (enough to decide pass/fail). ``screen=False``: MOSES' own search, every SMARTS against
    ``AddHs(mol)``. ``mol_fp``: ``substructure.pattern_fp(mol)`` when the caller has it.
    """
    from rdkit import Chem

    qs = _queries()
    if not screen:
        h_mol = Chem.AddHs(mol)
        hits = []
        for i, q in enumerate(qs.original):
            if h_mol.HasSubstructMatch(q):
                hits.append(i)
                if first:
                    break
        return hits
    fp = pattern_fp(mol) if mol_fp is None else mol_fp
    hits = [qs.exact_index[i] for i in qs.exact.matches(mol, fp, first=first)]
    if hits and first:
        return hits
    h_mol = None
    for i in qs.guards.matches(mol, fp):
        if h_mol is None:
            h_mol = Chem.AddHs(mol)
        j = qs.guarded_index[i]
        if h_mol.HasSubstructMatch(qs.original[j]):
            hits.append(j)
            if first:
                break
    return sorted(hits)


_CHARGED = "[!+0]"
_NOT_ALLOWED = "[!#6&!#7&!#16&!#8&!#9&!#17&!#35&!#1]"  # any atom outside ALLOWED_ATOMS


@lru_cache(maxsize=1)
def _atom_rules():
    from rdkit import Chem

    return Chem.MolFromSmarts(_CHARGED), Chem.MolFromSmarts(_NOT_ALLOWED)


def passes_filters(mol, screen: bool = True, mol_fp=None, parsed_from: str | None = None) -> bool:
    """MOSES' ``mol_passes_filters`` for a sanitized molecule (None fails).

    ``mol_fp``: ``substructure.pattern_fp(mol)``, when already computed (QED's alerts use it too).
    ``parsed_from``: a SMILES ``mol`` was parsed from; when the non-isomeric SMILES MOSES checks
    is that very string, it is known to parse and is not parsed again.
    """
    from rdkit import Chem

    if mol is None:
        return False
    ring_info = mol.GetRingInfo()
    if ring_info.NumRings() != 0 and any(len(ring) >= 8 for ring in ring_info.AtomRings()):
        return False
    charged, not_allowed = _atom_rules()
    if screen:  # one C++ search each instead of a Python loop over the atoms
        if mol.HasSubstructMatch(charged) or mol.HasSubstructMatch(not_allowed):
            return False
    else:  # MOSES' own loops
        atoms = mol.GetAtoms()
        if any(atom.GetFormalCharge() != 0 for atom in atoms):
            return False
        if any(atom.GetSymbol() not in ALLOWED_ATOMS for atom in atoms):
            return False
    if matching_patterns(mol, screen=screen, mol_fp=mol_fp):
        return False
    smiles = Chem.MolToSmiles(mol, isomericSmiles=False)
    if not smiles:
        return False
    if screen and smiles == parsed_from:
        return True
    return Chem.MolFromSmiles(smiles) is not None
