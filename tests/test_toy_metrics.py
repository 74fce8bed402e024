"""Toy metrics against hand-computed cases and the closed form of a 2-D Gaussian."""

import math

import numpy as np
import pytest

from ganbench.engine.evaluator import evaluate_samples
from ganbench.domains.toy.metrics import mode_statistics
from ganbench.tasks import TASKS


@pytest.fixture(params=["toy/ring8", "toy/grid25"])
def task(request):
    return TASKS.get(request.param)()


def test_ring_has_eight_distinct_modes():
    means = TASKS.get("toy/ring8").means()
    d = np.linalg.norm(means[:, None] - means[None], axis=-1) + np.eye(8) * 9
    assert len(means) == 8 and d.min() == pytest.approx(2 * math.sin(math.pi / 8))  # no linspace duplicate
    assert np.allclose(np.linalg.norm(means, axis=1), 1.0)


def test_all_samples_on_one_mode(task):
    means = task.means()
    pts = np.repeat(means[:1], 2500, axis=0)
    s = mode_statistics(pts, means, task.sigma)
    assert s["modes_covered"] == 1 and s["high_quality"] == 100.0
    assert s["mode_kl"] == pytest.approx(math.log(len(means)))  # KL(delta || uniform) = log K


def test_exact_mixture_samples_match_closed_form(task):
    pts = task.reference_samples(20000)
    s = evaluate_samples(task, pts)
    # P(|x - mu| < 3 sigma) for an isotropic 2-D Gaussian is 1 - exp(-9/2)
    expected = 100 * (1 - math.exp(-4.5))
    assert s["modes_covered"].value == len(task.means())
    assert s["high_quality"].value == pytest.approx(expected, abs=0.35)  # ~4 binomial s.e.
    assert s["mode_kl"].value < 0.01
    assert s["modes_covered"].details["n_samples"] == 20000


def test_far_away_samples_are_low_quality(task):
    pts = np.full((100, 2), 100.0)
    s = mode_statistics(pts, task.means(), task.sigma)
    assert s["modes_covered"] == 0 and s["high_quality"] == 0 and math.isnan(s["mode_kl"])


def test_half_modes_kl():
    ring = TASKS.get("toy/ring8")
    means = ring.means()
    pts = np.concatenate([np.repeat(means[i:i + 1], 10, axis=0) for i in range(4)])
    s = mode_statistics(pts, means, ring.sigma)
    assert s["modes_covered"] == 4 and s["mode_kl"] == pytest.approx(math.log(2))


def _pacgan_metric_logger(points, means, sigma, threshold=3.0):
    """PacGAN's own scoring, transcribed loop for loop from its MetricLogger
    (github.com/fjxmlzn/PacGAN, synthetic_data_experiments/PacGAN/pacgan/extensions.py): each point
    goes to the mode of smallest sigma-normalised distance and counts when that distance is below
    ``dis_thre`` = 3; "mode coverage" = modes with a nonzero count; "good points percentage" = counted
    / all points; the paper's reverse KL = log K - scipy.stats.entropy of the normalised counts."""
    from scipy.stats import entropy

    coverage = np.zeros(len(means))
    variance = np.full(2, sigma**2)
    for x in points:
        min_dis, min_j = 1e7, -1
        for j, mu in enumerate(means):
            d = np.asarray(x, dtype=float) - np.asarray(mu, dtype=float)
            dis = math.sqrt(np.sum(d * d / variance))
            if dis < min_dis:
                min_dis, min_j = dis, j
        if min_dis < threshold:
            coverage[min_j] += 1
    hq = float(coverage.sum()) / len(points)
    kl = math.log(len(means)) - entropy(coverage / coverage.sum()) if coverage.sum() else float("nan")
    return float(np.count_nonzero(coverage)), 100 * hq, kl


def test_agrees_with_pacgans_metric_logger(task):
    """Points near and between the modes, of uneven weights, scored by both implementations."""
    rng = np.random.default_rng(0)
    means, sigma = task.means(), task.sigma
    k = len(means)
    weights = rng.dirichlet(np.full(k, 0.3))  # some modes (nearly) empty
    idx = rng.choice(k, size=1500, p=weights)
    radius = rng.uniform(0, 5, size=1500) * sigma  # ~60% inside 3 sigma
    angle = rng.uniform(0, 2 * np.pi, size=1500)
    near = means[idx] + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)
    spread = rng.uniform(means.min() - 1, means.max() + 1, size=(300, 2))  # anywhere in the plane
    pts = np.concatenate([near, spread])
    ours = mode_statistics(pts, means, sigma)
    modes, hq, kl = _pacgan_metric_logger(pts, means, sigma)
    assert ours["modes_covered"] == modes and 0 < modes < k
    assert ours["high_quality"] == pytest.approx(hq, abs=1e-12)
    assert ours["mode_kl"] == pytest.approx(kl, abs=1e-12)


def test_one_high_quality_sample_covers_a_mode_and_three_sigma_is_the_edge(task):
    """A mode is captured by a single sample inside 3 sigma (VEEGAN/PacGAN); 2.99 sigma is in,
    3.01 sigma is out (the papers' strict "< 3")."""
    means, sigma = task.means(), task.sigma
    on_mode0 = np.repeat(means[:1], 99, axis=0)
    inside = means[1] + [2.99 * sigma, 0.0]
    outside = means[2] + [0.0, 3.01 * sigma]
    s = mode_statistics(np.vstack([on_mode0, inside, outside]), means, sigma)
    assert s["modes_covered"] == 2
    assert s["high_quality"] == pytest.approx(100 * 100 / 101)
    # histogram (99, 1, 0, ...) of 100 high-quality samples against the uniform over K modes
    p = np.array([0.99, 0.01])
    assert s["mode_kl"] == pytest.approx(float(np.sum(p * np.log(p * len(means)))))
