"""Fast BLEU / Self-BLEU against NLTK's sentence_bleu (smoothing method 1), the reference."""

import random

import numpy as np
import pytest

from ganbench.core.errors import UserError
from ganbench.domains.text.bleu import NgramReference, corpus_bleu, self_bleu

nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
SMOOTH = nltk_bleu.SmoothingFunction().method1


def nltk_score(refs, hyp, n):
    return nltk_bleu.sentence_bleu(refs, hyp, weights=tuple([1.0 / n] * n), smoothing_function=SMOOTH)


def random_sentence(rng, max_len=9, alphabet="abcdef"):
    return [rng.choice(alphabet) for _ in range(rng.randint(0, max_len))]


@pytest.mark.parametrize("seed", range(40))
def test_sentence_bleu_equals_nltk(seed):
    rng = random.Random(seed)
    refs = [random_sentence(rng) for _ in range(rng.randint(1, 7))]
    if seed % 3 == 0:
        refs.append(list(refs[0]))  # duplicate reference
    hyps = [random_sentence(rng) for _ in range(6)] + [list(refs[0]), [], ["zz"], ["a"]]
    table = NgramReference(refs, max_n=5)
    for n in (1, 2, 3, 4, 5):
        ours = table.sentence_bleu(hyps, n)
        theirs = [nltk_score(refs, h, n) for h in hyps]
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_self_bleu_equals_nltk_leave_one_out(seed):
    rng = random.Random(1000 + seed)
    sents = [random_sentence(rng, alphabet="abcd") for _ in range(rng.randint(2, 8))]
    if seed % 2 == 0:
        sents.append(list(sents[0]))  # a duplicate elsewhere in the set is a legitimate reference
    table = NgramReference(sents, max_n=5)
    for n in (2, 3, 4, 5):
        ours = table.self_bleu(n)
        theirs = [nltk_score(sents[:i] + sents[i + 1:], sents[i], n) for i in range(len(sents))]
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_tricky_cases_by_hand():
    # ties in closest reference length go to the shorter one (NLTK): refs of length 3 and 5, hyp 4
    refs = [["a", "b", "c"], ["a", "b", "c", "d", "e"]]
    hyp = ["a", "b", "c", "d"]
    assert NgramReference(refs, 4).sentence_bleu([hyp], 4)[0] == pytest.approx(nltk_score(refs, hyp, 4), abs=1e-12)
    # hypothesis shorter than n: higher orders get the smoothed 0.1/1 precision
    assert NgramReference(refs, 5).sentence_bleu([["a"]], 5)[0] == pytest.approx(nltk_score(refs, ["a"], 5), abs=1e-12)
    # a sentence whose only copy is itself gets no credit from itself
    sents = [["x", "y", "z"], ["p", "q"]]
    assert NgramReference(sents, 2).self_bleu(2)[0] == pytest.approx(nltk_score([sents[1]], sents[0], 2), abs=1e-12)
    # an exact duplicate scores 1 against the other copy
    dup = [["x", "y", "z"], ["x", "y", "z"], ["p"]]
    assert NgramReference(dup, 3).self_bleu(3)[:2] == pytest.approx([1.0, 1.0])


def test_identical_sets_score_one_and_disjoint_zero():
    sents = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "in", "the", "park"]]
    assert corpus_bleu(sents, sents) == pytest.approx({2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0})
    assert corpus_bleu([["zz", "yy", "xx"]], sents)[2] == 0.0


def test_bad_input_is_a_user_error():
    with pytest.raises(UserError):
        corpus_bleu([], [["a"]])
    with pytest.raises(UserError):
        NgramReference([], 4)
    with pytest.raises(UserError):
        self_bleu([["only", "one"]])
    with pytest.raises(UserError):
        NgramReference([["a"]], 2).sentence_bleu([["a"]], 3)
