"""Image-GAN metrics on features: FID, KID, IS, precision/recall and density/coverage.

All of them compare a feature embedding of generated images with the same embedding of the
task's reference split, so :class:`ImageMetrics` extracts features once (batch by batch, as the
samples stream in, under ``torch.inference_mode``) and derives every number from them. Reference
features, their Gaussian statistics and k-NN radii live in the evaluator's reference cache
(:mod:`ganbench.engine.refcache`), keyed by (task, version, split, extractor, n).

Definitions and constants follow the reference tools:

* FID (Heusel et al. 2017): Fréchet distance of Gaussians fitted to the features (``frechet.py``).
* KID (Bińkowski et al. 2018): unbiased MMD² with the kernel k(x, y) = (xᵀy / d + 1)³ (float32, float64 sums) on
  ``subsets`` random subsets of ``subset_size`` of each set; mean ± std over subsets.
  torch-fidelity's defaults: 100 subsets of 1000, ``np.random.RandomState(2020)``.
* IS (Salimans et al. 2016): exp E KL(p(y|x) ‖ p(y)) on logits, ``splits`` chunks of a
  ``RandomState(2020)`` permutation, mean ± std (torch-fidelity's convention).
* precision/recall (Kynkäänniemi et al. 2019): a sample is inside the other set's manifold when it
  lies within the k-th nearest-neighbour radius (k=3) of some sample of that set.
* density/coverage (Naeem et al. 2020): k=5 nearest-neighbour radii of the *real* samples only;
  density = mean number of real balls containing a fake sample / k; coverage = share of real
  samples whose ball contains at least one fake sample.
"""

from __future__ import annotations

import numpy as np
import torch

from ganbench.core.errors import UserError
from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue, Rechunker
from ganbench.metrics.frechet import frechet_distance, gaussian_stats
from ganbench.metrics.moments import GaussianMoments

KID_SUBSETS, KID_SUBSET_SIZE, SEED = 100, 1000, 2020


# --- metrics on features ------------------------------------------------------------------------
def _poly_kernel(a: np.ndarray, b: np.ndarray, degree: int, gamma: float, coef0: float) -> np.ndarray:
    """(a bᵀ γ + c₀)^degree in float32 (as torch-fidelity computes it); sums are taken in float64."""
    k = a @ b.T
    k *= gamma
    k += coef0
    if degree == 3:  # integer cube by multiplication: several times faster than a float power
        out = k * k
        out *= k
        return out
    return k**degree


def _mmd2_from_blocks(kxx: np.ndarray, kyy: np.ndarray, kxy: np.ndarray) -> float:
    m = kxx.shape[0]
    off_xx = kxx.sum(dtype=np.float64) - np.trace(kxx, dtype=np.float64)
    off_yy = kyy.sum(dtype=np.float64) - np.trace(kyy, dtype=np.float64)
    return float((off_xx + off_yy) / (m * (m - 1)) - 2.0 * kxy.sum(dtype=np.float64) / (m * m))


FULL_KERNEL_LIMIT = 30_000_000  # entries (120 MB in float32): below it, kernels are computed once


def kernel_inception_distance(fake: np.ndarray, real: np.ndarray, subsets: int = KID_SUBSETS,
                              subset_size: int = KID_SUBSET_SIZE, degree: int = 3, gamma: float | None = None,
                              coef0: float = 1.0, seed: int = SEED, full_kernel_limit: int = FULL_KERNEL_LIMIT) -> tuple[float, float]:
    """KID mean and std over random subsets (the subset draws are torch-fidelity's: the same
    ``RandomState(seed)`` drawing ``fake`` indices, then ``real`` indices, for each subset).
    When the full kernel matrices are small they are computed once and each subset reads its
    blocks from them (same numbers, one matrix product instead of 3 per subset)."""
    fake = np.asarray(fake, dtype=np.float32)
    real = np.asarray(real, dtype=np.float32)
    if fake.shape[1] != real.shape[1]:
        raise ValueError(f"KID needs features of one dimension, got {fake.shape[1]} and {real.shape[1]}")
    if min(len(fake), len(real)) < subset_size:
        raise ValueError(f"KID subset size {subset_size} exceeds the samples ({len(fake)} fake, {len(real)} real)")
    gamma = 1.0 / fake.shape[1] if gamma is None else gamma
    n1, n2 = len(fake), len(real)
    full = (n1 + n2) ** 2 <= full_kernel_limit
    if full:
        both = np.concatenate([fake, real])
        k_all = _poly_kernel(both, both, degree, gamma, coef0)
    rng = np.random.RandomState(seed)
    mmds = np.empty(subsets)
    for i in range(subsets):
        a = rng.choice(n1, subset_size, replace=False)
        b = rng.choice(n2, subset_size, replace=False)
        if full:
            b = b + n1
            mmds[i] = _mmd2_from_blocks(k_all[np.ix_(a, a)], k_all[np.ix_(b, b)], k_all[np.ix_(a, b)])
        else:
            f, r = fake[a], real[b]
            mmds[i] = _mmd2_from_blocks(_poly_kernel(f, f, degree, gamma, coef0), _poly_kernel(r, r, degree, gamma, coef0),
                                        _poly_kernel(f, r, degree, gamma, coef0))
    return float(mmds.mean()), float(mmds.std())


