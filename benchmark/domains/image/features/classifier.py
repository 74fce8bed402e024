"""A per-task domain classifier whose penultimate layer is the feature space of the image metrics.

The Inception weights are not available offline and Inception features are poor for 28×28 grey
images; the MNIST-like literature scores GANs with a classifier trained on the data set itself.
The suite trains one small CNN per (task, version, seed) on the task's *train* split with a
fixed seed, measures its accuracy on the test split, and caches the weights in the evaluator's
cache (:mod:`ganbench.engine.refcache`: arrays in an ``.npz`` under ``cache_root()/classifiers``,
never pickle, with a readable ``.json`` of its record beside it) so every run and every machine
with the same cache uses the same network. The cache's lock matters here: sweep workers that
need the classifier at once train it once, so the reference statistics (keyed by its name) and
every later run see the same weights. Its name (which keys the cached reference
statistics) and its test accuracy go into every metric's details.

The network is trained on the CPU (seeded, so the cached weights are one network everywhere, not
one per kind of GPU) and then scores images on any device (``device=``): the uint8 images go to
the device, are converted there, and only the features and logits come back.

A task opts in by providing ``classifier_data() -> (x_train, y_train, x_test, y_test)`` (uint8
N×H×W×C images, int labels) and ``classifier_epochs``.
"""

from __future__ import annotations

import json
import time

import numpy as np
import torch
from torch import nn

from ganbench.core.atomic import atomic_write_text
from ganbench.core.errors import UserError

SEED = 0


class SmallCNN(nn.Module):
    """conv32-pool-conv64-pool-fc(feat_dim)-fc(classes); features = the ReLU'd fc(feat_dim) output."""

    def __init__(self, channels: int, height: int, width: int, classes: int, feat_dim: int = 128):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * (height // 4) * (width // 4), feat_dim), nn.ReLU(),
        )
        self.head = nn.Linear(feat_dim, classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.body(x)
        return f, self.head(f)


CPU = torch.device("cpu")


def to_input(images: np.ndarray, device: torch.device = CPU) -> torch.Tensor:
    """uint8 N×H×W×C -> float N×C×H×W in [-1, 1] (the generators' range), converted on ``device``."""
    x = torch.as_tensor(np.ascontiguousarray(images), device=device)
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def accuracy(net: SmallCNN, x: np.ndarray, y: np.ndarray, batch: int = 1000) -> float:
    net.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            pred = net(to_input(x[i:i + batch]))[1].argmax(1)
            correct += int((pred == torch.as_tensor(y[i:i + batch], device=CPU)).sum())
    return correct / len(x)


def train_classifier(x_train, y_train, x_test, y_test, epochs: int, seed: int = SEED,
                     batch: int = 128, lr: float = 1e-3) -> tuple[SmallCNN, dict]:
    """Adam, fixed seed, plain minibatch SGD over shuffled epochs; returns the net and its record."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    _, h, w, c = x_train.shape
    classes = int(max(y_train.max(), y_test.max())) + 1
    net = SmallCNN(c, h, w, classes)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    y_all = torch.as_tensor(y_train, dtype=torch.long, device=CPU)
    t0 = time.perf_counter()
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(x_train), generator=g).split(batch):
            loss = nn.functional.cross_entropy(net(to_input(x_train[idx.numpy()]))[1], y_all[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    acc = accuracy(net, x_test, y_test)
    net.eval()
    meta = {"test_accuracy": acc, "epochs": epochs, "seed": seed, "n_train": len(x_train), "n_test": len(x_test),
            "shape": [h, w, c], "classes": classes, "train_time_s": round(time.perf_counter() - t0, 1)}
    return net, meta


class DomainClassifier:
    """Callable: uint8 images -> (128-d penultimate features, class logits), computed on ``device``."""

    def __init__(self, net: SmallCNN, name: str, meta: dict, device: str | torch.device | None = None):
        self.device = torch.device(device) if device is not None else CPU
        self.net = net.eval().to(self.device)
        self.name = name
        self.meta = meta
        self.details = {"classifier_test_accuracy": round(meta["test_accuracy"], 4)}

    @classmethod
    def for_task(cls, task, seed: int = SEED, device: str | torch.device | None = None) -> "DomainClassifier":
        from ganbench.engine.refcache import RefKey, ReferenceCache

        task = getattr(task, "classifier_source", None) or task  # a restoration task scores in its data set's classifier
        if not hasattr(task, "classifier_data"):
            raise UserError(f"task {task.spec.name} has no domain classifier: use --extractor inception-v3")
        spec = getattr(task, "data_spec", task.spec)  # a conditional task uses its twin's classifier
        name = f"classifier:{spec.name}-v{spec.version}-seed{seed}"
        cache = ReferenceCache(kind="classifiers")
        key = RefKey(spec.name, spec.version, "classifier", split="train", options=(("seed", seed),))

        def train() -> dict:
            legacy = _legacy_weights(cache.root / f"{spec.name.replace('/', '_')}-{spec.version}-{seed}.pt")
            if legacy is not None:  # weights an earlier ganbench cached: keep using that very network
                state, meta = legacy
            else:
                xtr, ytr, xte, yte = task.classifier_data()
                net, meta = train_classifier(xtr, ytr, xte, yte, int(task.classifier_epochs), seed)
                state = net.state_dict()
            atomic_write_text(cache.path(key).with_suffix(".json"), json.dumps({"name": name, **meta}, indent=1) + "\n")
            return {**{f"param:{k}": v.detach().cpu().numpy() for k, v in state.items()},
                    "meta": np.array(json.dumps(meta))}

        stored = cache.get(key, train, ("meta",))
        meta = json.loads(str(stored["meta"]))
        h, w, c = meta["shape"]
        with torch.device(device if device is not None else CPU):  # built where it runs: no host copy first
            net = SmallCNN(c, h, w, meta["classes"])
        net.load_state_dict({k[len("param:"):]: torch.from_numpy(np.array(v)) for k, v in stored.items()
                             if k.startswith("param:")})
        return cls(net, name, meta, device)

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            f, logits = self.net(to_input(images, self.device))
        return f.cpu().numpy(), logits.cpu().numpy()


def _legacy_weights(path):
    """(state dict, meta) of a classifier cached as ``.pt`` by an earlier ganbench, or None."""
    if not path.is_file():
        return None
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
        return dict(ck["state_dict"]), dict(ck["meta"])
    except Exception:  # noqa: BLE001 - an unreadable old file: train afresh
        return None
