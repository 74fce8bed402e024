"""Video metrics: ``fvd_local`` (Fréchet distance in the task's own 3-D CNN features), ``fid_frame``
(FID of single frames in the frames' classifier, through the image domain's metrics), and
``recall_video`` / ``coverage_video`` (Kynkäänniemi et al.'s recall, k = 3, and Naeem et al.'s
coverage, k = 5, of whole videos in the ``fvd_local`` features: how much of the real distribution the
generated videos reach, the domain's mode-collapse measure; the image domain's ``prdc``).

Both stream: each batch of videos is turned into features at once (in chunks of
:data:`EXTRACT_BATCH`, so the numbers do not depend on how the samples were batched) and only the
feature moments stay. A prediction task's samples are the predicted frames: ``task.full_videos``
puts each behind its context (the i-th sample continues the i-th test context), so the FVD is of
whole videos, as the prediction literature computes it, and the per-frame FID is of the predicted
frames against the true future frames. Reference statistics sit in the evaluator's cache.

:class:`I3DMetrics` (``fvd``): the literature's FVD, the Fréchet distance of the time-averaged
Kinetics-400 logits of I3D (:mod:`ganbench.domains.video.i3d`), computed only on request
(``--metrics fvd``) and only when the user's I3D weights file is on disk; otherwise it is refused
at construction, before any sample is looked at, with the one-line reason and how to get the file.
Its details name the extractor and the weights' SHA-256, so it never sits in a column with
``fvd_local``. On a CPU I3D costs about a second per 16-frame video.
"""

from __future__ import annotations

import numpy as np

from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue, Rechunker
from ganbench.metrics.frechet import frechet_distance, gaussian_stats
from ganbench.metrics.moments import GaussianMoments

EXTRACT_BATCH = 250


def reference_video_stats(task, features) -> dict[str, np.ndarray]:
    """Features, μ, Σ and k-NN radii (k = 3, 5) of the whole test set of full videos, cached by
    (data set, version, net, n)."""
    from ganbench.engine.refcache import RefKey, ReferenceCache

    videos = task.videos("test")["videos"]
    key = RefKey(f"video/{task.data_name}", task.spec.version, features.name, split="test", n=len(videos))

    def compute() -> dict:
        from ganbench.domains.image.metrics import _as_f64, _kth_nn_radius

        feats = np.concatenate([features(videos[i:i + EXTRACT_BATCH]) for i in range(0, len(videos), EXTRACT_BATCH)])
        mu, sigma = gaussian_stats(feats)
        radii = {f"radius_k{k}": _kth_nn_radius(_as_f64(feats), k, 2048).numpy() for k in (3, 5)}
        return {"features": feats, "mu": mu, "sigma": sigma, **radii}

    return ReferenceCache().get(key, compute, ("features", "mu", "sigma", "radius_k3", "radius_k5"))


