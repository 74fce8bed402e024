"""The exact shortcuts of the filter and QED-alert searches, against the searches MOSES and RDKit do.

Reference: MOSES' ``mol_passes_filters`` searches all 502 SMARTS against ``Chem.AddHs(mol)``
(``matching_patterns(screen=False)``), RDKit's ``QED.qed`` searches all 116 alerts. Molecules:
PubChem examples of RDKit's NIBR substructure-filter set (shipped in RDKit's Contrib; chosen
because they *hit* filters, unlike MOSES' pre-filtered data) and molecules written from the
filter SMARTS themselves, so that most patterns are exercised by a real match.
"""

import csv
import random
from pathlib import Path

import pytest

pytest.importorskip("rdkit")

from rdkit import Chem, RDConfig  # noqa: E402
from rdkit.Chem import QED  # noqa: E402

from ganbench.domains.molecule import filters as F  # noqa: E402
from ganbench.domains.molecule import properties as P  # noqa: E402
from ganbench.domains.molecule.molecules import quiet_rdkit  # noqa: E402
from ganbench.domains.molecule.substructure import hydrogen_free_smarts, necessary_smarts  # noqa: E402

quiet_rdkit()
NIBR = Path(RDConfig.RDContribDir) / "NIBRSubstructureFilters" / "SubstructureFilter_HitTriaging_wPubChemExamples.csv"


def _molecules(n_pubchem: int):
    smiles = []
    if NIBR.exists():
        with open(NIBR, newline="") as f:
            for row in csv.DictReader(f):
                smiles += [row[f"EX{i}"] for i in range(1, 6) if row.get(f"EX{i}")]
        smiles = random.Random(0).sample(smiles, min(n_pubchem, len(smiles)))
    for s in F.filter_smarts():  # a SMARTS written as SMILES: a molecule its own pattern (and others) match
        smiles.append(Chem.MolToSmiles(Chem.MolFromSmarts(s)))
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return [m for m in mols if m is not None]


@pytest.fixture(scope="module")
def molecules():
    return _molecules(300)


def test_fast_filter_search_equals_searching_every_smarts_with_explicit_hydrogens(molecules):
    patterns_hit, hits = set(), 0
    for mol in molecules:
        full = F.matching_patterns(mol, screen=False, first=False)
        assert F.matching_patterns(mol, first=False) == full, Chem.MolToSmiles(mol)
        assert bool(F.matching_patterns(mol, first=True)) == bool(full)
        assert F.passes_filters(mol) == F.passes_filters(mol, screen=False)
        patterns_hit |= set(full)
        hits += len(full)
    assert len(molecules) > 600
    assert len(patterns_hit) > 350 and hits > 600  # real matches across most patterns, not only misses


def test_screened_qed_alerts_equal_rdkit_qed(molecules):
    for mol in molecules[::3]:
        assert P.qed(mol) == QED.qed(mol), Chem.MolToSmiles(mol)


@pytest.mark.parametrize("smarts, expected", [
    ("[#6](-[#1])(-[#1])-[#7]-[#1]", "[#6&!H0&!H1]-[#7&!H0]"),  # hydrogens as atoms -> hydrogen counts
    ("[!#1]:[#6]=[#8]", "[!#1]:[#6]=[#8]"),  # "not hydrogen" already excludes it
    ("c:*", "c:*"),  # an aromatic bond never reaches a hydrogen
])
def test_hydrogen_free_forms(smarts, expected):
    assert hydrogen_free_smarts(smarts) == expected
    for s in ("CCN", "c1ccccc1C=O", "CC(N)c1ccccn1", "[2H]C([2H])N"):
        mol = Chem.MolFromSmiles(s)
        assert mol.HasSubstructMatch(Chem.MolFromSmarts(expected)) == \
            Chem.AddHs(mol).HasSubstructMatch(Chem.MolFromSmarts(smarts)), (smarts, s)


@pytest.mark.parametrize("smarts, mol_smiles", [
    ("[#6]-*", "C"),  # '*' on a single bond can be a hydrogen: methane matches only with explicit H
    ("[C;D1]", "CC"),  # explicit degree counts hydrogen atoms
    ("[C;h3]", "CC"),  # implicit hydrogen count is 0 once hydrogens are atoms
    ("[$([#1]-[#6])]", "C"),  # a recursive SMARTS anchored on a hydrogen
    ("[#6;$([#6]-[*])]", "C"),
])
def test_queries_that_read_differently_with_explicit_hydrogens_are_not_rewritten(smarts, mol_smiles):
    mol = Chem.MolFromSmiles(mol_smiles)
    q = Chem.MolFromSmarts(smarts)
    assert mol.HasSubstructMatch(q) != Chem.AddHs(mol).HasSubstructMatch(q)  # the danger is real
    assert hydrogen_free_smarts(smarts) is None


def test_necessary_parts_are_implied_by_the_full_queries(molecules):
    queries = F._queries()
    assert len(queries.guarded_index) <= 8  # nearly every pattern has an exact hydrogen-free form
    extra = [Chem.MolFromSmiles("O=C(NN=Cc1cccc(OCCc2ccco2)c1)c1ccco1")]  # hits PAINS pattern 379 (guarded)
    matched = 0
    for part, j in zip(queries.guards.queries, queries.guarded_index):
        assert hydrogen_free_smarts(F.filter_smarts()[j]) is None
        for mol in molecules + extra:
            if Chem.AddHs(mol).HasSubstructMatch(queries.original[j]):
                matched += 1
                assert mol.HasSubstructMatch(part), (j, Chem.MolToSmiles(mol))
    assert matched >= 1
    assert F.matching_patterns(extra[0], first=False) == F.matching_patterns(extra[0], screen=False, first=False)
    assert 379 in F.matching_patterns(extra[0], first=False)


def test_necessary_part_of_a_pattern_with_a_free_atom():
    smarts = "[H][#6]-1=[#6]([H])-[#6]=[#6](-*)-[#8]-1"  # MCF: '*' on a single bond may be a hydrogen
    assert hydrogen_free_smarts(smarts) is None
    assert necessary_smarts(smarts) == "[#6&!H0]1=[#6&!H0]-[#6]=[#6]-[#8]-1"  # the '*' dropped, H counts kept
