"""Benchmark: our BLEU-2..5 / Self-BLEU-2..5 against NLTK and fast-bleu on the COCO captions.

Run: ``python tests/perf/bench_bleu.py [--data-dir DIR] [--n 10000] [--nltk-subset 20] [--skip-fast-bleu]``.
Hypotheses are the 10,000 training captions, references the 10,000 test captions (Texygen's
split, our tokenizer; ``--n`` takes the first n of each, for a quick check). Prints wall times,
the ratio, and the largest per-sentence difference to each reference implementation on the
sentences both scored. NLTK is far too slow to run on all
10,000 (it rescans every reference for every hypothesis), so it scores a subset and its full
time is extrapolated linearly — said so in the output.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ganbench.domains.text.bleu import NgramReference

ORDERS = (2, 3, 4, 5)


def _load(data_dir: str | None):
    from ganbench.tasks import TASKS

    task = TASKS.get("text/coco")(data_dir=data_dir)
    return task.train_sentences, task.test_sentences


def _ours(hyps, refs):
    t = time.perf_counter()
    bleu = NgramReference(refs, max(ORDERS)).sentence_bleu_orders(hyps, ORDERS)
    t_bleu = time.perf_counter() - t
    t = time.perf_counter()
    selfb = NgramReference(hyps, max(ORDERS)).self_bleu_orders(ORDERS)
    return bleu, t_bleu, selfb, time.perf_counter() - t


def _nltk(hyps, refs, subset: int, self_subset: int):
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    smooth = SmoothingFunction().method1
    weights = [tuple([1.0 / n] * n) for n in ORDERS]
    t = time.perf_counter()
    bleu = np.array([sentence_bleu(refs, h, weights, smoothing_function=smooth) for h in hyps[:subset]])
    t_bleu = (time.perf_counter() - t) / subset * len(hyps)
    t = time.perf_counter()
    selfb = np.array([sentence_bleu(hyps[:i] + hyps[i + 1:], hyps[i], weights, smoothing_function=smooth)
                      for i in range(self_subset)])
    t_self = (time.perf_counter() - t) / self_subset * len(hyps)
    return bleu, t_bleu, selfb, t_self


def _fast_bleu(hyps, refs):
    from fast_bleu import BLEU, SelfBLEU

    weights = {n: tuple([1.0 / n] * n) for n in ORDERS}
    t = time.perf_counter()
    bleu = BLEU(refs, weights).get_score(hyps)
    t_bleu = time.perf_counter() - t
    t = time.perf_counter()
    selfb = SelfBLEU(hyps, weights).get_score()
    t_self = time.perf_counter() - t
    return {n: np.array(bleu[n]) for n in ORDERS}, t_bleu, {n: np.array(selfb[n]) for n in ORDERS}, t_self


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--n", type=int, default=0, help="only the first N hypotheses and references (0: all; a quick check)")
    ap.add_argument("--nltk-subset", type=int, default=20, help="hypotheses NLTK scores (time extrapolated)")
    ap.add_argument("--skip-fast-bleu", action="store_true")
    args = ap.parse_args(argv)
    hyps, refs = _load(args.data_dir)
    if args.n:
        hyps, refs = hyps[: args.n], refs[: args.n]
    print(f"{len(hyps)} hypotheses (COCO train captions) vs {len(refs)} references (COCO test captions), BLEU-2..5")

    bleu, t_bleu, selfb, t_self = _ours(hyps, refs)
    print(f"ours        BLEU {t_bleu:8.2f} s   Self-BLEU {t_self:8.2f} s   "
          f"means BLEU {[round(float(bleu[n].mean()), 4) for n in ORDERS]} Self-BLEU {[round(float(selfb[n].mean()), 4) for n in ORDERS]}")

    k = args.nltk_subset
    n_bleu, tn_bleu, n_self, tn_self = _nltk(hyps, refs, k, max(1, k // 4))
    diff_b = max(abs(n_bleu[:, j] - bleu[n][:k]).max() for j, n in enumerate(ORDERS))
    diff_s = max(abs(n_self[:, j] - selfb[n][:len(n_self)]).max() for j, n in enumerate(ORDERS))
    print(f"NLTK        BLEU {tn_bleu:8.0f} s   Self-BLEU {tn_self:8.0f} s   (extrapolated from {k} and {len(n_self)} "
          f"sentences; max |ours - NLTK| BLEU {diff_b:.1e}, Self-BLEU {diff_s:.1e})")
    print(f"speed-up vs NLTK: BLEU x{tn_bleu / t_bleu:,.0f}, Self-BLEU x{tn_self / t_self:,.0f}")

    if not args.skip_fast_bleu:
        try:
            f_bleu, tf_bleu, f_self, tf_self = _fast_bleu(hyps, refs)
        except ImportError:
            print("fast-bleu not installed: pip install fast-bleu")
        else:
            db = max(abs(f_bleu[n] - bleu[n]).max() for n in ORDERS)
            ds = max(abs(f_self[n] - selfb[n]).max() for n in ORDERS)
            print(f"fast-bleu   BLEU {tf_bleu:8.2f} s   Self-BLEU {tf_self:8.2f} s   (all sentences; max |ours - fast-bleu| "
                  f"BLEU {db:.1e}, Self-BLEU {ds:.1e})")
            print(f"speed-up vs fast-bleu: BLEU x{tf_bleu / t_bleu:.1f}, Self-BLEU x{tf_self / t_self:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
