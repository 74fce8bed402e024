"""The SMILES sequence task: MOSES data as token ids for the shared sequence GANs, SMILES out.

A :class:`SmilesTask` is a :class:`~ganbench.domains.sequence.task.SequenceTask` whose tokens are
atom-level SMILES tokens (:mod:`.smiles`). The vocabulary is the MOSES training split's 24
tokens in frequency order (:data:`MOSES_TOKENS`, pinned by the data checksum and checked against
the whole split by a slow test), so every MOSES task shares one vocabulary and nothing scans
1.6M SMILES before training starts. Training batches are tokenized when drawn: reading the
split is one gzip read, and a batch of 64 costs about a millisecond to encode.

Generated ids decode to SMILES strings (a :class:`SmilesSamples` list the metric families share);
``load_samples`` reads a user's file, one SMILES a line (or a CSV with a SMILES column), and never
fails on the molecules: blank lines, unreadable strings, binary and over-long lines are kept and
count as invalid samples.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import torch

from ganbench.core.errors import UserError
from ganbench.domains.molecule.metrics import MoleculeReferences, SmilesSamples
from ganbench.domains.sequence.task import SequenceTask
from ganbench.domains.sequence.vocab import BOS, EOS, PAD, UNK, Vocabulary
from ganbench.domains.molecule.smiles import tokenize

# Tokens of the MOSES training split by decreasing count (ties alphabetical), as Vocabulary.build orders them.
MOSES_TOKENS = ("c", "C", "(", ")", "1", "O", "2", "N", "=", "n", "3", "F", "-", "S", "s", "o", "Cl", "[nH]",
                "#", "4", "Br", "5", "[H]", "6")
MOSES_MAX_TOKENS = 54  # the longest training SMILES in tokens (max_len = this + 1 end token)


class SmilesTask(SequenceTask):
    start_id, eos_id, pad_id = Vocabulary.bos_id, Vocabulary.eos_id, Vocabulary.pad_id
    forbidden = (Vocabulary.pad_id, Vocabulary.bos_id, Vocabulary.unk_id)
    qd_metrics = ("validity", "unique_1k", "intdiv")
    qd_samples = 1000
    vocab = Vocabulary((PAD, BOS, EOS, UNK, *MOSES_TOKENS))
    max_len = MOSES_MAX_TOKENS + 1

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def train_smiles(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def build_references(self) -> MoleculeReferences:  # pragma: no cover - abstract
        raise NotImplementedError

    @cached_property
    def references(self) -> MoleculeReferences:
        return self.build_references()

    @cached_property
    def _train(self) -> list[str]:
        return self.train_smiles()

    # -- tokens ------------------------------------------------------------------------------
    def encode(self, smiles: list[str]) -> torch.Tensor:
        """[N, max_len] ids (tokens, end, padding); a string that does not tokenize is an error."""
        tokens = []
        for s in smiles:
            t = tokenize(s)
            if t is None:
                raise UserError(f"training SMILES {s!r} does not tokenize; check the data file")
            tokens.append(t)
        ids, unknown, truncated = self.vocab.encode_batch(tokens, self.max_len)
        if unknown or truncated:
            raise UserError(f"{unknown} unknown tokens / {truncated} over-long SMILES in training data: not the MOSES split?")
        return ids

    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        data = self._train
        rows = torch.randint(len(data), (batch_size,), generator=generator, device=generator.device)
        batch = self.encode([data[i] for i in rows.tolist()]).to(generator.device)  # tokenized on the host
        if self._one_hot_batches:
            return torch.nn.functional.one_hot(batch, self.vocab_size).float()
        return batch

    def train_tokens(self) -> torch.Tensor:
        """All training SMILES as ids (encodes the whole set: slow for the 1.6M split)."""
        return self.encode(self._train)

    # -- samples -----------------------------------------------------------------------------
    def decode(self, raw: torch.Tensor) -> SmilesSamples:
        return SmilesSamples(["".join(t) for t in self.vocab.decode_batch(raw)], source="generator")

    def sample_lines(self, decoded) -> list[str]:
        return list(decoded)

    def load_samples(self, path: str | Path) -> SmilesSamples:
        """One SMILES a line, or a CSV/TSV whose header names its SMILES column (MOSES writes
        ``SMILES,SPLIT``); a first line ``SMILES`` alone is a header too.

        The file may be compressed or saved in UTF-16/32 with or without a byte-order mark
        (:func:`~ganbench.core.sample_files.read_text`): it scores as the plain file. Blank lines
        stay as empty (invalid) samples; bytes that are not text are replaced, so the string is
        screened as binary and counts as invalid; a line over the size bound (a 20,000-atom chain,
        a megabyte of text) is invalid before RDKit sees it (:mod:`ganbench.domains.molecule.bounds`).
        The metric details count both. An empty, missing or unreadable file, and a first line with
        commas that names no SMILES column (a SMILES never holds a comma), are errors.
        """
        from ganbench.core.sample_files import read_text

        path = Path(path)
        if not path.is_file():
            raise UserError(f"sample file {path} does not exist: give a text file with one SMILES a line")
        lines = read_text(path, strict=False, fix="give a text file with one SMILES a line").splitlines()
        lines = smiles_column(lines, str(path))
        if not lines:
            raise UserError(f"{path} has no samples: give one generated SMILES a line")
        return SmilesSamples([line.strip() for line in lines], source=str(path))

    def as_samples(self, samples: Any) -> SmilesSamples:
        """A list (or other sequence) of SMILES strings; a path is read as a file."""
        if isinstance(samples, (list, tuple)) and all(isinstance(s, str) for s in samples):
            if not samples:
                raise UserError(f"{self.spec.name}: no samples given; pass a list of SMILES strings")
            return SmilesSamples([s.strip() for s in samples], source="memory")
        return super().as_samples(samples)


def smiles_column(lines: list[str], source: str) -> list[str]:
    """The SMILES of a sample file's lines: a table (its first line names a column ``SMILES``, any
    case, split on commas or tabs) gives that column; a first line ``SMILES`` alone is dropped;
    other lines are the SMILES themselves (RDKit's ``SMILES name`` lines included)."""
    import csv

    if not lines:
        return lines
    header = lines[0].strip()
    if header.upper() == "SMILES":
        return lines[1:]
    delimiter = "," if "," in header else "\t" if "\t" in header else None
    if delimiter is None:
        return lines
    names = [name.strip().upper() for name in next(csv.reader([header], delimiter=delimiter))]
    found = [i for i, name in enumerate(names) if name == "SMILES"]
    if delimiter == "\t" and not found:  # "CCO<TAB>ethanol": a SMILES and its name, as RDKit reads them
        return lines
    if len(found) != 1:
        what = (f"{len(found)} SMILES columns" if found else
                f"its first line ({header[:60]!r}) holds commas but names no SMILES column")
        raise UserError(f"{source}: {what}; give one SMILES a line, or a CSV whose header names one column SMILES")
    column = found[0]
    return [row[column] if len(row) > column else "" for row in csv.reader(lines[1:], delimiter=delimiter)]
