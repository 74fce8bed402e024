"""Feature extractors for image metrics, registered by name; the name goes into every metric record.

An extractor is built for a task (``build_extractor(name, task)``) and called on a batch of
images (uint8 array N×H×W×C) returning ``(features, logits)``: features feed FID/KID/PR/DC,
logits feed IS. It has a ``name`` (unique: it keys the cached reference statistics) and a
``details`` dict (e.g. the classifier's test accuracy) copied into metric details.
"""

from ganbench.core.registry import Registry

FEATURES = Registry("feature extractor")
FEATURES.register("inception-v3", "ganbench.domains.image.features.inception:InceptionV3",
                  "torch-fidelity's TF-faithful Inception-v3: pool3 (2048) features, unbiased logits for IS; local weights file")
FEATURES.register("classifier", "ganbench.domains.image.features.classifier:DomainClassifier",
                  "small CNN trained on the task's train split (fixed seed, cached): penultimate features, class logits")


def build_extractor(name: str, task):
    """The extractor ``name`` set up for ``task`` (may train and cache a classifier on first use)."""
    return FEATURES.get(name).for_task(task)


__all__ = ["FEATURES", "build_extractor"]
