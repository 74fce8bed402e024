"""Real batches of a sequence task as the sequence methods read them.

A sequence task hands the discriminator token ids, or one-hot vectors when its adversarial losses
train through the Gumbel-softmax relaxation; MLE and SeqGAN want ids either way. Here, apart from
the task class, so that the methods (mle.py, seqgan.py) need not import the task module, which
imports them back through its relaxation hooks.
"""

from __future__ import annotations

import torch


def as_ids(batch: torch.Tensor) -> torch.Tensor:
    """Token ids from ids or (relaxed) one-hot vectors: lets MLE/SeqGAN read any real batch."""
    return batch if not batch.is_floating_point() else batch.argmax(dim=-1)
