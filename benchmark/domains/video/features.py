"""The feature spaces of the video metrics, trained here on the task's own data and cached.

* :class:`VideoFeatureNet` (``fvd_local``): a small 3-D CNN trained on the training digits, moved
  afresh every epoch, to tell which digits a video holds (multi-hot, binary cross-entropy) and where
  the digits' mean centre is in every frame (regression): identity and motion. Its last hidden
  layers (64-d each, 128-d together) are the space of
  the Fréchet video distance. Not I3D: its numbers are comparable only with ``fvd_local`` of the
  same task version, never with the literature's FVD (Unterthiner et al. 2019; I3D weights are not
  available offline).
* :class:`FrameView`: the frames of a video task as an image task, so the image domain's
  classifier (one class per unordered pair of digits in the frame) and ``ImageMetrics`` give a
  per-frame FID without a line of their code repeated.

Both nets train on the CPU with a fixed seed and live in the evaluator's cache
(:mod:`ganbench.engine.refcache`: arrays in an ``.npz``, never pickle), keyed by the data set's name
and version, so the generation and prediction tasks of one data set share them.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

SEED = 0
FEATURE_DIM = 128
ARCH = 3  # the feature net's design: part of its cache key and name (a redesign is another feature space)
CPU = torch.device("cpu")


def to_input(videos: np.ndarray, device=CPU) -> torch.Tensor:
    """uint8 N×T×H×W×C -> float N×C×T×H×W in [-1, 1] on ``device``."""
    x = torch.as_tensor(np.ascontiguousarray(videos), device=device)
    return x.permute(0, 4, 1, 2, 3).float().div(127.5).sub(1.0)


class VideoFeatureNet(nn.Module):
    """3-D convolutions; identity from their maximum over time and space (where a digit is does not
    matter), motion from their whole map (where it is, frame by frame, does). Features: both, 128-d."""

    def __init__(self, channels: int, frames: int, height: int, width: int, classes: int = 10):
        super().__init__()
        half = FEATURE_DIM // 2
        self.body = nn.Sequential(
            nn.Conv3d(channels, 16, 3, (1, 2, 2), 1), nn.BatchNorm3d(16), nn.ReLU(),
            nn.Conv3d(16, 32, 3, (2, 2, 2), 1), nn.BatchNorm3d(32), nn.ReLU(),
            nn.Conv3d(32, half, 3, 1, 1), nn.BatchNorm3d(half), nn.ReLU())
        with torch.no_grad():
            size = self.body(torch.zeros(1, channels, frames, height, width)).numel()
        self.where = nn.Sequential(nn.Flatten(), nn.Linear(size, half), nn.ReLU())
        self.identity = nn.Linear(half, classes)
        self.trajectory = nn.Linear(half, 2 * frames)

    def forward(self, x: torch.Tensor):
        m = self.body(x)
        what, where = m.amax(dim=(2, 3, 4)), self.where(m)
        return torch.cat([what, where], 1), self.identity(what), self.trajectory(where)


def train_feature_net(task, epochs: int, seed: int = SEED, batch: int = 64):
    """Adam 1e-3; each epoch moves the train digits afresh (``task.moved_digits``: new positions
    and directions, the same digits), so the net learns digits and motion rather than the videos.
    Returns the net and its record (test identity accuracy, centre error in pixels)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    t, h, w, c = task.shape
    net = VideoFeatureNet(c, t, h, w)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        d = task.moved_digits("train", 1000 + epoch)
        videos, hot = d["videos"], torch.zeros(len(d["digits"]), 10).scatter_(1, torch.as_tensor(d["digits"]), 1.0)
        traj = torch.as_tensor(d["centres"]).reshape(len(videos), -1)
        net.train()
        for idx in torch.randperm(len(videos), generator=g).split(batch):
            _, logits, pred = net(to_input(videos[idx.numpy()]))
            loss = nn.functional.binary_cross_entropy_with_logits(logits, hot[idx]) + 10.0 * nn.functional.mse_loss(pred, traj[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    net.eval()
    te = task.videos("test")
    tv, td, tc = te["videos"], te["digits"], te["centres"]
    with torch.inference_mode():
        outs = [net(to_input(tv[i:i + 500])) for i in range(0, len(tv), 500)]
    logits = torch.cat([o[1] for o in outs])
    pred = torch.cat([o[2] for o in outs]).view(len(tv), t, 2).numpy()
    thot = torch.zeros(len(tv), 10).scatter_(1, torch.as_tensor(td), 1.0)
    exact = float(((logits > 0).float() == thot).all(1).float().mean())
    err_px = float(np.sqrt(((pred - tc) ** 2).sum(-1)).mean() * h)
    meta = {"test_identity_exact": round(exact, 4), "test_centre_error_px": round(err_px, 3), "epochs": epochs, "seed": seed,
            "n_train_per_epoch": len(videos), "shape": [t, h, w, c], "train_time_s": round(time.perf_counter() - t0, 1)}
    return net, meta


class VideoFeatures:
    """Callable: uint8 videos -> 128-d features, the cached net of the task's data set."""

    def __init__(self, net, name: str, meta: dict, device=None):
        self.device = torch.device(device) if device is not None else CPU
        self.net = net.eval().to(self.device)
        self.name, self.meta = name, meta
        self.details = {"feature_net": name, "feature_net_identity_accuracy": meta["test_identity_exact"],
                        "feature_net_centre_error_px": meta["test_centre_error_px"],
                        "comparable_with": "fvd_local of the same task version only (not I3D FVD)"}

    @classmethod
    def for_task(cls, task, seed: int = SEED, device=None) -> "VideoFeatures":
        from ganbench.core.atomic import atomic_write_text
        from ganbench.engine.refcache import RefKey, ReferenceCache

        source = f"video/{task.data_name}"
        name = f"video-features{ARCH}:{source}-v{task.spec.version}-seed{seed}"
        cache = ReferenceCache(kind="classifiers")
        key = RefKey(source, task.spec.version, f"video-features{ARCH}", split="train", options=(("seed", seed),))

        def train() -> dict:
            net, meta = train_feature_net(task, task.feature_epochs, seed)
            atomic_write_text(cache.path(key).with_suffix(".json"), json.dumps({"name": name, **meta}, indent=1) + "\n")
            return {**{f"param:{k}": v.detach().cpu().numpy() for k, v in net.state_dict().items()},
                    "meta": np.array(json.dumps(meta))}

        stored = cache.get(key, train, ("meta",))
        meta = json.loads(str(stored["meta"]))
        t, h, w, c = meta["shape"]
        net = VideoFeatureNet(c, t, h, w)
        net.load_state_dict({k[len("param:"):]: torch.from_numpy(np.array(v)) for k, v in stored.items() if k.startswith("param:")})
        return cls(net, name, meta, device)

    def __call__(self, videos: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.net(to_input(videos, self.device))[0].cpu().numpy()


def pair_class(digits: np.ndarray) -> np.ndarray:
    """The unordered digits of each video as one class: 10 for one digit, 55 for a pair (a <= b)."""
    if digits.shape[1] == 1:
        return digits[:, 0]
    a, b = np.minimum(digits[:, 0], digits[:, 1]), np.maximum(digits[:, 0], digits[:, 1])
    return a * 10 + b - a * (a + 1) // 2


class FrameView:
    """The frames of a video task, seen as an image task by the image domain's classifier and metrics.

    Classifier data: every frame of the train (test) videos, labelled by its video's digit pair
    (trained for the task's ``frame_classifier_epochs``); its cache key is the data set's (shared by
    generation and prediction); the reference of the per-frame FID is every frame of the task's
    reference samples."""

    default_extractor = "classifier"

    def __init__(self, task):
        self.video = task
        self.shape = task.shape[1:]
        self.classifier_epochs = int(task.frame_classifier_epochs)
        self.spec = SimpleNamespace(name=f"{task.spec.name}-frames", version=task.spec.version, reference_split="test")
        self.classifier_source = SimpleNamespace(
            spec=SimpleNamespace(name=f"video/{task.data_name}-all-frames", version=task.spec.version),
            classifier_data=self.classifier_data, classifier_epochs=self.classifier_epochs)

    def _frames(self, split: str):
        d = self.video.videos(split)
        v = d["videos"]
        return v.reshape(-1, *v.shape[2:]), np.repeat(pair_class(d["digits"]), v.shape[1])

    def classifier_data(self):
        return (*self._frames("train"), *self._frames("test"))

    def reference_samples(self, n=None):
        v = self.video.reference_samples(None)
        return v.reshape(-1, *v.shape[2:])
