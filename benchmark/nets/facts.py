"""What a net needs to know about a task, asked the same way by every net's ``from_config``.

Each helper returns the facts a family of nets is sized by, or raises a one-line
:class:`~ganbench.core.errors.UserError` when the task is of another kind, so that
``--set g_arch=dcgan-generator`` on a point task fails when the run is configured.
"""

from __future__ import annotations

import torch

from ganbench.core.errors import UserError


def _wrong_kind(task, net: str, wanted: str) -> UserError:
    kind = task.spec.sample_kind
    return UserError(f"{net} builds for {wanted} tasks, not {task.spec.name} ({kind}): "
                     f"choose a net for {kind} (ganbench list shows the nets)")


def point_dim(task, net: str) -> int:
    """The dimension of a point task's samples, read off one real batch (drawn from its own RNG)."""
    if task.spec.sample_kind != "points":
        raise _wrong_kind(task, net, "point")
    return int(task.real_batch(2, torch.Generator().manual_seed(0)).shape[-1])


def image_shape(task, net: str) -> tuple[int, int, int]:
    """(H, W, C) of an image task (its ``shape``)."""
    shape = getattr(task, "shape", None)
    if task.spec.sample_kind != "images" or shape is None or len(shape) != 3:
        raise _wrong_kind(task, net, "image")
    return tuple(int(x) for x in shape)


def require_sequence(task, net: str) -> None:
    """A token-sequence task has ``vocab_size``, ``max_len``, ``start_id`` (and ``eos_id``,
    ``pad_id``, ``forbidden``): the facts of :class:`~ganbench.domains.sequence.task.SequenceTask`."""
    if not all(hasattr(task, a) for a in ("vocab_size", "max_len", "start_id")):
        raise _wrong_kind(task, net, "token-sequence")
