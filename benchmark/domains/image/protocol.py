"""Checks behind the image domain's protocol variants (see :data:`ganbench.domains.image.DOMAIN`):
whether an extractor whose weights are not bundled can run here without a download.

The sensitivity panel re-scores many runs; fetching hundreds of megabytes of weights in the middle
of it, or failing on the first run, helps nobody. A variant whose weights are absent is skipped
with the reason these functions return (None: it can run).
"""

from __future__ import annotations

from pathlib import Path


def inception_missing(task) -> str | None:
    """None when Inception-v3's weights are on disk (the user's file, torch hub's copy, a data root)."""
    from ganbench.domains.image.features import inception

    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        return "torch-fidelity is not installed (pip install torch-fidelity, or ganbench[image])"
    path = inception.default_weights_path()
    if path is not None:
        return None if Path(path).is_file() else f"GANBENCH_INCEPTION_WEIGHTS={path} is not a file"
    relpath = inception.weights_spec().relpath
    if any((root / relpath).is_file() for root in task.data.roots):
        return None
    return f"Inception-v3 weights not on disk (set GANBENCH_INCEPTION_WEIGHTS, or put {relpath} under GANBENCH_DATA)"


def dinov2_missing(task) -> str | None:
    """None when timm is installed and the DINOv2 ViT-B/14 weights are on disk."""
    from ganbench.domains.image.features.dinov2 import missing_reason

    return missing_reason(task.data)
