"""Word-level text corpora (one sentence a line) as sequence tasks: COCO captions, a user's files.

Protocol (Texygen's COCO setup, with its known leak fixed): sentences are tokenised with
:func:`~ganbench.domains.text.tokenize.word_tokenize`; the vocabulary comes from the *training* split
only (Texygen built it from train and test); the maximum length is the longest training sentence
plus one end token. The generator can never emit pad, start or unknown tokens.

Metrics see sentences as lists of word strings. ``nll_test`` scores the generator on the test
sentences whose words are all in the vocabulary (the others cannot be scored without an unknown
token the model never saw in training); how many were left out is stored in the record. User
sample files (``ganbench eval``) are read one sentence a line; empty lines are kept as empty
sentences (a generator that stops at once) and unknown words are kept as words — both counted.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import torch

from ganbench.core.data import DataFile
from ganbench.core.errors import UserError
from ganbench.domains.text.bleu import NgramReference
from ganbench.domains.sequence.task import SequenceTask
from ganbench.domains.sequence.vocab import Vocabulary
from ganbench.domains.text.tokenize import word_tokenize


def read_lines(path: Path) -> list[str]:
    """The lines of a text file as a user saved it (compressed, with a byte-order mark, UTF-16:
    :func:`~ganbench.core.sample_files.read_text`); bytes that are not text are an input error."""
    from ganbench.core.sample_files import read_text

    return read_text(path, strict=True, fix="give a text file, one sentence a line in UTF-8").splitlines()


class TextSamples(list):
    """Tokenised sentences (a list of lists of words) plus how they were read (counts)."""

    def __init__(self, sentences, unknown: int = 0, source: str = ""):
        super().__init__(sentences)
        self.empty = sum(1 for s in self if not s)
        self.unknown, self.source = unknown, source


class TextCorpusTask(SequenceTask):
    """A train/test pair of text files; subclasses say where the files are (``files()``)."""

    lowercase = False
    BLEU_ORDERS = (2, 3, 4, 5)
    qd_metrics = ("bleu5", "self_bleu5", "nll_test")

    def sample_lines(self, decoded) -> list[str]:
        return [" ".join(s) for s in decoded]

    def files(self) -> tuple[Path, Path]:  # pragma: no cover - abstract
        raise NotImplementedError

    def tokenize(self, line: str) -> list[str]:
        return word_tokenize(line.lower() if self.lowercase else line)

    # -- corpus ----------------------------------------------------------------------------
    @cached_property
    def train_sentences(self) -> list[list[str]]:
        train, _ = self.files()
        sentences = [self.tokenize(l) for l in read_lines(train)]
        sentences = [s for s in sentences if s]
        if len(sentences) < 2:
            raise UserError(f"{train}: a training file needs at least two non-empty sentences, one a line")
        return sentences

    @cached_property
    def test_sentences(self) -> list[list[str]]:
        _, test = self.files()
        sentences = [s for s in (self.tokenize(l) for l in read_lines(test)) if s]
        if not sentences:
            raise UserError(f"{test}: the test file has no non-empty sentence")
        return sentences

    @cached_property
    def vocab(self) -> Vocabulary:
        return Vocabulary.build(self.train_sentences)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @property
    def max_len(self) -> int:
        return max(len(s) for s in self.train_sentences) + 1

    start_id, eos_id, pad_id = Vocabulary.bos_id, Vocabulary.eos_id, Vocabulary.pad_id
    forbidden = (Vocabulary.pad_id, Vocabulary.bos_id, Vocabulary.unk_id)

    @cached_property
    def _train_tokens(self) -> torch.Tensor:
        ids, _, _ = self.vocab.encode_batch(self.train_sentences, self.max_len)
        return ids

    def train_tokens(self) -> torch.Tensor:
        return self._train_tokens

    @cached_property
    def _test_scoring(self) -> tuple[torch.Tensor, int, int]:
        """(ids of the in-vocabulary test sentences, number left out for unknown words, for length)."""
        keep, oov, long = [], 0, 0
        for s in self.test_sentences:
            if any(t not in self.vocab.index for t in s):
                oov += 1
            elif len(s) > self.max_len - 1:
                long += 1
            else:
                keep.append(s)
        ids, _, _ = self.vocab.encode_batch(keep, self.max_len)
        return ids, oov, long

    def test_tokens(self) -> torch.Tensor:
        return self._test_scoring[0]

    def test_details(self) -> dict:
        ids, oov, long = self._test_scoring
        return {"test_sentences_scored": len(ids), "test_sentences_with_unknown_words": oov,
                "test_sentences_too_long": long, "split": "test"}

    def bleu_reference(self) -> NgramReference:
        """n-gram tables of the whole test split, built once per task object."""
        if not hasattr(self, "_bleu_ref"):
            self._bleu_ref = NgramReference(self.test_sentences, max(self.BLEU_ORDERS))
        return self._bleu_ref

    def reference_samples(self, n: int | None = None) -> TextSamples:
        return TextSamples(self.test_sentences[:n] if n else self.test_sentences, source="test split")

    # -- samples ---------------------------------------------------------------------------
    def decode(self, raw: torch.Tensor) -> TextSamples:
        return TextSamples(self.vocab.decode_batch(raw), source="generator")

    def load_samples(self, path: str | Path) -> TextSamples:
        """One generated sentence a line, UTF-8 (anything else, e.g. binary, is an input error).

        Control characters in valid UTF-8 are kept as words the vocabulary does not know, so
        they count as ``unknown_words``; a line longer than :attr:`max_sample_words` is an error
        (see :meth:`_tokenized`)."""
        path = Path(path)
        if not path.is_file():
            raise UserError(f"sample file {path} does not exist: give a text file with one generated sentence a line")
        lines = read_lines(path)
        if not lines:
            raise UserError(f"{path} is empty: give one generated sentence a line")
        return self._tokenized(lines, str(path))

    def as_samples(self, samples: Any) -> TextSamples:
        """A list of sentences (strings, tokenised here) or of token lists; a path is read as a file."""
        if isinstance(samples, (list, tuple)) and samples and all(isinstance(s, (str, list)) for s in samples):
            return self._tokenized(samples, "memory")
        return super().as_samples(samples)

    SAMPLE_LENGTH_FACTOR = 10  # a sample sentence may be this many times the longest training sentence

    @property
    def max_sample_words(self) -> int:
        """Words a sample sentence may have: :attr:`SAMPLE_LENGTH_FACTOR` × the longest training
        sentence (a generator of this task writes at most ``max_len - 1``)."""
        return self.SAMPLE_LENGTH_FACTOR * (self.max_len - 1)

    def _tokenized(self, lines, source: str) -> TextSamples:
        """Sentences as word lists, with their unknown words counted.

        A sentence far longer than any this task generates is refused with the line it is on:
        it is a file that is not one sentence a line (sentences joined into one line, a binary
        blob that happens to be UTF-8), and scoring it would give one meaningless BLEU silently
        and cost time growing with its length (a 2,000,000-character line: seconds). The
        whitespace-separated pieces are counted first (the tokenizer only splits them further),
        so such a line is refused before it is tokenized."""
        limit = self.max_sample_words
        sentences = []
        for number, l in enumerate(lines, start=1):
            n = len(l.split()) if isinstance(l, str) else len(l)
            words = None
            if n <= limit:
                words = self.tokenize(l) if isinstance(l, str) else [str(t) for t in l]
                n = len(words)
            if n > limit:
                where = f"{source}:{number}" if source != "memory" else f"sample {number - 1}"
                raise UserError(f"{where} has {n} words; {self.spec.name} generates at most {self.max_len - 1} "
                                f"(samples may have {limit}): give one sentence a line")
            sentences.append(words)
        unknown = sum(1 for s in sentences for t in s if t not in self.vocab.index)
        return TextSamples(sentences, unknown=unknown, source=source)


class FileCorpus(TextCorpusTask):
    """Shipped data files located through the DataLocator (``--data-dir``, cache, download)."""

    train_file: DataFile
    test_file: DataFile

    def files(self) -> tuple[Path, Path]:
        return self.data.find(self.train_file), self.data.find(self.test_file)


def configured_files(cfg: Mapping[str, Any] | None, env: Mapping[str, str]) -> tuple[Path, Path] | None:
    """(train, test) paths from config keys ``train_file``/``test_file`` or the environment."""
    cfg = cfg or {}
    train = cfg.get("train_file") or env.get("GANBENCH_CORPUS_TRAIN")
    test = cfg.get("test_file") or env.get("GANBENCH_CORPUS_TEST")
    if not train or not test:
        return None
    return Path(train).expanduser(), Path(test).expanduser()
