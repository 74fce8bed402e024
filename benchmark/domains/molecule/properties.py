"""Molecular properties as MOSES and GuacaMol compute them: logP, SA, QED, weight, descriptors.

* logP: RDKit's Crippen ``MolLogP``; weight: ``Descriptors.MolWt``.
* SA: Ertl & Schuffenhauer's synthetic accessibility score, computed by the ``sascorer`` module
  that RDKit ships in ``Contrib/SA_Score`` (with its own fragment-score table) — not a copy.
* QED: RDKit's ``QED.qed`` with the properties RDKit's ``QED.properties`` defines, passed in
  precomputed so that logP and weight (also metrics) are computed once, the heavy-atom copy
  is skipped when there are no explicit hydrogens, and the 116 structural alerts are screened
  by pattern fingerprint (:mod:`.substructure`) before they are searched; the count is the same
  (tests compare with ``QED.qed`` itself).
* GuacaMol's nine physico-chemical descriptors (``guacamol.utils.chemistry``) by their RDKit
  descriptor names.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache

import numpy as np

GUACAMOL_DESCRIPTORS = ("BertzCT", "MolLogP", "MolWt", "TPSA", "NumHAcceptors", "NumHDonors",
                        "NumRotatableBonds", "NumAliphaticRings", "NumAromaticRings")


@lru_cache(maxsize=1)
def _sascorer():
    from rdkit.Chem import RDConfig

    path = os.path.join(RDConfig.RDContribDir, "SA_Score")
    if path not in sys.path:
        sys.path.append(path)
    import sascorer  # RDKit Contrib; reads its fpscores.pkl.gz (shipped inside the RDKit wheel) once

    return sascorer


def sa_score(mol) -> float:
    return float(_sascorer().calculateScore(mol))


def logp(mol) -> float:
    from rdkit.Chem import Crippen

    return float(Crippen.MolLogP(mol))


def weight(mol) -> float:
    from rdkit.Chem import Descriptors

    return float(Descriptors.MolWt(mol))


@lru_cache(maxsize=1)
def _qed_queries():
    from rdkit import Chem
    from rdkit.Chem import QED

    from ganbench.domains.molecule.substructure import ScreenedQueries

    return ScreenedQueries(QED.StructuralAlerts), Chem.MolFromSmarts("[#1]")


def qed(mol, logp_value: float | None = None, weight_value: float | None = None, mol_fp=None) -> float:
    """RDKit's QED (mean weights). ``logp_value``/``weight_value``/``mol_fp`` (the pattern
    fingerprint, :func:`.substructure.pattern_fp`): already computed on ``mol``."""
    from rdkit import Chem
    from rdkit.Chem import Crippen, MolSurf, QED
    from rdkit.Chem import rdMolDescriptors as rdmd

    alerts, hydrogen = _qed_queries()
    if mol.HasSubstructMatch(hydrogen):
        mol = Chem.RemoveHs(mol)  # QED.properties works on the heavy-atom graph
        logp_value = weight_value = mol_fp = None  # values computed with explicit hydrogens do not carry over
    props = QED.QEDproperties(
        MW=weight_value if weight_value is not None else rdmd._CalcMolWt(mol),
        ALOGP=logp_value if logp_value is not None else Crippen.MolLogP(mol),
        HBA=sum(len(mol.GetSubstructMatches(p)) for p in QED.Acceptors if mol.HasSubstructMatch(p)),
        HBD=rdmd.CalcNumHBD(mol),
        PSA=MolSurf.TPSA(mol),
        ROTB=rdmd.CalcNumRotatableBonds(mol, rdmd.NumRotatableBondsOptions.Strict),
        AROM=len(Chem.GetSSSR(Chem.DeleteSubstructs(Chem.Mol(mol), QED.AliphaticRings))),
        ALERTS=len(alerts.matches(mol, mol_fp)),
    )
    return float(QED.qed(mol, qedProperties=props))


def guacamol_descriptors(mol) -> np.ndarray:
    """The nine descriptors of GuacaMol's KL-divergence benchmark (non-finite values -> 0, as there)."""
    values = np.asarray(_calculator().CalcDescriptors(mol), dtype=np.float64)
    values[~np.isfinite(values)] = 0.0
    return values


@lru_cache(maxsize=1)
def _calculator():
    from rdkit.ML.Descriptors import MoleculeDescriptors

    return MoleculeDescriptors.MolecularDescriptorCalculator(list(GUACAMOL_DESCRIPTORS))
