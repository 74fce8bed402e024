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
