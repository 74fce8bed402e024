"""Molecules as a picture for the HTML report: a grid of the first valid SMILES, drawn by RDKit.

The molecule domain declares this as its sample drawing (:data:`ganbench.domains.molecule.DOMAIN`),
so the report shows what a method generates without knowing what a molecule is.

A sample file is anything a run or a user left in the results folder, so the drawing is bounded
whatever the lines hold (a 2,000,000-character line once made the report hang here):

* a line over the size bound or holding binary is never parsed (:func:`.bounds.screen`);
* a molecule with more than :data:`DRAW_MAX_ATOMS` atoms is not drawn (a 200×160 cell shows no
  more legibly; 2-D coordinates of 240 ring atoms take a second);
* each molecule is laid out on its own and one that RDKit cannot lay out is skipped, not the grid;
* after :data:`DRAW_SECONDS` of work no further line is looked at: the grid shows what is ready.

What is skipped is simply not in the picture; the report still lists the lines as text.
"""

from __future__ import annotations

import io
import time
from typing import Sequence

DRAW_MAX_ATOMS = 100  # atoms of one drawn molecule (MOSES' molecules have ~30)
DRAW_SECONDS = 5.0  # work on one grid before it is drawn with what is ready
PALETTE_COLORS = 64  # colours of the drawn grid (:func:`palette_png`)


def drawable(smiles: str, max_atoms: int = DRAW_MAX_ATOMS):
    """The molecule of ``smiles`` with 2-D coordinates, or None (screened, invalid, too big, no layout)."""
    from rdkit import Chem
    from rdkit.Chem import rdDepictor

    from ganbench.domains.molecule.bounds import parsable

    s = smiles.strip() if isinstance(smiles, str) else ""
    if not parsable(s):
        return None
    m = Chem.MolFromSmiles(s)
    if m is None or m.GetNumAtoms() == 0 or m.GetNumAtoms() > max_atoms:
        return None
    try:
        rdDepictor.Compute2DCoords(m)
    except Exception:  # noqa: BLE001 - RDKit raises RuntimeError/ValueError subclasses per build; one molecule only
        return None
    return m


def molecules_png(smiles: Sequence[str], n: int = 12, per_row: int = 4, seconds: float = DRAW_SECONDS) -> bytes | None:
    """A grid of the first ``n`` drawable molecules; None without RDKit or anything drawable.

    ``seconds`` bounds the work on the lines (checked between molecules; one molecule within the
    atom bound takes milliseconds)."""
    try:
        from rdkit import RDLogger
        from rdkit.Chem import Draw
    except ImportError:
        return None
    RDLogger.DisableLog("rdApp.*")
    deadline = time.monotonic() + seconds
    mols, legends = [], []
    for s in smiles:
        if len(mols) >= n or time.monotonic() > deadline:
            break
        m = drawable(s)
        if m is not None:
            mols.append(m)
            legends.append(s.strip()[:40])
    if not mols:
        return None
    try:
        img = Draw.MolsToGridImage(mols, molsPerRow=per_row, subImgSize=(200, 160), legends=legends, returnPNG=True)
    except Exception:  # noqa: BLE001 - a drawing backend missing in this RDKit build
        return None
    return palette_png(img)


def palette_png(img, colors: int = PALETTE_COLORS) -> bytes:
    """``img`` (PNG bytes or a PIL image) as a PNG of ``colors`` palette entries.

    A grid of line drawings has a white ground, black bonds, a few element colours and their
    anti-aliased edges: 64 colours (octree) keep every element's colour (S yellow, Cl green, F cyan)
    and make the PNG ~4× smaller (97 KB → 22 KB for 12 MOSES molecules), which the report, one
    self-contained HTML file with a drawing per method, needs to stay under the repository's 5 MB
    limit on a tracked file."""
    from PIL import Image

    if isinstance(img, bytes):
        img = Image.open(io.BytesIO(img))
    buf = io.BytesIO()
    img.convert("RGB").quantize(colors=colors, method=Image.Quantize.FASTOCTREE).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