class VideoMetrics(MetricFamily):
    """Options: ``device`` (where the feature nets run)."""

    provides = {"fvd_local": MIN, "fid_frame": MIN, "recall_video": MAX, "coverage_video": MAX}
    _VIDEO_FEATURES = ("fvd_local", "recall_video", "coverage_video")

    def reset(self) -> None:
        self._chunks = Rechunker(EXTRACT_BATCH)
        self._moments = GaussianMoments()
        self._seen = 0
        self._frames = None
        self._feats: list[np.ndarray] = []

    @property
    def features(self):
        if getattr(self, "_features", None) is None:
            from ganbench.domains.video.features import VideoFeatures

            self._features = VideoFeatures.for_task(self.task, device=self.options.get("device"))
        return self._features

    def _frame_family(self):
        if self._frames is None:
            from ganbench.domains.image.metrics import ImageMetrics
            from ganbench.domains.video.features import FrameView

            opts = {k: v for k, v in self.options.items() if k == "device"}
            self._frames = ImageMetrics(FrameView(self.task), metrics=("fid",), **opts)
        return self._frames

    def update(self, samples) -> None:
        samples = np.asarray(samples)
        if len(samples) == 0:
            return
        if "fid_frame" in self.metrics:
            self._frame_family().update(samples.reshape(-1, *samples.shape[2:]))
        if any(m in self.metrics for m in self._VIDEO_FEATURES):
            full = self.task.full_videos(samples, self._seen)
            for chunk in self._chunks.push(full):
                self._fold(self.features(chunk))
        self._seen += len(samples)

    def _fold(self, feats: np.ndarray) -> None:
        self._moments.update(feats)
        if any(m in self.metrics for m in ("recall_video", "coverage_video")):
            self._feats.append(feats)

    def compute(self) -> dict[str, MetricValue]:
        if not self._seen:
            raise ValueError("video metrics need samples: update() was never given any")
        out = {}
        if any(m in self.metrics for m in self._VIDEO_FEATURES):
            tail = self._chunks.flush()
            if tail is not None:
                self._fold(self.features(tail))
            ref = reference_video_stats(self.task, self.features)
            base = {"n": self._seen, "reference": "test split (full videos)", "n_reference": len(ref["features"]),
                    **self.features.details}
            if "fvd_local" in self.metrics:
                mu, sigma = self._moments.stats()
                out["fvd_local"] = MetricValue(frechet_distance(mu, sigma, ref["mu"], ref["sigma"]), MIN, dict(base))
            if self._feats:
                from ganbench.domains.image.metrics import prdc

                pr = prdc(np.concatenate(self._feats), ref["features"], 3, 5, {3: ref["radius_k3"], 5: ref["radius_k5"]})
                out.update({f"{name}_video": MetricValue(pr[name], MAX, {**base, "k": k, "space": "fvd_local features"})
                            for name, k in (("recall", 3), ("coverage", 5)) if f"{name}_video" in self.metrics})
        if "fid_frame" in self.metrics:
            fid = self._frame_family().compute()["fid"]
            out["fid_frame"] = MetricValue(fid.value, MIN, {**fid.details, "per": "frame (all frames pooled)",
                                                           "n_videos": self._seen})
        return out


I3D_BATCH = 16  # videos per I3D pass (chunks as the whole set would be cut, as above)


def reference_i3d_stats(task, features) -> dict[str, np.ndarray]:
    """μ and Σ of the I3D features of the whole test set of full videos, cached by (data set,
    version, extractor and weights' SHA-256 prefix, n)."""
    from ganbench.engine.refcache import RefKey, ReferenceCache

    videos = task.videos("test")["videos"]
    key = RefKey(f"video/{task.data_name}", task.spec.version, features.name, split="test", n=len(videos))

    def compute() -> dict:
        feats = np.concatenate([features(videos[i:i + I3D_BATCH]) for i in range(0, len(videos), I3D_BATCH)])
        mu, sigma = gaussian_stats(feats)
        return {"mu": mu, "sigma": sigma}

    return ReferenceCache().get(key, compute, ("mu", "sigma"))


class I3DMetrics(MetricFamily):
    """``fvd``: Fréchet distance of I3D Kinetics-400 features, generated vs test videos. Options:
    ``device``. Raises the one-line DataNotFoundError when the weights are not on disk."""

    provides = {"fvd": MIN}

    def __init__(self, task, metrics=None, **options):
        super().__init__(task, metrics, **options)
        from ganbench.domains.video.i3d import I3DFeatures

        self.features = I3DFeatures.for_task(task, device=options.get("device"))

    def reset(self) -> None:
        self._chunks = Rechunker(I3D_BATCH)
        self._moments = GaussianMoments()
        self._seen = 0

    def update(self, samples) -> None:
        samples = np.asarray(samples)
        if len(samples) == 0:
            return
        for chunk in self._chunks.push(self.task.full_videos(samples, self._seen)):
            self._moments.update(self.features(chunk))
        self._seen += len(samples)

    def compute(self) -> dict[str, MetricValue]:
        if not self._seen:
            raise ValueError("fvd needs samples: update() was never given any")
        tail = self._chunks.flush()
        if tail is not None:
            self._moments.update(self.features(tail))
        ref = reference_i3d_stats(self.task, self.features)
        mu, sigma = self._moments.stats()
        details = {"n": self._seen, "reference": "test split (full videos)", "n_reference": len(self.task.videos("test")["videos"]),
                   **self.features.details}
        return {"fvd": MetricValue(frechet_distance(mu, sigma, ref["mu"], ref["sigma"]), MIN, details)}
