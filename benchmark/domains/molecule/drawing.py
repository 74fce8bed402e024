"""Molecules as a picture for the HTML report: a grid of the first valid SMILES, drawn by RDKit.

The molecule domain declares this as its sample drawing (:data:`ganbench.domains.molecule.DOMAIN`),
so the report shows what a method generates without knowing what a molecule is.
"""

from __future__ import annotations

import io
from typing import Sequence


def molecules_png(smiles: Sequence[str], n: int = 12, per_row: int = 4) -> bytes | None:
    """A grid of the first ``n`` valid molecules, drawn by RDKit; None without RDKit or valid SMILES."""
    try:
        from rdkit import Chem, RDLogger
        from rdkit.Chem import Draw
    except ImportError:
        return None
    RDLogger.DisableLog("rdApp.*")
    mols, legends = [], []
    for s in smiles:
        m = Chem.MolFromSmiles(s.strip()) if s.strip() else None
        if m is not None:
            mols.append(m)
            legends.append(s.strip()[:40])
        if len(mols) >= n:
            break
    if not mols:
        return None
    try:
        img = Draw.MolsToGridImage(mols, molsPerRow=per_row, subImgSize=(200, 160), legends=legends, returnPNG=True)
    except Exception:  # a drawing backend missing in this RDKit build
        return None
    if isinstance(img, bytes):
        return img
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
