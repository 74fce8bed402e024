"""Metric families stream: batches of 7 give the numbers one whole set gives, and the numbers the
pre-streaming arithmetic (everything concatenated, then scored) gives."""

import math
import random

import numpy as np
import pytest
import torch

from ganbench.engine.evaluator import draw, evaluate_batches, evaluate_generator, evaluate_samples
from ganbench.tasks import TASKS

TOL = 1e-10


def in_batches(samples, size=7):
    return [samples[i:i + size] for i in range(0, len(samples), size)]


def assert_same(a, b, rel=TOL):
    assert list(a) == list(b)
    for name in a:
        x, y = a[name].value, b[name].value
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=rel, abs=rel), name
        assert a[name].details == b[name].details, name


# --- toy ------------------------------------------------------------------------------------------
def test_toy_modes_stream_into_counts():
    task = TASKS.get("toy/grid25")()
    rng = np.random.default_rng(0)
    pts = np.concatenate([task.reference_samples(700), rng.uniform(-6, 6, (300, 2))])
    whole = evaluate_samples(task, pts)
    assert_same(evaluate_batches(task, in_batches(pts)), whole, rel=0)
    # brute force, written out: nearest mode, within 3 sigma, histogram
    means = task.means()
    d = np.sqrt(((pts[:, None] - means[None]) ** 2).sum(-1))
    hq = d.min(1) < 3 * task.sigma
    counts = np.bincount(d.argmin(1)[hq], minlength=len(means))
    p = counts[counts > 0] / hq.sum()
    assert whole["modes_covered"].value == (counts > 0).sum()
    assert whole["high_quality"].value == pytest.approx(100 * hq.mean(), rel=1e-15)
    assert whole["mode_kl"].value == pytest.approx(np.sum(p * np.log(p * len(means))), rel=1e-12)


# --- images ---------------------------------------------------------------------------------------
class Projection:
    """A small fixed feature extractor (the streaming logic does not depend on which one): ReLU of a
    random projection of the pixels as features, another projection as 10 class logits."""

    name = "test-projection"
    details = {}

    def __init__(self):
        rng = np.random.default_rng(0)
        self.w, self.v = rng.normal(size=(64, 16)).astype(np.float32), rng.normal(size=(16, 10)).astype(np.float32)

    def __call__(self, images):
        x = np.asarray(images, dtype=np.float32).reshape(len(images), -1) / 255.0
        f = np.maximum(x @ self.w, 0)
        return f, f @ self.v


@pytest.fixture
def digits(monkeypatch):
    from ganbench.domains.image import features

    extractor = Projection()
    monkeypatch.setattr(features, "build_extractor", lambda name, task: extractor)
    return TASKS.get("image/digits")()


def test_image_metrics_stream_and_keep_todays_arithmetic(digits):
    from ganbench.domains.image.features import build_extractor
    from ganbench.domains.image.metrics import (_extract, inception_score, kernel_inception_distance, prdc,
                                                reference_features)
    from ganbench.metrics.frechet import frechet_distance, gaussian_stats

    images = digits.train_samples(1100)  # > 2 extractor chunks, the last one short
    fast = {"kid_subsets": 10}
    whole = evaluate_samples(digits, images, options=fast)
    assert_same(evaluate_batches(digits, in_batches(images), options=fast), whole)
    # the arithmetic before streaming: features of the whole set, then each metric
    ex = build_extractor("classifier", digits)
    feats, logits = _extract(ex, images)
    ref = reference_features(digits, ex)
    mu, sigma = gaussian_stats(feats)
    assert whole["fid"].value == pytest.approx(frechet_distance(mu, sigma, ref["mu"], ref["sigma"]), rel=TOL)
    assert whole["kid"].value == kernel_inception_distance(feats, ref["features"], 10, 500)[0]
    assert whole["is"].value == inception_score(logits, 10)[0]
    pr = prdc(feats, ref["features"], 3, 5, {3: ref["radius_k3"], 5: ref["radius_k5"]})
    assert all(whole[k].value == pr[k] for k in ("precision", "recall", "density", "coverage"))
    assert whole["fid"].details["extractor"] == "test-projection" and whole["fid"].details["n"] == 1100


def test_fid_alone_keeps_moments_not_features(digits):
    from ganbench.domains.image.metrics import ImageMetrics

    images = digits.train_samples(600)
    fam = ImageMetrics(digits, metrics=["fid"])
    for b in in_batches(images, 50):
        fam.update(b)
    values = fam.compute()
    assert list(values) == ["fid"] and fam._features == [] and fam._logits == []
    assert values["fid"].value == pytest.approx(evaluate_samples(digits, images)["fid"].value, rel=TOL)


