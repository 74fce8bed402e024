"""Text metric families: NLL-oracle, NLL-test, BLEU-2..5 and Self-BLEU-2..5.

* ``nll_oracle`` (SeqGAN): the oracle's mean NLL per token of the generated sequences; the
  oracle's entropy rate (its NLL of fresh samples) is the floor and is stored beside the value.
* ``nll_test``: the *generator's* mean NLL per token of the held-out test split (padding masked,
  the end token counted) — a generator-level metric, so it is unavailable (NaN, with the reason)
  for samples read from a file.
* ``bleu{n}``: mean sentence BLEU-n of the generated sentences against the whole test split
  (uniform weights, NLTK smoothing method 1, as Texygen); ``self_bleu{n}``: each generated
  sentence against all the *other* generated sentences (lower is more diverse). Exact and fast:
  see :mod:`ganbench.domains.text.bleu`.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue, Rechunker

ORDERS = (2, 3, 4, 5)
ORACLE_CHUNK = 1000  # sequences per oracle call (the oracle's own nll_sum batch): every stream is cut alike


class OracleNLL(MetricFamily):
    """Streams: sequences are scored by the oracle in chunks of :data:`ORACLE_CHUNK` as they arrive
    (cut as one whole set would be, so the float sums are the same); only the NLL total, the token
    count and the sample count are kept."""

    provides = {"nll_oracle": MIN}

    def reset(self) -> None:
        self._chunks = Rechunker(ORACLE_CHUNK)
        self._total, self._count, self._n = 0.0, 0, 0

    def update(self, tokens) -> None:
        for chunk in self._chunks.push(torch.as_tensor(tokens).long()):
            self._fold(chunk)

    def _fold(self, chunk: torch.Tensor) -> None:
        device = self.options.get("device")  # the evaluator's device: the oracle scores there
        oracle = self.task.oracle() if device is None else self.task.oracle(device)
        total, count = oracle.nll_sum(chunk, batch=ORACLE_CHUNK)
        self._total += total
        self._count += count
        self._n += len(chunk)

    def compute(self) -> dict[str, MetricValue]:
        tail = self._chunks.flush()
        if tail is not None:
            self._fold(tail)
        oracle = self.task.oracle()
        return {"nll_oracle": MetricValue(self._total / max(self._count, 1), MIN, {
            "n_samples": self._n, "unit": "nats per token",
            "oracle_entropy_floor": round(self.task.oracle_entropy(), 4),
            "uniform_model": round(math.log(oracle.vocab_size), 4),
            "how": "oracle LSTM's mean NLL per token of the generated sequences (SeqGAN)",
        })}


class TestNLL(MetricFamily):
    """A metric of the generator, not of its samples: ``update`` keeps nothing."""

    provides = {"nll_test": MIN}

    def reset(self) -> None:
        pass

    def update(self, samples) -> None:
        pass

    def compute(self) -> dict[str, MetricValue]:
        G = self.options.get("generator")
        if G is None:
            G = self.task.generator_for_metrics()
        details = {"unit": "nats per token (end token included, padding excluded)", **self.task.test_details(),
                   "how": "generator's mean NLL per token of the held-out test split"}
        if G is None:
            details["unavailable"] = "nll_test needs the generator; samples read from a file cannot be scored"
            return {"nll_test": MetricValue(float("nan"), MIN, details)}
        total, count = G.nll_sum(self.task.test_tokens())
        details["tokens_scored"] = count
        return {"nll_test": MetricValue(total / max(count, 1), MIN, details)}


def _read_counts(batch) -> tuple[int, int]:
    """(empty sentences, unknown words) of a decoded batch, as it counted them when it was read."""
    return getattr(batch, "empty", sum(1 for s in batch if not s)), getattr(batch, "unknown", 0)


class Bleu(MetricFamily):
    """Streams: a sentence's BLEU depends on it and the fixed test split only, so each batch is
    scored as it arrives; the per-sentence scores are kept (one float per order and sentence, for
    the mean taken exactly as over the whole set), the sentences are not."""

    provides = {f"bleu{n}": MAX for n in ORDERS}

    def reset(self) -> None:
        self._scores: dict[int, list] = {n: [] for n in ORDERS}
        self._empty = self._unknown = 0

    def update(self, sentences) -> None:
        scores = self.task.bleu_reference().sentence_bleu_orders(sentences, ORDERS)
        for n in ORDERS:
            self._scores[n].append(scores[n])
        empty, unknown = _read_counts(sentences)
        self._empty += empty
        self._unknown += unknown

    def compute(self) -> dict[str, MetricValue]:
        ref = self.task.bleu_reference()
        scores = {n: np.concatenate(self._scores[n]) if self._scores[n] else np.zeros(0) for n in ORDERS}
        details = {"n_hypotheses": len(scores[ORDERS[0]]), "n_references": ref.flat.n,
                   "reference_split": "test (all sentences)", "empty_hypotheses": self._empty,
                   "unknown_words": self._unknown,
                   "how": "mean sentence BLEU, uniform weights, NLTK smoothing method1 (Texygen protocol)"}
        return {f"bleu{n}": MetricValue(float(scores[n].mean()), MAX, dict(details)) for n in ORDERS}


class SelfBleu(MetricFamily):
    """Each sentence is scored against all the others, so every sentence is kept (the decoded word
    lists the evaluator hands over, never token tensors) until ``compute``."""

    provides = {f"self_bleu{n}": MIN for n in ORDERS}

    def compute(self) -> dict[str, MetricValue]:
        from ganbench.domains.text.bleu import NgramReference

        sents = [s for b in self._batches for s in b]
        empty = sum(_read_counts(b)[0] for b in self._batches)
        if len(sents) < 2:
            nan = {"n_sentences": len(sents), "unavailable": "Self-BLEU needs at least two sentences"}
            return {f"self_bleu{n}": MetricValue(float("nan"), MIN, dict(nan)) for n in ORDERS}
        scores = NgramReference(sents, max(ORDERS)).self_bleu_orders(ORDERS)
        details = {"n_sentences": len(sents), "empty_sentences": empty,
                   "how": "mean sentence BLEU of each sentence against all other generated sentences "
                          "(never itself; duplicates elsewhere count), NLTK smoothing method1"}
        return {f"self_bleu{n}": MetricValue(float(scores[n].mean()), MIN, dict(details)) for n in ORDERS}
