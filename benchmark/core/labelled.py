"""Samples with the class labels they were asked for: what a class-conditional task decodes to.

A class-conditional generator is asked for a label per sample, and its metrics (intra-FID, the
classifier's accuracy on the requested labels, CAS) need both. ``Labelled`` carries them side by
side; a metric family that reads labels says so (``takes_labels = True``), every other family is
handed the samples alone (:func:`unlabelled`), so FID, KID, precision and the rest score a
conditional task's samples exactly as an unconditional one's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Labelled:
    samples: Any  # decoded samples (uint8 images N×H×W×C, ...)
    labels: np.ndarray  # int64, one class per sample

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index) -> "Labelled":
        return Labelled(self.samples[index], self.labels[index])


def unlabelled(batch: Any) -> Any:
    """The samples of a batch, without their labels if it has any."""
    return batch.samples if isinstance(batch, Labelled) else batch