class NoiseImages:
    def sample(self, n, rng):
        return torch.rand(n, 1, 8, 8, generator=rng) * 2 - 1


def test_generator_batches_are_scored_as_they_are_drawn(digits):
    G = NoiseImages()
    streamed = evaluate_generator(digits, G, 530, seed=3, metric_names=["fid", "is", "coverage"], batch=7)
    drawn = list(draw(digits, G, 530, seed=3, batch=7))
    assert_same(streamed, evaluate_samples(digits, np.concatenate(drawn), ["fid", "is", "coverage"]))


# --- text -----------------------------------------------------------------------------------------
class OracleStub:
    """What the text families read from a task: an oracle, its entropy, a BLEU reference."""

    def __init__(self, references=None):
        from ganbench.domains.text.bleu import NgramReference
        from ganbench.domains.text.oracle import random_oracle

        self._oracle = random_oracle(0, vocab_size=30, emb_dim=8, hidden_dim=8, max_len=12)
        self._ref = NgramReference(references, 5) if references else None

    def oracle(self):
        return self._oracle

    def oracle_entropy(self):
        return 1.0

    def bleu_reference(self):
        return self._ref


def test_oracle_nll_streams_in_the_oracles_own_chunks():
    from ganbench.domains.text.metrics import OracleNLL

    task = OracleStub()
    tokens = task.oracle().sample(2300, torch.Generator().manual_seed(0))
    fam = OracleNLL(task)
    for b in in_batches(tokens):
        fam.update(b)
    streamed = fam.compute()
    one = OracleNLL(task)
    one.update(tokens)
    assert_same(streamed, one.compute(), rel=0)
    total, count = task.oracle().nll_sum(tokens)  # the arithmetic before streaming
    assert streamed["nll_oracle"].value == total / count and streamed["nll_oracle"].details["n_samples"] == 2300


def _sentences(rng, n):
    return [[rng.choice("abcdefg") for _ in range(rng.randint(0, 9))] for _ in range(n)]


def test_bleu_and_self_bleu_stream():
    from ganbench.domains.text.metrics import ORDERS, Bleu, SelfBleu

    rng = random.Random(0)
    task = OracleStub(references=_sentences(rng, 60))
    hyps = _sentences(rng, 101)
    for family in (Bleu, SelfBleu):
        streamed, one = family(task), family(task)
        for b in in_batches(hyps):
            streamed.update(b)
        one.update(hyps)
        assert_same(streamed.compute(), one.compute(), rel=0)
    scores = task.bleu_reference().sentence_bleu_orders(hyps, ORDERS)  # before streaming: all at once
    values = Bleu(task)
    values.update(hyps)
    assert {k: v.value for k, v in values.compute().items()} == {f"bleu{n}": float(scores[n].mean()) for n in ORDERS}


# --- molecules ------------------------------------------------------------------------------------
def test_moses_families_stream_and_share_one_feature_table(monkeypatch):
    pytest.importorskip("rdkit")
    pytest.importorskip("numba")
    from ganbench.domains.molecule import features
    from ganbench.domains.molecule.metrics import MoleculeReferences, SmilesSamples
    from ganbench.domains.molecule.refstats import ReferenceSet

    class Mols:
        references = MoleculeReferences({"test": ReferenceSet("stream-test", ["CCO", "c1ccccc1O", "CC(=O)Nc1ccccc1"])})

    smiles = ["CCO", "CCN", "c1ccccc1", "not a smiles", "", "CC(=O)O", "CCO", "c1ccncc1", "OCCO", "CCCC",
              "C1CCCCC1", "c1ccccc1C(=O)O", "N#N", "CC(C)O", "CCOCC"]
    names = ["validity", "unique_1k", "novelty", "intdiv", "snn_test", "frag_test", "logp_w1"]
    whole = evaluate_samples(Mols(), SmilesSamples(smiles), names)
    built = []
    real = features.moses_table
    monkeypatch.setattr(features, "moses_table", lambda s, **kw: built.append(kw) or real(s, **kw))
    batches = [SmilesSamples(b) for b in in_batches(smiles)]
    assert_same(evaluate_batches(Mols(), batches, names), whole)
    assert len([kw for kw in built if not kw.get("reference")]) == 1  # one RDKit pass for both families
