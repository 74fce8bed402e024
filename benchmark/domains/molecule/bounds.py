"""What the molecule code hands to RDKit: a SMILES over a size bound, or not text, never gets there.

Why: RDKit's work grows faster than linearly with a molecule's size, and not without limit. A
20,000-atom chain crashed ``ganbench eval`` (segmentation fault inside RDKit, exit 139), a
2,000,000-character line parsed for minutes, and the same line in a run's sample file made the
HTML report hang while drawing. Measured here (one core, the whole MOSES feature pass: parse,
canonical form, Morgan bits, BRICS, scaffold, filters, logP, SA, QED): 500 carbons ~3 s, 1,000
carbons ~10 s, 300 fused-free benzene rings (2,400 characters) ~50 s per molecule.

The bound is far above every molecule a built-in task produces or reads: MOSES' longest SMILES
has 57 characters and at most ~30 heavy atoms (its generators emit at most 55 tokens), GuacaMol's
ChEMBL set keeps SMILES of at most 100 characters. So a string is *screened* first, without
RDKit, in every path that parses a user's or a generator's SMILES (evaluation samples, ORGAN's
chemistry reward, the feature tables, GuacaMol's canonical forms, the report's drawing):

* ``too_long``: more than :data:`MAX_CHARS` characters, or more than :data:`MAX_ATOMS` atom
  symbols (counted on the atom tokens, an upper bound of RDKit's atoms, only when the string is
  long enough to hold that many). At the bound one sample costs a few tenths of a second
  (250 carbons 0.14 s, 41 benzene rings 0.29 s, 500 characters of branches 0.10 s).
* ``binary``: a character no SMILES holds — a control character (tab excepted) or anything
  outside ASCII, which is what bytes that are not text become. RDKit reads such strings
  inconsistently (``"Cé"`` parses as methane), so they are refused before it sees them.

A screened string is an invalid sample, exactly like one RDKit cannot parse; the metric details
count them (``"too_long": n``, ``"binary": n``) so a file full of them is visible in the record.
Space and tab stay allowed: RDKit reads what follows them as the molecule's name, as MOSES does.
"""

from __future__ import annotations

import re
from typing import Iterable

MAX_CHARS = 500  # characters of one SMILES (MOSES' longest: 57; GuacaMol's: 100)
MAX_ATOMS = 250  # atom symbols of one SMILES (MOSES: ~30 heavy atoms)
TOO_LONG, BINARY = "too_long", "binary"
REASONS = (TOO_LONG, BINARY)

# bracket atoms, the two-letter organic atoms, then the one-letter organic and aromatic atoms
_ATOM = re.compile(r"\[[^\[\]]*\]|Br|Cl|[BCNOPSFI]|[bcnops]")
_NOT_SMILES_TEXT = re.compile(r"[^\x20-\x7e\t]")


def count_atoms(smiles: str) -> int:
    """Atom symbols in ``smiles`` (bracket atoms and organic-subset letters), RDKit not needed."""
    return sum(1 for _ in _ATOM.finditer(smiles))


def screen(smiles: str) -> str | None:
    """Why ``smiles`` must not reach RDKit (:data:`TOO_LONG` or :data:`BINARY`), or None when it may.

    Cheap on any input: the length is checked before anything reads the characters, so a line of
    millions of characters costs nothing; atoms are counted only when there could be too many."""
    if len(smiles) > MAX_CHARS:
        return TOO_LONG
    if not smiles.isascii() or _NOT_SMILES_TEXT.search(smiles):
        return BINARY
    if len(smiles) > MAX_ATOMS and count_atoms(smiles) > MAX_ATOMS:
        return TOO_LONG
    return None


def parsable(smiles) -> bool:
    """A non-empty string that passes :func:`screen`: what may be handed to RDKit."""
    return isinstance(smiles, str) and bool(smiles) and screen(smiles) is None


def screened_counts(samples: Iterable) -> dict[str, int]:
    """How many of ``samples`` the screen refuses, by reason (both keys always present)."""
    counts = dict.fromkeys(REASONS, 0)
    for s in samples:
        if isinstance(s, str) and s:
            why = screen(s)
            if why is not None:
                counts[why] += 1
    return counts