def inception_score(logits: np.ndarray, splits: int = 10, shuffle: bool = True, seed: int = SEED) -> tuple[float, float]:
    """IS mean and std over ``splits`` chunks of the (shuffled) samples, from logits, float64."""
    x = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    n = x.shape[0]
    if n < splits:
        raise ValueError(f"inception score with {splits} splits needs at least {splits} samples, got {n}")
    if shuffle:
        x = x[torch.as_tensor(np.random.RandomState(seed).permutation(n))]
    log_p = torch.log_softmax(x, dim=1)
    scores = []
    for i in range(splits):
        lp = log_p[i * n // splits:(i + 1) * n // splits]
        p = lp.exp()
        log_q = torch.log(p.mean(dim=0, keepdim=True))
        scores.append(float((p * (lp - log_q)).sum(dim=1).mean().exp()))
    return float(np.mean(scores)), float(np.std(scores))


def _kth_nn_radius(x: torch.Tensor, k: int, batch: int) -> torch.Tensor:
    """Distance of each row to its k-th nearest other row (the row itself is at distance 0)."""
    return torch.cat([torch.cdist(xb, x).kthvalue(k + 1, dim=1).values for xb in x.split(batch)])


def _as_f64(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=torch.float64)


def precision_recall(fake, real, k: int = 3, batch: int = 2048) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN manifolds."""
    fake, real = _as_f64(fake), _as_f64(real)
    r_real, r_fake = _kth_nn_radius(real, k, batch), _kth_nn_radius(fake, k, batch)
    precision = torch.cat([(torch.cdist(fb, real) <= r_real).any(dim=1) for fb in fake.split(batch)]).double().mean()
    recall = torch.cat([(torch.cdist(rb, fake) <= r_fake).any(dim=1) for rb in real.split(batch)]).double().mean()
    return float(precision), float(recall)


def density_coverage(fake, real, k: int = 5, batch: int = 2048) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020), k-NN balls around real samples only."""
    fake, real = _as_f64(fake), _as_f64(real)
    r_real = _kth_nn_radius(real, k, batch)
    inside = 0.0
    covered = torch.zeros(len(real), dtype=torch.bool)
    for fb in fake.split(batch):
        hits = torch.cdist(fb, real) <= r_real  # fake × real
        inside += float(hits.sum())
        covered |= hits.any(dim=0)
    return inside / (k * len(fake)), float(covered.double().mean())


def prdc(fake, real, k_pr: int = 3, k_dc: int = 5, real_radii: dict | None = None,
         batch: int = 2048) -> dict[str, float]:
    """Precision, recall, density and coverage from one pass over the fake×real distances.

    The same definitions as :func:`precision_recall` and :func:`density_coverage`, fused: the
    real k-NN radii may come precomputed (``{k: radii}``, cached with the reference features),
    the fake radii need one fake×fake pass, and every fake×real block is read once for all four.
    """
    fake, real = _as_f64(fake), _as_f64(real)
    radii = dict(real_radii or {})
    for k in (k_pr, k_dc):
        if k not in radii:
            radii[k] = _kth_nn_radius(real, k, batch)
    r_pr, r_dc = _as_f64(radii[k_pr]), _as_f64(radii[k_dc])
    r_fake = _kth_nn_radius(fake, k_pr, batch)
    in_real = torch.zeros(len(fake), dtype=torch.bool)
    recalled = torch.zeros(len(real), dtype=torch.bool)
    covered = torch.zeros(len(real), dtype=torch.bool)
    inside = 0.0
    for start in range(0, len(fake), batch):
        d = torch.cdist(fake[start:start + batch], real)  # fake × real
        in_real[start:start + batch] = (d <= r_pr).any(dim=1)
        recalled |= (d <= r_fake[start:start + batch, None]).any(dim=0)
        hits = d <= r_dc
        inside += float(hits.sum())
        covered |= hits.any(dim=0)
    return {"precision": float(in_real.double().mean()), "recall": float(recalled.double().mean()),
            "density": inside / (k_dc * len(fake)), "coverage": float(covered.double().mean())}


# --- the family -----------------------------------------------------------------------------------
EXTRACT_BATCH = 500  # images per extractor call; every stream is cut into the same chunks (see Rechunker)
REFERENCE_ARRAYS = ("features", "logits", "mu", "sigma", "radius_k3", "radius_k5")
FEATURE_METRICS = ("kid", "precision", "recall", "density", "coverage")


def _extract(extractor, images: np.ndarray, batch: int = EXTRACT_BATCH) -> tuple[np.ndarray, np.ndarray]:
    feats, logits = [], []
    for i in range(0, len(images), batch):
        f, lg = _extract_chunk(extractor, images[i:i + batch])
        feats.append(f)
        logits.append(lg)
    return np.concatenate(feats), np.concatenate(logits)


def _extract_chunk(extractor, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with torch.inference_mode():
        f, lg = extractor(images)
    return np.asarray(f, dtype=np.float32), np.asarray(lg, dtype=np.float32)


def reference_features(task, extractor, cache=None) -> dict[str, np.ndarray]:
    """Features, logits, μ, Σ and the k-NN radii (k = 3, 5) of the task's whole reference split,
    in the evaluator's reference cache keyed by (task, version, split, extractor, n)."""
    from ganbench.engine.refcache import RefKey, ReferenceCache

    from ganbench.core.labelled import unlabelled

    spec = getattr(task, "data_spec", task.spec)  # a conditional task shares its twin's reference statistics
    images = unlabelled(task.reference_samples(None))
    key = RefKey(spec.name, spec.version, extractor.name, split=spec.reference_split, n=len(images))

    def compute() -> dict:
        feats, logits = _extract(extractor, images)
        mu, sigma = gaussian_stats(feats)
        real = _as_f64(feats)  # the real k-NN radii of precision (k=3) and density/coverage (k=5)
        radii = {f"radius_k{k}": _kth_nn_radius(real, k, 2048).numpy() for k in (3, 5)}
        return {"features": feats, "logits": logits, "mu": mu, "sigma": sigma, **radii}

    return (cache or ReferenceCache()).get(key, compute, REFERENCE_ARRAYS)


class ImageMetrics(MetricFamily):
    """One feature pass over generated images -> fid, kid, is, precision, recall, density, coverage.

    Streams: each batch of images is turned into features at once (in chunks of
    :data:`EXTRACT_BATCH`, as one whole set would be) and dropped. What stays is what the
    metrics need: the running feature moments for FID (float64, memory independent of the
    count); the per-sample logits for IS (its split-wise score needs them); the features for
    KID and PR/DC (their kernels and k-NN radii need every sample) — each only when one of its
    metrics was asked for. Never the images.

    Options: ``extractor`` (a name in ``ganbench.domains.image.features.FEATURES``; default the task's
    ``default_extractor``), ``kid_subsets``, ``kid_subset_size``, ``is_splits``.
    """

    provides = {"fid": MIN, "kid": MIN, "is": MAX, "precision": MAX, "recall": MAX, "density": MAX, "coverage": MAX}

    def reset(self) -> None:
        self._chunks = Rechunker(EXTRACT_BATCH)
        self._moments = GaussianMoments()
        self._features: list[np.ndarray] = []
        self._logits: list[np.ndarray] = []
        self._nonfinite = 0  # generated images that held NaN/inf (io.from_generator): recorded, see compute

    @property
    def extractor(self):
        if getattr(self, "_extractor", None) is None:
            from ganbench.domains.image.features import build_extractor

            name = self.options.get("extractor") or getattr(self.task, "default_extractor", "inception-v3")
            device = self.options.get("device")  # where the extractor's network runs (the evaluator's device)
            self._extractor = build_extractor(name, self.task) if device is None else build_extractor(name, self.task, device)
        return self._extractor

    def update(self, images) -> None:
        self._nonfinite += int(getattr(images, "nonfinite", 0))
        for chunk in self._chunks.push(np.asarray(images)):
            self._fold(chunk)

    def _fold(self, images: np.ndarray) -> None:
        feats, logits = _extract_chunk(self.extractor, images)
        self._moments.update(feats)
        if any(m in self.metrics for m in FEATURE_METRICS):
            self._features.append(feats)
        if "is" in self.metrics:
            self._logits.append(logits)

    def minimum(self) -> dict[str, int]:
        """The fewest images each asked-for metric is defined on: two for a covariance (FID, KID's
        pairs), ``is_splits`` for IS (one split each), k + 1 for the k-nearest-neighbour radii of
        precision/recall (k=3) and density/coverage (k=5)."""
        need = {"fid": 2, "kid": 2, "is": int(self.options.get("is_splits", 10)), "precision": 4, "recall": 4,
                "density": 6, "coverage": 6}
        return {m: need[m] for m in self.metrics if m in need}

    def _check_count(self, n: int) -> None:
        need = self.minimum()
        most = max(need.values(), default=0)
        if n < most:
            short = ", ".join(f"{m} {k}" for m, k in need.items() if n < k)
            raise UserError(f"{n} image{'s' if n != 1 else ''} to score; the metrics need at least {most} ({short}): "
                            f"give at least {most} images, or fewer metrics (--metrics)")

    def compute(self) -> dict[str, MetricValue]:
        tail = self._chunks.flush()
        if tail is not None:
            self._fold(tail)
        if self._moments.n == 0:
            raise ValueError("image metrics need samples: update() was never given any")
        self._check_count(self._moments.n)
        extractor = self.extractor
        ref = reference_features(self.task, extractor) if set(self.metrics) - {"is"} else None
        n, n_ref = self._moments.n, len(ref["features"]) if ref is not None else None
        base = {"n": n, "reference": f"{self.task.spec.reference_split} split", "n_reference": n_ref,
                "extractor": extractor.name, **getattr(extractor, "details", {})}
        if self._nonfinite:  # scored as decoded (NaN grey, inf saturated), never silently
            base["run"] = {"nonfinite": self._nonfinite}
        out = {}
        if "fid" in self.metrics:
            mu, sigma = self._moments.stats()
            out["fid"] = MetricValue(frechet_distance(mu, sigma, ref["mu"], ref["sigma"]), MIN, dict(base))
        feats = np.concatenate(self._features) if self._features else None
        if "kid" in self.metrics:
            subset = min(int(self.options.get("kid_subset_size", KID_SUBSET_SIZE)), n, n_ref)
            subsets = int(self.options.get("kid_subsets", KID_SUBSETS))
            kid_mean, kid_std = kernel_inception_distance(feats, ref["features"], subsets, subset)
            out["kid"] = MetricValue(kid_mean, MIN, {**base, "std": kid_std, "subsets": subsets, "subset_size": subset,
                                                     "kernel": "(x.y/d + 1)^3, unbiased MMD^2"})
        if "is" in self.metrics:
            splits = int(self.options.get("is_splits", 10))
            is_mean, is_std = inception_score(np.concatenate(self._logits), splits)
            out["is"] = MetricValue(is_mean, MAX, {**base, "std": is_std, "splits": splits, "n_reference": None,
                                                   "reference": "none (generated logits only)"})
        if any(m in self.metrics for m in ("precision", "recall", "density", "coverage")):
            pr = prdc(feats, ref["features"], 3, 5, {3: ref["radius_k3"], 5: ref["radius_k5"]})
            out.update({name: MetricValue(pr[name], MAX, {**base, "k": k}) for name, k in
                        (("precision", 3), ("recall", 3), ("density", 5), ("coverage", 5))})
        return out
