"""The Inception-v3 of FID/KID/IS: torch-fidelity's TF-faithful port, wrapped (not re-written).

Weights, first found wins: the ``weights`` argument, else ``$GANBENCH_INCEPTION_WEIGHTS`` (a file
the user names is used as is, never replaced by a download); the file torch-fidelity caches in
the torch hub folder (``<hub>/checkpoints/weights-inception-2015-12-05-6726825d.pth``); then,
like any data file, ``inception-v3/<that name>`` under ``--data-dir`` / ``GANBENCH_DATA`` or the
ganbench cache, else downloaded into the cache from torch-fidelity's release
(``$GANBENCH_INCEPTION_URL`` overrides it: a mirror, or a test server) when the network allows.

The pin is the SHA-256 prefix torch hub's convention puts in the file name (``6726825d``): no
full SHA-256 is published with the release, and one we computed ourselves would pin nothing; a
prefix still catches truncated or wrong files. The file is read with
``torch.load(weights_only=True)`` and handed to torch-fidelity as an in-memory copy, so nothing
but tensors is ever unpickled. ``random_weights`` builds the same architecture untrained (tests).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import torch

from ganbench.core.data import DataFile, DataLocator
from ganbench.core.errors import DataNotFoundError

WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" + WEIGHTS_FILE
WEIGHTS_SHA256 = "6726825d"  # the prefix in the file name (torch hub convention); see the module docstring


def weights_spec() -> DataFile:
    """The weights as a data file (read when called: ``$GANBENCH_INCEPTION_URL`` may name a mirror)."""
    url = os.environ.get("GANBENCH_INCEPTION_URL") or WEIGHTS_URL
    return DataFile(f"inception-v3/{WEIGHTS_FILE}", sha256=WEIGHTS_SHA256, url=url)


def default_weights_path() -> Path | None:
    """A file already on disk, without downloading: the user's, else torch-fidelity's cached copy."""
    env = os.environ.get("GANBENCH_INCEPTION_WEIGHTS")
    if env:
        return Path(env).expanduser()
    hub = Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE
    return hub if hub.is_file() else None


def resolve_weights(weights: str | Path | None = None) -> Path:
    """The weights file to load, downloading (verified, into the cache) only when none was named."""
    path = Path(weights).expanduser() if weights else default_weights_path()
    if path is None:
        return _WeightsLocator().find(weights_spec())
    if not path.is_file():
        raise DataNotFoundError(_missing(str(path), weights_spec().url))
    return path


def _missing(why: str, url: str) -> str:
    return (f"Inception-v3 weights not found ({why}): download {url} "
            f"and set GANBENCH_INCEPTION_WEIGHTS to the file, or use the task's classifier extractor")


class _WeightsLocator(DataLocator):
    """The data locator, with the Inception message when the weights are nowhere and cannot be fetched."""

    def _missing_message(self, spec: DataFile, why: str) -> str:
        return _missing(f"no GANBENCH_INCEPTION_WEIGHTS set, none at {self.roots[-1] / spec.relpath}, {why}", spec.url)


def _network(state_dict: dict | None):
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    class _Inception(FeatureExtractorInceptionV3):
        def load_state_dict(self, sd, strict=True, assign=False):  # an empty dict means "keep random init"
            if not sd:
                return None
            return super().load_state_dict(sd, strict=strict, assign=assign)

    buf = io.BytesIO()
    torch.save(state_dict or {}, buf)
    buf.seek(0)
    return _Inception("inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=buf)


class InceptionV3:
    """Callable: uint8 images N×H×W×{1,3} -> (pool3 features N×2048, unbiased logits N×1008).

    The network runs on ``device`` (default the CPU). Images travel there as uint8 (a quarter of
    the bytes of floats) and are laid out, resized and normalised there by torch-fidelity's own
    forward; only the features and logits come back to the host.
    """

    def __init__(self, weights: str | Path | None = None, random_weights: bool = False,
                 device: str | torch.device | None = None):
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        if random_weights:
            self.net = _network(None).to(self.device)
            self.name, self.details = "inception-v3-random", {"weights": "random (tests only)"}
            return
        path = resolve_weights(weights)
        self.net = _network(torch.load(path, map_location="cpu", weights_only=True)).to(self.device)
        self.name, self.details = "inception-v3", {"weights": path.name}

    @classmethod
    def for_task(cls, task, device: str | torch.device | None = None) -> "InceptionV3":
        return cls(device=device)

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        arr = np.ascontiguousarray(images)
        if arr.dtype != np.uint8 or arr.ndim != 4:
            raise ValueError(f"inception-v3 expects uint8 N×H×W×C images, got {arr.dtype} {tuple(arr.shape)}")
        x = torch.as_tensor(arr, device=self.device).permute(0, 3, 1, 2)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        with torch.inference_mode():
            feats, logits = self.net(x.contiguous())
        return feats.cpu().numpy(), logits.cpu().numpy()
