"""The Fréchet distance between two Gaussians, shared by FID, FCD and any other feature space.

d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½

The reference tools (pytorch-fid, the FCD package) compute the last term with
``scipy.linalg.sqrtm(Σ₁ Σ₂)``: a Schur decomposition of a non-symmetric matrix that is slow on
2048-d statistics and goes complex (or inaccurate) when Σ₁ Σ₂ is singular, i.e. whenever fewer
samples than dimensions were used. We only need the *trace* of the square root, which is the sum
of the square roots of the eigenvalues of the symmetric PSD matrix Σ₁^½ Σ₂ Σ₁^½ (similar to
Σ₁ Σ₂). Two exact routes, both float64, negative round-off eigenvalues clipped to 0:

* Σ₁ = L Lᵀ (Cholesky) when Σ₁ is positive definite: eig(Lᵀ Σ₂ L) = eig(Σ₁ Σ₂), values only.
* otherwise (singular Σ₁: fewer samples than dimensions) a symmetric eigendecomposition
  Σ₁ = V W Vᵀ; with B = V_r W_r^½ over the r nonzero eigenvalues, the nonzero eigenvalues of
  Σ₁^½ Σ₂ Σ₁^½ are those of the small r×r matrix Bᵀ Σ₂ B.
"""

from __future__ import annotations

import numpy as np


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (``np.cov`` convention, ddof=1) of an N×d feature array, float64."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"gaussian_stats needs an N×d array with N >= 2, got shape {x.shape}")
    mu = x.mean(axis=0)
    xc = x - mu
    sigma = xc.T @ xc / (x.shape[0] - 1)
    return mu, sigma


def trace_sqrt_product(sigma1, sigma2) -> float:
    """tr (Σ₁^½ Σ₂ Σ₁^½)^½ = Σᵢ √λᵢ(Σ₁ Σ₂) for symmetric PSD Σ₁, Σ₂ (float64)."""
    s1 = np.asarray(sigma1, dtype=np.float64)
    s2 = np.asarray(sigma2, dtype=np.float64)
    s1 = (s1 + s1.T) / 2
    s2 = (s2 + s2.T) / 2
    try:
        L = np.linalg.cholesky(s1)
    except np.linalg.LinAlgError:  # singular Σ₁ (N <= d): symmetric square root instead
        w, v = np.linalg.eigh(s1)
        w = _clip_noise(w)
        keep = w > 0  # Σ₁^½ = B Bᵀ with B = V_r W_r^½; nonzero eig(Σ₁^½ Σ₂ Σ₁^½) = eig(Bᵀ Σ₂ B)
        b = v[:, keep] * np.sqrt(w[keep])
        m = b.T @ s2 @ b
    else:
        m = _lower_t_s_lower(L, s2)
    eig = np.linalg.eigvalsh(m)  # reads one triangle: symmetric by construction
    return float(np.sqrt(_clip_noise(eig)).sum())


def _clip_noise(eig: np.ndarray) -> np.ndarray:
    """Zero eigenvalues below round-off (d·eps·λ_max) and negative ones: in the singular case
    they are zeros smeared by float64 noise, and √(noise) would add ~1e-8 each to the trace."""
    tol = eig.shape[0] * np.finfo(np.float64).eps * max(float(np.abs(eig).max(initial=0.0)), 0.0)
    return np.where(eig > tol, eig, 0.0)


def _lower_t_s_lower(L: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Lᵀ S L with two triangular multiplies (BLAS trmm: half the flops of two dense products)."""
    from scipy.linalg import blas

    Lf = np.asfortranarray(L)
    x = blas.dtrmm(1.0, Lf, np.asfortranarray(s), side=1, lower=1)  # S L
    return blas.dtrmm(1.0, Lf, x, side=0, lower=1, trans_a=1, overwrite_b=1)  # Lᵀ (S L)


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Squared Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) as a float (≥ 0 up to round-off)."""
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    s1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    s2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            f"frechet_distance needs means of shape (d,) and covariances (d, d) with one d; "
            f"got {mu1.shape}, {s1.shape}, {mu2.shape}, {s2.shape}"
        )
    if not (np.isfinite(mu1).all() and np.isfinite(mu2).all() and np.isfinite(s1).all() and np.isfinite(s2).all()):
        return float("nan")
    diff = mu1 - mu2
    value = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt_product(s1, s2)
    return float(value)
