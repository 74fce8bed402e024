"""Atom-level SMILES tokens: what a SMILES language model reads and writes.

One token per atom or bond symbol, so a generator never has to learn that ``C`` followed by ``l``
is chlorine: bracket atoms (``[nH]``, ``[C@@H]``, ``[N+]``) are one token, two-letter organic
atoms ``Cl``/``Br`` are one token, ring-bond digits are one token each and ``%nn`` ring numbers
one token. This is the regular expression of Schwaller et al. (Molecular Transformer, 2019),
which every SMILES RNN/GAN codebase since uses in some form.

``tokenize`` refuses a string it cannot cover exactly (``''.join(tokens) != smiles``) by
returning ``None``; callers count such strings as invalid instead of crashing.
"""

from __future__ import annotations

import re

SMILES_TOKEN = re.compile(
    r"(\[[^\[\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])"
)


def tokenize(smiles: str) -> list[str] | None:
    """Tokens of ``smiles``, or None when some character is not part of any SMILES token."""
    tokens = SMILES_TOKEN.findall(smiles)
    if sum(len(t) for t in tokens) != len(smiles):
        return None
    return tokens


def detokenize(tokens) -> str:
    return "".join(tokens)
