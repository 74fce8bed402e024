"""Parsing conventions of MOSES (``moses.utils.get_mol`` / ``canonic_smiles``), on today's RDKit.

A SMILES is *valid* when it is a non-empty string within the size bound of :mod:`.bounds` (longer
ones and binary never reach RDKit) that RDKit parses and sanitizes. MOSES computes
every metric except validity on the molecules parsed from the *canonical* SMILES of the valid
samples, so :func:`parse_canonical` returns both the canonical string and that molecule; when the
input already is canonical (training data, most generators' output) the first parse is reused —
the same computation, done once.
"""

from __future__ import annotations

from ganbench.domains.molecule.bounds import parsable

_LOG_OFF = False


def quiet_rdkit() -> None:
    """Silence RDKit's per-molecule warnings (invalid SMILES are expected and counted)."""
    global _LOG_OFF
    if not _LOG_OFF:
        from rdkit import RDLogger

        RDLogger.DisableLog("rdApp.*")
        _LOG_OFF = True


def get_mol(smiles):
    """MOSES' ``get_mol``: a sanitized RDKit molecule, or None for '' / over the size bound or binary
    (:func:`.bounds.screen`, RDKit never sees those) / unparsable / unsanitizable."""
    from rdkit import Chem

    if not parsable(smiles):
        return None
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    try:
        Chem.SanitizeMol(mol)
    except ValueError:
        return None
    return mol


def canonical_smiles(smiles: str) -> str | None:
    """MOSES' ``canonic_smiles``: RDKit canonical SMILES (isomeric), None if invalid."""
    from rdkit import Chem

    mol = get_mol(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


def parse_canonical(smiles: str):
    """(canonical SMILES, molecule parsed from it, the string it was parsed from), or (None, None,
    None) when ``smiles`` is invalid.

    If the canonical SMILES does not parse back (an RDKit round-trip failure, very rare) the
    molecule of the original string is kept so the sample still counts as valid, as in MOSES.
    """
    from rdkit import Chem

    mol = get_mol(smiles)
    if mol is None:
        return None, None, None
    can = Chem.MolToSmiles(mol)
    source = smiles
    if can != smiles:
        again = get_mol(can)
        if again is not None:
            mol, source = again, can
    return can, mol, source
