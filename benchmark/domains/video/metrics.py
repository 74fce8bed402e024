"""Video metrics: ``fvd_local`` (Fréchet distance in the task's own 3-D CNN features) and ``fid_frame``
(FID of single frames in the frames' classifier, through the image domain's metrics).

Both stream: each batch of videos is turned into features at once (in chunks of
:data:`EXTRACT_BATCH`, so the numbers do not depend on how the samples were batched) and only the
feature moments stay. A prediction task's samples are the predicted frames: ``task.full_videos``
puts each behind its context (the i-th sample continues the i-th test context), so the FVD is of
whole videos, as the prediction literature computes it, and the per-frame FID is of the predicted
frames against the true future frames. Reference statistics sit in the evaluator's cache.
"""

from __future__ import annotations

import numpy as np

from ganbench.metrics.base import MIN, MetricFamily, MetricValue, Rechunker
from ganbench.metrics.frechet import frechet_distance, gaussian_stats
from ganbench.metrics.moments import GaussianMoments

EXTRACT_BATCH = 250


def reference_video_stats(task, features) -> dict[str, np.ndarray]:
    """μ, Σ of the features of the whole test set of full videos, cached by (data set, version, net, n)."""
    from ganbench.engine.refcache import RefKey, ReferenceCache

    videos = task.videos("test")["videos"]
    key = RefKey(f"video/{task.data_name}", task.spec.version, features.name, split="test", n=len(videos))

    def compute() -> dict:
        feats = np.concatenate([features(videos[i:i + EXTRACT_BATCH]) for i in range(0, len(videos), EXTRACT_BATCH)])
        mu, sigma = gaussian_stats(feats)
        return {"mu": mu, "sigma": sigma}

    return ReferenceCache().get(key, compute, ("mu", "sigma"))


class VideoMetrics(MetricFamily):
    """Options: ``device`` (where the feature nets run)."""

    provides = {"fvd_local": MIN, "fid_frame": MIN}

    def reset(self) -> None:
        self._chunks = Rechunker(EXTRACT_BATCH)
        self._moments = GaussianMoments()
        self._seen = 0
        self._frames = None

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
        if "fvd_local" in self.metrics:
            full = self.task.full_videos(samples, self._seen)
            for chunk in self._chunks.push(full):
                self._moments.update(self.features(chunk))
        self._seen += len(samples)

    def compute(self) -> dict[str, MetricValue]:
        if not self._seen:
            raise ValueError("video metrics need samples: update() was never given any")
        out = {}
        if "fvd_local" in self.metrics:
            tail = self._chunks.flush()
            if tail is not None:
                self._moments.update(self.features(tail))
            ref = reference_video_stats(self.task, self.features)
            mu, sigma = self._moments.stats()
            out["fvd_local"] = MetricValue(frechet_distance(mu, sigma, ref["mu"], ref["sigma"]), MIN, {
                "n": self._seen, "reference": "test split (full videos)", "n_reference": len(self.task.videos("test")["videos"]),
                **self.features.details})
        if "fid_frame" in self.metrics:
            fid = self._frame_family().compute()["fid"]
            out["fid_frame"] = MetricValue(fid.value, MIN, {**fid.details, "per": "frame (all frames pooled)",
                                                           "n_videos": self._seen})
        return out
