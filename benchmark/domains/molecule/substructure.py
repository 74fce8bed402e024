"""Fast exact SMARTS screening: pattern-fingerprint screens and hydrogen-free forms of H-bearing queries.

Two costs dominate MOSES' per-molecule chemistry: matching its 502 filter SMARTS against the
molecule *with explicit hydrogens* (``Chem.AddHs``), and QED's 116 structural alerts. Almost
every search fails, so two exact shortcuts pay:

* **Screening.** RDKit's pattern fingerprint (the screen its own ``SubstructLibrary`` uses) has
  every bit of a query that can match set in the molecule too; a query with a bit the molecule
  lacks cannot match and is never searched. :class:`ScreenedQueries` keeps the queries' packed
  fingerprints and returns the candidates with one vectorised subset test.
* **No explicit hydrogens.** PAINS writes hydrogens as atoms (``[#7](-[#1])``). Matching such a
  query against ``AddHs(mol)`` is the same as matching ``MergeQueryHs(query)`` (``[#7&!H0]``)
  against ``mol`` itself when no other query atom can map onto a hydrogen and every primitive
  left reads the same on a heavy atom with or without its hydrogens as atoms.
  :func:`hydrogen_free_query` builds that form, recursive SMARTS included, and returns None
  when it cannot *prove* the equivalence from the query's structure; those queries keep the
  original search against ``AddHs(mol)``. (Tests compare both routes pattern by pattern on
  thousands of molecules, including PubChem examples that hit the filters.)

Why each primitive is safe: hydrogens are never in rings, never aromatic and only single-bonded,
so ring, aromaticity, charge and element primitives of a heavy atom do not change when its
hydrogens become atoms; RDKit's ``H`` (total hydrogens, neighbours included), ``X`` (total
degree) and ``v`` (total valence) count them either way. ``D`` (explicit degree) and ``h``
(implicit hydrogens) do change, so a query using them is never rewritten.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

FP_SIZE = 2048

# atom query primitives that read the same on a heavy atom of mol and of AddHs(mol)
_SAME_ON_HEAVY_ATOMS = frozenset({
    "AtomAtomicNum", "AtomType", "AtomTotalDegree", "AtomHCount", "AtomInNRings", "AtomFormalCharge",
    "AtomIsAromatic", "AtomIsAliphatic", "AtomInRing", "AtomMinRingSize", "AtomRingBondCount",
    "AtomTotalValence", "AtomNull", "AtomAnd", "AtomOr", "RecursiveStructure",
})
# bond queries a bond to a hydrogen (single, acyclic) can never satisfy
_NEVER_TO_HYDROGEN = ("BondOrder 2 = val", "BondOrder 3 = val", "BondOrder 12 = val", "BondInRing 1 = val")
# how RDKit describes a plain [#1] / [H] query atom
_PLAIN_HYDROGEN = ("AtomAtomicNum 1 = val", "AtomType 1 = val")
# the ways a bond to a query hydrogen may be written for MergeQueryHs to absorb it
_SINGLE_OK = ("BondOrder 1 = val", "SingleOrAromaticBond 1 = val", "BondNull")


def pattern_fp(mol) -> np.ndarray:
    """RDKit's pattern fingerprint of ``mol`` (molecule or query) as FP_SIZE/64 packed uint64 words."""
    from rdkit import Chem, DataStructs

    raw = DataStructs.BitVectToBinaryText(Chem.PatternFingerprint(mol, fpSize=FP_SIZE))
    return np.frombuffer(raw, dtype=np.uint64)


