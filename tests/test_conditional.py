"""Class-conditional image GANs: the conditioning modes, the labelled-sample interface and the metrics
(intra-FID, classifier accuracy, CAS), each against an independent reference or its defining property."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from ganbench.cli import main
from ganbench.core.config import resolve
from ganbench.core.errors import UserError
from ganbench.core.labelled import Labelled
from ganbench.domains.image.conditional_metrics import intra_fid, stratified_order
from ganbench.engine.trainer import TrainState, make_optimizer, seed_everything
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

TASK = "image/digits-cond"


@pytest.fixture(scope="module")
def task():
    return TASKS.get(TASK)()


def _nets(task, **over):
    cfg = resolve(task.spec, build_objective("hinge"), {**task.spec.smoke, **over}, steps=3)
    seed_everything(0)
    return cfg, task.build_models(cfg)


def _scipy_fid(a, b):
    from scipy import linalg

    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


# -- the metrics ----------------------------------------------------------------------------------
def test_intra_fid_is_the_mean_of_per_class_frechet_distances():
    rng = np.random.RandomState(0)
    a, b = rng.randn(300, 4), rng.randn(240, 4) * 1.5 + 0.3
    la, lb = np.arange(300) % 3, np.arange(240) % 3
    value, per_class = intra_fid(a, la, b, lb)
    expected = [_scipy_fid(a[la == c], b[lb == c]) for c in range(3)]
    assert per_class == pytest.approx(dict(enumerate(expected)), rel=1e-6)
    assert value == pytest.approx(np.mean(expected), rel=1e-6)


def test_intra_fid_of_two_real_class_stratified_halves_is_near_zero(task):
    """Both halves of the real images, each class split in two: ≈ 0 against the same halves with
    the classes paired wrongly (what a generator that ignores its label scores)."""
    from ganbench.domains.image.features import build_extractor
    from ganbench.domains.image.metrics import _extract

    x_tr, y_tr, x_te, y_te = task.classifier_data()
    x, y = np.concatenate([x_tr, x_te]), np.concatenate([y_tr, y_te])
    a = np.concatenate([np.flatnonzero(y == c)[0::2] for c in range(10)])  # every class split in two
    b = np.concatenate([np.flatnonzero(y == c)[1::2] for c in range(10)])
    feats, _ = _extract(build_extractor("classifier", task), x)
    same, _ = intra_fid(feats[a], y[a], feats[b], y[b])
    wrong, _ = intra_fid(feats[a], (y[a] + 1) % 10, feats[b], y[b])
    unconditional, _ = intra_fid(feats[a], np.zeros_like(y[a]), feats[b], np.zeros_like(y[b]))
    assert same < 0.1 * wrong, (same, wrong)
    assert unconditional < same  # whole sets: many more samples per Gaussian, less estimation bias


def test_class_accuracy_of_the_real_test_split_is_the_classifier_s_test_accuracy(task):
    from ganbench.engine.evaluator import evaluate_samples

    values = evaluate_samples(task, task.reference_samples(None), ["class_accuracy"])
    acc = values["class_accuracy"]
    assert acc.value == pytest.approx(acc.details["classifier_test_accuracy"], abs=1e-4)


def test_cas_of_the_real_training_set_is_the_classifier_s_test_accuracy(task):
    """CAS trains the domain classifier's recipe on the labelled samples: on the real training split
    that is the domain classifier itself; on half of it, close to it."""
    from ganbench.domains.image.conditional_metrics import classification_accuracy_score
    from ganbench.domains.image.features import build_extractor

    x, y, _, _ = task.classifier_data()
    reference = build_extractor("classifier", task).meta["test_accuracy"]
    assert classification_accuracy_score(task, x, y) == pytest.approx(reference, abs=1e-9)
    half = stratified_order(y)[: len(y) // 2]
    assert classification_accuracy_score(task, x[half], y[half]) == pytest.approx(reference, abs=0.05)
    shuffled = np.random.RandomState(0).permutation(y)  # labels that say nothing: chance
    assert classification_accuracy_score(task, x, shuffled) < 0.3


def test_stratified_order_takes_the_classes_in_turn():
    y = np.array([2, 0, 0, 1, 2, 2, 0])
    order = stratified_order(y)
    assert sorted(order) == list(range(7)) and list(y[order][:3]) == [0, 1, 2]


# -- the conditioning modes -----------------------------------------------------------------------
def test_projection_adds_the_inner_product_of_the_label_embedding_and_the_features(task):
    _, (G, D) = _nets(task, d_cond="projection")
    x, y = task.real_batch(6, torch.Generator().manual_seed(0))
    h = D.inner.features(x).flatten(1)
    expected = D.inner.head(h) + (D.embed(y) * h).sum(1)
    assert torch.allclose(D(x, y), expected, atol=1e-6)
    assert not torch.allclose(D(x, y), D(x, (y + 1) % 10))  # the label changes the score


def test_acgan_scores_and_classifies_in_one_pass(task):
    _, (G, D) = _nets(task, d_cond="acgan")
    x, y = task.real_batch(6, torch.Generator().manual_seed(0))
    scores, logits = D(x, y, with_logits=True)
    assert scores.shape == (6,) and logits.shape == (6, 10) and D.classifies
    assert torch.allclose(D(x, y), scores) and torch.allclose(D(x, (y + 3) % 10), scores)  # the score ignores y


def test_concatenation_widens_the_discriminator_input_by_the_classes(task):
    _, (_, plain) = _nets(task, d_cond="none")
    _, (_, D) = _nets(task, d_cond="concat")
    first = lambda net: next(m for m in net.modules() if isinstance(m, torch.nn.Conv2d))
    assert first(D).in_channels == first(plain).in_channels + 10


@pytest.mark.parametrize("g_cond", ["cbn", "concat"])
def test_the_generator_follows_the_label_and_none_ignores_it(task, g_cond):
    from ganbench.nets.conditioning import CondBatchNorm

    _, (G, _) = _nets(task, g_cond=g_cond)
    G.eval()
    cbn = [m for m in G.modules() if isinstance(m, CondBatchNorm) and m.n_classes]
    assert bool(cbn) == (g_cond == "cbn")
    with torch.no_grad():  # per-class gains start at 1 (the plain G); as training moves them apart:
        for m in cbn:
            m.gain.weight.normal_(1.0, 0.5, generator=torch.Generator().manual_seed(1))
    z = torch.randn(4, G.latent_dim, generator=torch.Generator().manual_seed(0))
    a, b = G(z, torch.zeros(4, dtype=torch.long)), G(z, torch.full((4,), 7))
    assert not torch.allclose(a, b)
    _, (G0, _) = _nets(task, g_cond="none")
    G0.eval()
    assert torch.equal(G0.generate(4, torch.Generator().manual_seed(0), torch.zeros(4, dtype=torch.long)),
                       G0.generate(4, torch.Generator().manual_seed(0), torch.full((4,), 7)))


@pytest.mark.parametrize("d_cond", ["projection", "acgan", "concat", "none"])
@pytest.mark.parametrize("arch", ["dcgan", "resnet"])
def test_every_conditioning_trains_a_few_steps(task, d_cond, arch):
    obj = build_objective("hinge")
    over = {"d_cond": d_cond, "g_arch": f"{arch}-generator", "d_arch": f"{arch}-discriminator"}
    cfg, (G, D) = _nets(task, **over)
    state = TrainState(task, cfg, G, D, make_optimizer(G.parameters(), cfg, "g"), make_optimizer(D.parameters(), cfg, "d"),
                       torch.Generator().manual_seed(0))
    for _ in range(2):
        logs = obj.step(state)
    assert all(math.isfinite(v) for v in logs.values()) and ("class_loss_d" in logs) == (d_cond == "acgan")


def test_a_bad_conditioning_mode_is_refused(task):
    with pytest.raises(UserError, match="d_cond='proj': choose one of projection, acgan, concat, none"):
        _nets(task, d_cond="proj")


def test_evaluation_asks_for_every_class_equally(task):
    _, (G, _) = _nets(task)
    labelled = task.decode(task.sample(G, 40, torch.Generator().manual_seed(0)))
    assert isinstance(labelled, Labelled) and np.bincount(labelled.labels).tolist() == [4] * 10
    assert labelled.samples.shape == (40, 8, 8, 1)


# -- samples with labels in and out ---------------------------------------------------------------
def test_ganbench_eval_reads_images_with_labels(task, tmp_path, capsys):
    ref = task.reference_samples(200)
    path = tmp_path / "samples.npz"
    np.savez(path, images=ref.samples, labels=ref.labels)
    assert main(["eval", TASK, "--samples", str(path), "--metrics", "fid,intra_fid,class_accuracy"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["class_accuracy"]["value"] > 0.9
    np.savez(tmp_path / "nolabels.npz", images=ref.samples)
    assert main(["eval", TASK, "--samples", str(tmp_path / "nolabels.npz")]) == 2
    assert "label array" in capsys.readouterr().err


def test_the_api_accepts_images_with_labels(task):
    import ganbench

    ref = task.reference_samples(200)
    scores = ganbench.evaluate(TASK, (ref.samples, ref.labels), metrics=["class_accuracy", "fid"])
    assert scores["class_accuracy"] > 0.9
    with pytest.raises(UserError, match="labels must lie in 0..9"):
        ganbench.evaluate(TASK, (ref.samples, ref.labels + 10), metrics=["fid"])
    with pytest.raises(UserError, match="pass \\(images, labels\\)"):
        ganbench.evaluate(TASK, ref.samples, metrics=["fid"])
