"""A token vocabulary with the special ids every sequence GAN needs (pad, start, end, unknown).

Sequences are stored as fixed-width id tensors: the tokens, then one end token, then padding.
The start token is only ever an input (the generator's first input), never an output. Text tasks
build a word vocabulary from the training split; the molecule tasks build a SMILES character
vocabulary the same way. Unknown tokens map to ``unk`` and are counted, so a sample file with
out-of-vocabulary words is scored honestly and the count is reported.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import torch

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"


@dataclass(frozen=True)
class Vocabulary:
    """id -> token table; ids 0..3 are pad, start, end, unknown."""

    tokens: tuple[str, ...]
    index: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if tuple(self.tokens[:4]) != (PAD, BOS, EOS, UNK):
            raise ValueError(f"a Vocabulary starts with the specials {PAD} {BOS} {EOS} {UNK}")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.tokens)})

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> "Vocabulary":
        """Specials, then tokens by decreasing frequency (ties alphabetical): deterministic."""
        counts = Counter(t for s in sentences for t in s)
        for special in (PAD, BOS, EOS, UNK):
            counts.pop(special, None)
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls((PAD, BOS, EOS, UNK, *words))

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, sentence: Sequence[str]) -> tuple[list[int], int]:
        """Token ids and the number of unknown tokens."""
        ids = [self.index.get(t, self.unk_id) for t in sentence]
        return ids, sum(1 for i in ids if i == self.unk_id)

    def encode_batch(self, sentences: Sequence[Sequence[str]], max_len: int) -> tuple[torch.Tensor, int, int]:
        """[N, max_len] ids: tokens, end token, padding. Returns (ids, unknown count, truncated count).

        A sentence longer than ``max_len - 1`` tokens is cut to fit (and counted as truncated).
        """
        out = torch.full((len(sentences), max_len), self.pad_id, dtype=torch.long, device="cpu")  # host: encoding is text work
        unknown = truncated = 0
        for row, sentence in enumerate(sentences):
            ids, unk = self.encode(sentence)
            unknown += unk
            if len(ids) > max_len - 1:
                ids, truncated = ids[: max_len - 1], truncated + 1
            out[row, : len(ids)] = torch.tensor(ids, dtype=torch.long, device="cpu")
            out[row, len(ids)] = self.eos_id
        return out, unknown, truncated

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens up to (not including) the first end token; pad and start tokens dropped."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id):
                continue
            out.append(self.tokens[i])
        return out

    def decode_batch(self, ids: torch.Tensor) -> list[list[str]]:
        return [self.decode(row) for row in ids.tolist()]

    def to_json(self) -> str:
        return json.dumps(list(self.tokens), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Vocabulary":
        return cls(tuple(json.loads(text)))