class ScreenedQueries:
    """Query molecules with their pattern fingerprints, searched only where the screen allows."""

    def __init__(self, queries: Sequence):
        check_fp_layout()
        self.queries = list(queries)
        self.fps = np.stack([pattern_fp(q) for q in self.queries]) if self.queries else np.zeros((0, FP_SIZE // 64),
                                                                                                np.uint64)

    def candidates(self, mol_fp: np.ndarray) -> np.ndarray:
        """Indices of the queries whose fingerprint bits are all set in ``mol_fp``."""
        return np.flatnonzero(((self.fps & ~mol_fp) == 0).all(axis=1))

    def matches(self, mol, mol_fp: np.ndarray | None = None, first: bool = False) -> list[int]:
        """Indices of the queries that match ``mol`` (``first``: stop at the first)."""
        fp = pattern_fp(mol) if mol_fp is None else mol_fp
        hits = []
        for i in self.candidates(fp):
            if mol.HasSubstructMatch(self.queries[i]):
                hits.append(int(i))
                if first:
                    break
        return hits


@lru_cache(maxsize=1)
def check_fp_layout() -> None:
    """BitVectToBinaryText must be the raw little-endian bits (it is for ExplicitBitVect)."""
    from rdkit import Chem, DataStructs

    fp = Chem.PatternFingerprint(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1"), fpSize=FP_SIZE)
    dense = np.zeros(FP_SIZE, dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(fp, dense)
    raw = np.frombuffer(DataStructs.BitVectToBinaryText(fp), dtype=np.uint8)
    if len(raw) != FP_SIZE // 8 or not np.array_equal(np.unpackbits(raw, bitorder="little"), dense):
        raise RuntimeError("this RDKit's BitVectToBinaryText is not raw bits; pattern screening is unavailable")


# --- hydrogen-free forms ------------------------------------------------------------------------
def _tree(description: str) -> list:
    """DescribeQuery() text -> nested [label, children] nodes (two spaces of indent per level)."""
    root: list = ["", []]
    stack = [(-1, root)]
    for line in description.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        node = [line.strip(), []]
        while stack[-1][0] >= depth:
            stack.pop()
        stack[-1][1][1].append(node)
        stack.append((depth, node))
    return root[1]


def _excludes_hydrogen(node) -> bool:
    """True when the atom query ``node`` cannot match a hydrogen atom, whatever its surroundings."""
    label, children = node
    name = label.split(" ")[0]
    if name == "AtomAnd":
        return any(_excludes_hydrogen(c) for c in children)
    if name == "AtomOr":
        return bool(children) and all(_excludes_hydrogen(c) for c in children)
    parts = label.split(" ")
    if name in ("AtomAtomicNum", "AtomType") and len(parts) >= 3 and parts[1].lstrip("-").isdigit():
        element = int(parts[1]) % 1000  # AtomType: 1000 * aromatic + atomic number
        if label.endswith(" = val"):
            return element != 1
        return element == 1 and label.endswith(" != val")
    # a recursive SMARTS whose atoms are all heavy (checked when it was rewritten) is anchored on a heavy atom
    return name == "RecursiveStructure" and label.endswith("val in ()")


def _primitives(node) -> set[str]:
    label, children = node
    out = {label.split(" ")[0]}
    for c in children:
        out |= _primitives(c)
    return out


def _split_recursive(smarts: str) -> list:
    """The SMARTS as text pieces and ('$', inner) pieces for each top-level ``$(...)``."""
    pieces, i, start = [], 0, 0
    while i < len(smarts):
        if smarts.startswith("$(", i):
            depth, j = 0, i + 1
            while j < len(smarts):
                depth += {"(": 1, ")": -1}.get(smarts[j], 0)
                if depth == 0:
                    break
                j += 1
            if depth != 0:
                raise ValueError(f"unbalanced recursive SMARTS in {smarts!r}")
            pieces.append(smarts[start:i])
            pieces.append(("$", smarts[i + 2:j]))
            i = start = j + 1
        else:
            i += 1
    pieces.append(smarts[start:])
    return pieces


def _hydrogens_absorbable(query) -> bool:
    """Every query hydrogen is a plain ``[#1]`` on one single (or any) bond: MergeQueryHs may fold it."""
    for atom in query.GetAtoms():
        description = atom.DescribeQuery().strip()
        if not any(h in description for h in _PLAIN_HYDROGEN):
            continue
        if description not in _PLAIN_HYDROGEN or atom.GetDegree() != 1:
            return False
        bond = atom.GetBonds()[0]
        if bond.DescribeQuery().strip() not in _SINGLE_OK or bond.GetOtherAtom(atom).GetAtomicNum() == 1:
            return False
    return True


@lru_cache(maxsize=None)
def hydrogen_free_smarts(smarts: str, anchored: bool = False) -> str | None:
    """A SMARTS that matches ``mol`` exactly when ``smarts`` matches ``AddHs(mol)``, or None (unproven).

    ``anchored``: the SMARTS of a recursive ``$(...)``, whose first atom is the atom tested; it
    must stay the first atom (so it may not be a hydrogen that MergeQueryHs would fold away).
    """
    from rdkit import Chem

    pieces = []
    for piece in _split_recursive(smarts):
        if isinstance(piece, tuple):
            inner = hydrogen_free_smarts(piece[1], anchored=True)
            if inner is None:
                return None
            pieces.append(f"$({inner})")
        else:
            pieces.append(piece)
    query = Chem.MolFromSmarts("".join(pieces))
    if query is None or query.GetNumAtoms() == 0 or not _hydrogens_absorbable(query):
        return None
    if anchored and any(h in query.GetAtomWithIdx(0).DescribeQuery() for h in _PLAIN_HYDROGEN):
        return None
    merged = Chem.MergeQueryHs(query)
    for atom in merged.GetAtoms():
        tree = _tree(atom.DescribeQuery())
        if len(tree) != 1 or not _primitives(tree[0]) <= _SAME_ON_HEAVY_ATOMS:
            return None
        if _excludes_hydrogen(tree[0]):
            continue
        # an unrestricted atom still cannot be a hydrogen when one of its bonds never reaches one
        if not any(b.DescribeQuery().strip() in _NEVER_TO_HYDROGEN for b in atom.GetBonds()):
            return None
    return Chem.MolToSmarts(merged, rootedAtAtom=0) if anchored else Chem.MolToSmarts(merged)


def hydrogen_free_query(smarts: str):
    """:func:`hydrogen_free_smarts` parsed, or None."""
    from rdkit import Chem

    text = hydrogen_free_smarts(smarts)
    return None if text is None else Chem.MolFromSmarts(text)


def _atom_is_safe(atom) -> bool:
    """The atom's own query is hydrogen-free-safe: allowed primitives, no recursion, cannot be a hydrogen."""
    tree = _tree(atom.DescribeQuery())
    if len(tree) != 1:
        return False
    prims = _primitives(tree[0])
    return "RecursiveStructure" not in prims and prims <= _SAME_ON_HEAVY_ATOMS and _excludes_hydrogen(tree[0])


def necessary_smarts(smarts: str) -> str | None:
    """A hydrogen-free SMARTS that matches ``mol`` whenever ``smarts`` matches ``AddHs(mol)``, or None.

    For a query :func:`hydrogen_free_smarts` cannot rewrite exactly: delete the query atoms that
    are not provably heavy (an unrestricted ``*``, a recursive SMARTS) and the hydrogens on them.
    A match of the whole query contains a match of any part of it, so the part is a sound
    pre-filter; only molecules that pass it need the exact search with explicit hydrogens.
    """
    from rdkit import Chem

    query = Chem.MolFromSmarts(smarts)
    if query is None:
        return None
    is_h = {a.GetIdx() for a in query.GetAtoms() if a.DescribeQuery().strip() in _PLAIN_HYDROGEN}
    drop = {a.GetIdx() for a in query.GetAtoms() if a.GetIdx() not in is_h and not _atom_is_safe(a)}
    drop |= {h for h in is_h if all(n.GetIdx() in drop for n in query.GetAtomWithIdx(h).GetNeighbors())}
    if len(drop) >= query.GetNumAtoms() - len(is_h):
        return None
    part = Chem.RWMol(query)
    for idx in sorted(drop, reverse=True):
        part.RemoveAtom(idx)
    return hydrogen_free_smarts(Chem.MolToSmarts(part))
