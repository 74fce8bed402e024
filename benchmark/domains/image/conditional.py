"""Class-conditional image tasks: the labelled image sets with G asked for a class and D told it.

A conditional task is its unconditional twin (same data, same reference split, same extractor)
whose real batches come with their labels, ``(x, y)``, and whose generator is asked for labels
(:mod:`ganbench.objectives.inputs` is the one interface the adversarial step uses). How G and D
take the label is a config choice, ``g_cond`` (default ``cbn``) and ``d_cond`` (default
``projection``; ``acgan``, ``concat``, ``none``), made in :mod:`ganbench.nets.conditioning`.

Evaluation asks the generator for the classes in turn (sample i gets class i mod K, so every
class has the same share) and decodes to :class:`~ganbench.core.labelled.Labelled` images: FID,
KID, IS, precision/recall and density/coverage score the images as on the unconditional task;
intra-FID, the classifier's accuracy on the requested labels and CAS read the labels too
(:mod:`ganbench.domains.image.conditional_metrics`). A user's samples come as an ``.npz`` with an
image array and a label array (``ganbench eval``), or as ``(images, labels)`` in Python.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ganbench.core.device import randint
from ganbench.core.errors import UserError
from ganbench.core.labelled import Labelled
from ganbench.core.task import TaskSpec
from ganbench.domains.image.io import from_generator, save_grid
from ganbench.domains.image.task import ImageTask

CONDITIONAL_METRICS = ("intra_fid", "class_accuracy", "cas")
CONDITIONAL_DEFAULTS: dict[str, Any] = {"g_cond": "cbn", "d_cond": "projection", "acgan_weight": 1.0}
IMAGE_KEYS = ("images", "x")  # what the image array of a labelled .npz may be called
LABEL_KEYS = ("labels", "y")


def conditional_spec(base: TaskSpec, summary: str) -> TaskSpec:
    """The spec of the conditional twin of the image task ``base``: its name with ``-cond``, the
    conditional metrics added, intra-FID the main metric, projection + cBN by default."""
    return dataclasses.replace(
        base, name=f"{base.name}-cond", version="1", summary=summary, suites=(),
        metrics=tuple(base.metrics) + CONDITIONAL_METRICS, main_metric="intra_fid",
        defaults={**base.defaults, **CONDITIONAL_DEFAULTS},
        protocol=base.protocol + "; class-conditional: G asked for class i mod K; intra-FID (mean over classes of "
                 "the FID between generated and reference images of that class), the domain classifier's accuracy "
                 "on the requested labels, CAS (the domain classifier's recipe trained on the generated images, "
                 "tested on the real test split)")


class ConditionalImageTask(ImageTask):
    """Mixed in before a concrete image task: ``class FashionMNISTCond(ConditionalImageTask, FashionMNIST)``."""

    conditional = True

    @property
    def data_spec(self) -> TaskSpec:
        """The unconditional twin's spec: the same data, classifier and reference statistics."""
        return next(k.__dict__["spec"] for k in type(self).__mro__
                    if k.__dict__.get("spec") is not None and k.__dict__["spec"] is not self.spec)

    @property
    def n_classes(self) -> int:
        d = self._data()
        return int(max(d["y_train"].max(), d["y_test"].max())) + 1

    # -- data -----------------------------------------------------------------------------------
    def real_batch(self, batch_size: int, generator: torch.Generator):
        """(images as floats in [-1, 1] N×C×H×W, their labels) on the generator's device."""
        data, labels = self.train_on(generator.device), self.labels_on(generator.device)
        idx = torch.randint(len(data), (batch_size,), generator=generator, device=generator.device)
        return data[idx].float().div(127.5).sub(1.0), labels[idx]

    def labels_on(self, device: torch.device) -> torch.Tensor:
        cache = self.__dict__.setdefault("_labels_by_device", {})
        key = str(device)
        if key not in cache:
            cache[key] = torch.as_tensor(self._data()["y_train"], dtype=torch.long).to(device)
        return cache[key]

    def sample_labels(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """The labels a training step asks the generator for: uniform over the classes."""
        return randint(self.n_classes, (n,), generator=rng, device=rng.device)

    def reference_samples(self, n: int | None = None) -> Labelled:
        d = self._data()
        split = self.spec.reference_split
        x, y = d[f"x_{split}"], d[f"y_{split}"]
        return Labelled(x, y) if n is None else Labelled(x[:n], y[:n])

    def reference_labels(self) -> np.ndarray:
        return self._data()[f"y_{self.spec.reference_split}"]

    # -- models and samples ---------------------------------------------------------------------
    def build_models(self, cfg: Mapping[str, Any]):
        from ganbench.nets.conditioning import conditional_nets

        self._data()
        return conditional_nets(self, cfg)

    def sample(self, G, n: int, rng: torch.Generator, y: torch.Tensor | None = None):
        """(raw images, labels): the classes in turn (sample i asked for class i mod K) unless ``y``."""
        from ganbench.core.device import module_device

        if y is None:
            y = torch.arange(n, device=module_device(G)) % self.n_classes
        return G.sample(n, rng, y=y), y

    def decode(self, raw) -> Labelled:
        x, y = raw
        return Labelled(from_generator(x), y.detach().cpu().numpy().astype(np.int64))

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """One row per class, 8 samples each, from fixed noise (seed 0): ``samples.png``."""
        k = self.n_classes
        y = torch.arange(k).repeat_interleave(8)
        from ganbench.core.device import module_device

        imgs = self.decode(self.sample(G, 8 * k, torch.Generator().manual_seed(0), y.to(module_device(G)))).samples
        save_grid(imgs, Path(run_dir) / "samples.png", nrow=8, scale=max(1, 64 // self.shape[0]))
        return {"samples_png": f"{run_id}/samples.png"}

    # -- a user's samples -----------------------------------------------------------------------
    def load_samples(self, path: str | Path) -> Labelled:
        """An ``.npz`` holding the images (``images`` or ``x``) and their labels (``labels`` or ``y``)."""
        path = Path(path)
        expected = (f"an .npz with an image array ('images') and a label array ('labels', one class in "
                    f"0..{self.n_classes - 1} per image)")
        if path.suffix != ".npz" or not path.is_file():
            raise UserError(f"{path}: {self.spec.name} scores images with the labels they were generated for: give {expected}")
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except Exception as exc:  # noqa: BLE001 - a corrupt or object array: one line
            raise UserError(f"cannot read {path} ({exc.__class__.__name__}): give {expected}") from None
        images = next((arrays[k] for k in IMAGE_KEYS if k in arrays), None)
        labels = next((arrays[k] for k in LABEL_KEYS if k in arrays), None)
        if images is None or labels is None:
            raise UserError(f"{path}: found arrays {sorted(arrays)}; give {expected}")
        return self._labelled(images, labels, str(path))

    def as_samples(self, samples: Any) -> Labelled:
        """``(images, labels)``, ``{"images": ..., "labels": ...}``, a :class:`Labelled`, or a path."""
        if isinstance(samples, Labelled):
            return self._labelled(samples.samples, samples.labels, "samples")
        if isinstance(samples, dict):
            images = next((samples[k] for k in IMAGE_KEYS if k in samples), None)
            labels = next((samples[k] for k in LABEL_KEYS if k in samples), None)
            if images is not None and labels is not None:
                return self._labelled(images, labels, "samples")
        if isinstance(samples, tuple) and len(samples) == 2:
            return self._labelled(*samples, "samples")
        if isinstance(samples, (str, Path)):
            return self.load_samples(samples)
        raise UserError(f"{self.spec.name} scores images with their labels: pass (images, labels), "
                        f"{{'images': ..., 'labels': ...}} or an .npz file")

    def _labelled(self, images, labels, source: str) -> Labelled:
        x = ImageTask.as_samples(self, images)
        y = labels.detach().cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise UserError(f"{source}: labels must be {len(x)} integers, one per image; got shape {y.shape}, dtype {y.dtype}")
        if len(y) and (y.min() < 0 or y.max() >= self.n_classes):
            raise UserError(f"{source}: labels must lie in 0..{self.n_classes - 1}, found {y.min()}..{y.max()}")
        return Labelled(x, y.astype(np.int64))
