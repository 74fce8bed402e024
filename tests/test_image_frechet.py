"""Fréchet distance against independent references: pytorch-fid's sqrtm formula, closed forms."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from ganbench.metrics import frechet_distance as public_fd
from ganbench.metrics.frechet import frechet_distance, gaussian_stats


def sqrtm_reference(mu1, s1, mu2, s2):
    """The classic formula as pytorch-fid writes it (scipy sqrtm of Σ₁Σ₂, real part)."""
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(s1.dot(s2))
    covmean = np.real(covmean)
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _stats(rng, n, d, scale=1.0, shift=0.0):
    a = rng.normal(size=(d, d)) / np.sqrt(d)
    x = rng.normal(size=(n, d)) @ a * scale + shift
    return gaussian_stats(x)


@pytest.mark.parametrize("d", [2, 16, 64])
def test_equals_sqrtm_formula_on_well_conditioned_inputs(d):
    rng = np.random.default_rng(d)
    mu1, s1 = _stats(rng, 20 * d, d)
    mu2, s2 = _stats(rng, 20 * d, d, scale=1.3, shift=0.2)
    ours = frechet_distance(mu1, s1, mu2, s2)
    ref = sqrtm_reference(mu1, s1, mu2, s2)
    assert ours == pytest.approx(ref, rel=1e-6)
    assert public_fd(mu1, s1, mu2, s2) == ours


def test_gaussian_stats_match_numpy_cov():
    x = np.random.default_rng(0).normal(size=(50, 7)).astype(np.float32)
    mu, s = gaussian_stats(x)
    np.testing.assert_allclose(mu, x.astype(np.float64).mean(0), rtol=1e-12)
    np.testing.assert_allclose(s, np.cov(x.astype(np.float64), rowvar=False), rtol=1e-10, atol=1e-14)


def test_fewer_samples_than_dimensions_closed_form():
    """N < d: Σ = AAᵀ/(N−1) is singular. tr(Σ₁Σ₂)^½ = nuclear norm of A₁ᵀA₂ /(N−1) exactly
    (the nonzero eigenvalues of A₁A₁ᵀA₂A₂ᵀ are the squared singular values of A₁ᵀA₂)."""
    rng = np.random.default_rng(1)
    n, d = 20, 64
    x1, x2 = rng.normal(size=(n, d)), rng.normal(size=(n, d)) * 1.5 + 0.3
    mu1, s1 = gaussian_stats(x1)
    mu2, s2 = gaussian_stats(x2)
    a1 = (x1 - mu1).T  # d×n
    a2 = (x2 - mu2).T
    nuclear = np.linalg.svd(a1.T @ a2, compute_uv=False).sum() / (n - 1)
    expected = (mu1 - mu2) @ (mu1 - mu2) + np.trace(s1) + np.trace(s2) - 2 * nuclear
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert np.isfinite(ours)
    assert ours == pytest.approx(expected, rel=1e-8)


def test_fewer_samples_than_dimensions_high_precision():
    """The same singular case checked with 50-digit eigenvalues (mpmath)."""
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(2)
    n, d = 5, 9
    x1, x2 = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    mu1, s1 = gaussian_stats(x1)
    mu2, s2 = gaussian_stats(x2)
    with mpmath.workdps(50):
        prod = mpmath.matrix(s1.tolist()) * mpmath.matrix(s2.tolist())
        ev = mpmath.eig(prod, left=False, right=False)
        tr_sqrt = sum(mpmath.sqrt(max(mpmath.re(e), 0)) for e in ev)
        exact = float((mu1 - mu2) @ (mu1 - mu2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(exact, rel=1e-9)


def test_self_distance_is_zero_even_when_singular():
    rng = np.random.default_rng(3)
    for n, d in [(500, 16), (10, 40)]:
        mu, s = gaussian_stats(rng.normal(size=(n, d)))
        assert abs(frechet_distance(mu, s, mu, s)) < 1e-9 * max(1.0, np.trace(s))


@settings(max_examples=30, deadline=None)
@given(
    a=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_diagonal_gaussians_closed_form_and_symmetry(a, seed):
    rng = np.random.default_rng(seed)
    a = np.array(a)
    b = rng.uniform(0, 10, size=a.shape)
    mu1, mu2 = rng.normal(size=a.shape), rng.normal(size=a.shape)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    d12 = frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    d21 = frechet_distance(mu2, np.diag(b), mu1, np.diag(a))
    assert d12 == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert d12 == pytest.approx(d21, rel=1e-9, abs=1e-9)


def test_symmetry_on_full_covariances():
    rng = np.random.default_rng(4)
    mu1, s1 = _stats(rng, 300, 32)
    mu2, s2 = _stats(rng, 300, 32, scale=0.7)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-10)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="covariances"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
