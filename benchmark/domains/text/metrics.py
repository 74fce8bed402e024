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

import torch

from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue

ORDERS = (2, 3, 4, 5)


def _tokens(batches) -> torch.Tensor:
    parts = [torch.as_tensor(b).long() for b in batches]
    return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long)


def _sentences(batches) -> tuple[list, int, int]:
    sentences, empty, unknown = [], 0, 0
    for b in batches:
        sentences.extend(b)
        empty += getattr(b, "empty", sum(1 for s in b if not s))
        unknown += getattr(b, "unknown", 0)
    return sentences, empty, unknown


class OracleNLL(MetricFamily):
    provides = {"nll_oracle": MIN}

    def compute(self) -> dict[str, MetricValue]:
        tokens = _tokens(self._batches)
        oracle = self.task.oracle()
        total, count = oracle.nll_sum(tokens)
        return {"nll_oracle": MetricValue(total / max(count, 1), MIN, {
            "n_samples": len(tokens), "unit": "nats per token",
            "oracle_entropy_floor": round(self.task.oracle_entropy(), 4),
            "uniform_model": round(math.log(oracle.vocab_size), 4),
            "how": "oracle LSTM's mean NLL per token of the generated sequences (SeqGAN)",
        })}


class TestNLL(MetricFamily):
    provides = {"nll_test": MIN}

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


class Bleu(MetricFamily):
    provides = {f"bleu{n}": MAX for n in ORDERS}

    def compute(self) -> dict[str, MetricValue]:
        hyps, empty, unknown = _sentences(self._batches)
        ref = self.task.bleu_reference()
        scores = ref.sentence_bleu_orders(hyps, ORDERS)
        details = {"n_hypotheses": len(hyps), "n_references": ref.flat.n, "reference_split": "test (all sentences)",
                   "empty_hypotheses": empty, "unknown_words": unknown,
                   "how": "mean sentence BLEU, uniform weights, NLTK smoothing method1 (Texygen protocol)"}
        return {f"bleu{n}": MetricValue(float(scores[n].mean()), MAX, dict(details)) for n in ORDERS}


class SelfBleu(MetricFamily):
    provides = {f"self_bleu{n}": MIN for n in ORDERS}

    def compute(self) -> dict[str, MetricValue]:
        from ganbench.domains.text.bleu import NgramReference

        sents, empty, _ = _sentences(self._batches)
        if len(sents) < 2:
            nan = {"n_sentences": len(sents), "unavailable": "Self-BLEU needs at least two sentences"}
            return {f"self_bleu{n}": MetricValue(float("nan"), MIN, dict(nan)) for n in ORDERS}
        scores = NgramReference(sents, max(ORDERS)).self_bleu_orders(ORDERS)
        details = {"n_sentences": len(sents), "empty_sentences": empty,
                   "how": "mean sentence BLEU of each sentence against all other generated sentences "
                          "(never itself; duplicates elsewhere count), NLTK smoothing method1"}
        return {f"self_bleu{n}": MetricValue(float(scores[n].mean()), MIN, dict(details)) for n in ORDERS}
