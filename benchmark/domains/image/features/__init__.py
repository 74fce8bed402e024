"""Feature extractors for image metrics, registered by name; the name goes into every metric record.

An extractor is built for a task (``build_extractor(name, task)``) and called on a batch of
images (uint8 array N×H×W×C) returning ``(features, logits)``: features feed FID/KID/PR/DC,
logits feed IS. It has a ``name`` (unique: it keys the cached reference statistics) and a
``details`` dict (e.g. the classifier's test accuracy) copied into metric details. Its network
runs on the device it is built for (``for_task(task, device=...)``): the uint8 images are copied
there and converted there, and only the features and logits come back as host arrays.
"""

from ganbench.core.registry import Registry

FEATURES = Registry("feature extractor")
FEATURES.register("inception-v3", "ganbench.domains.image.features.inception:InceptionV3",
                  "torch-fidelity's TF-faithful Inception-v3: pool3 (2048) features, unbiased logits for IS; local weights file")
FEATURES.register("classifier", "ganbench.domains.image.features.classifier:DomainClassifier",
                  "small CNN trained on the task's train split (fixed seed, cached): penultimate features, class logits")
FEATURES.register("dinov2-vitb14", "ganbench.domains.image.features.dinov2:DINOv2",
                  "DINOv2 ViT-B/14 (timm's architecture, Meta's weights from a local file): 768-d class token, dgm-eval's preprocessing")


def build_extractor(name: str, task, device=None):
    """The extractor ``name`` set up for ``task`` (may train and cache a classifier on first use), its
    network on ``device`` (default the CPU): images go there as uint8, features come back to the host."""
    cls = FEATURES.get(name)
    return cls.for_task(task) if device is None else cls.for_task(task, device=device)


__all__ = ["FEATURES", "build_extractor"]
