"""KID / IS against torch-fidelity on identical inputs; PR / DC against hand-checkable cases."""

import numpy as np
import pytest
import torch

from ganbench.domains.image.metrics import (
    density_coverage,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)


def _feats(seed, n, d, shift=0.0):
    return (np.random.default_rng(seed).normal(size=(n, d)) + shift).astype(np.float32)


def test_kid_equals_torch_fidelity():
    tf_kid = pytest.importorskip("torch_fidelity.metric_kid")
    fake, real = _feats(0, 300, 32, 0.3), _feats(1, 400, 32)
    ours = kernel_inception_distance(fake, real, subsets=8, subset_size=100)
    ref = tf_kid.kid_features_to_metric(torch.from_numpy(fake), torch.from_numpy(real),
                                        kid_subsets=8, kid_subset_size=100, verbose=False)
    assert ours[0] == pytest.approx(ref[tf_kid.KEY_METRIC_KID_MEAN], rel=1e-5)
    assert ours[1] == pytest.approx(ref[tf_kid.KEY_METRIC_KID_STD], rel=1e-4)


def test_kid_full_kernel_and_per_subset_paths_agree():
    fake, real = _feats(10, 300, 32, 0.3), _feats(11, 400, 32)
    a = kernel_inception_distance(fake, real, subsets=10, subset_size=100)
    b = kernel_inception_distance(fake, real, subsets=10, subset_size=100, full_kernel_limit=0)
    assert a == pytest.approx(b, rel=1e-6)


def test_kid_of_identical_distributions_is_near_zero_and_unbiased():
    a, b = _feats(2, 1000, 16), _feats(3, 1000, 16)
    mean, std = kernel_inception_distance(a, b, subsets=30, subset_size=200)
    assert abs(mean) < 3 * std / np.sqrt(30) + 1e-3
    far = kernel_inception_distance(a, b + 1.0, subsets=5, subset_size=200)[0]
    assert far > 0.1


def test_inception_score_equals_torch_fidelity():
    tf_isc = pytest.importorskip("torch_fidelity.metric_isc")
    logits = _feats(4, 1000, 10) * 3
    ours = inception_score(logits, splits=10)
    ref = tf_isc.isc_features_to_metric(torch.from_numpy(logits), splits=10, shuffle=True, rng_seed=2020)
    assert ours[0] == pytest.approx(ref[tf_isc.KEY_METRIC_ISC_MEAN], rel=1e-10)
    assert ours[1] == pytest.approx(ref[tf_isc.KEY_METRIC_ISC_STD], rel=1e-8)


def test_inception_score_closed_forms():
    # confident, uniformly spread over 10 classes -> IS = 10; all one class -> IS = 1
    onehot = np.repeat(np.eye(10) * 50.0, 100, axis=0)
    assert inception_score(onehot, splits=1)[0] == pytest.approx(10.0, rel=1e-6)
    assert inception_score(np.tile(np.eye(10)[0] * 50.0, (100, 1)), splits=1)[0] == pytest.approx(1.0, rel=1e-9)


def test_precision_recall_equal_torch_fidelity():
    tf_prc = pytest.importorskip("torch_fidelity.metric_prc")
    fake, real = _feats(5, 300, 8, 0.5), _feats(6, 350, 8)
    ours = precision_recall(fake, real, k=3, batch=64)
    ref = tf_prc.calculate_precision_recall_full(torch.from_numpy(fake).double(), torch.from_numpy(real).double(), 3)
    assert ours == pytest.approx(ref, abs=1e-6)  # torch-fidelity averages in float32


def test_precision_recall_hand_case():
    # real: 4 points on a line at 0,1,2,3 (k=1 radius 1 each); fake: one inside, one far away
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[0.5], [10.0], [11.0]])
    p, r = precision_recall(fake, real, k=1)
    assert p == pytest.approx(1 / 3)
    # fake radii (k=1): 0.5->9.5, 10->1, 11->1; every real point is within 9.5 of 0.5
    assert r == pytest.approx(1.0)


def test_density_coverage_hand_case():
    real = np.array([[0.0], [1.0], [2.0], [3.0], [100.0]])  # k=1 radii: 1, 1, 1, 1, 97
    fake = np.array([[0.5], [50.0]])
    dens, cov = density_coverage(fake, real, k=1)
    # 0.5 lies in the balls of 0, 1 and 100 (|0.5-100| = 99.5 > 97? no) -> balls of 0 and 1: 2
    # 50 lies in the ball of 100 (distance 50 <= 97): 1  -> density = 3 / (1 * 2)
    assert dens == pytest.approx(1.5)
    # covered real points: 0, 1 (by 0.5), 100 (by 50) -> 3/5
    assert cov == pytest.approx(0.6)


def test_batch_size_independence():
    fake, real = _feats(7, 257, 6, 0.2), _feats(8, 301, 6)
    assert precision_recall(fake, real, batch=17) == precision_recall(fake, real, batch=4096)
    assert density_coverage(fake, real, batch=13) == pytest.approx(density_coverage(fake, real, batch=4096), abs=1e-15)


def test_realistic_identical_sets_score_well():
    x = _feats(9, 500, 4)
    assert precision_recall(x, x) == (1.0, 1.0)
    assert density_coverage(x, x)[1] == 1.0


def test_fused_prdc_equals_the_separate_definitions():
    from ganbench.domains.image.metrics import _as_f64, _kth_nn_radius, prdc

    fake, real = _feats(12, 300, 6, 0.3), _feats(13, 280, 6)
    pr, dc = precision_recall(fake, real, k=3), density_coverage(fake, real, k=5)
    for radii in (None, {k: _kth_nn_radius(_as_f64(real), k, 64).numpy() for k in (3, 5)}):
        fused = prdc(fake, real, 3, 5, radii, batch=97)
        assert (fused["precision"], fused["recall"]) == pytest.approx(pr, abs=1e-12)
        assert (fused["density"], fused["coverage"]) == pytest.approx(dc, abs=1e-12)
