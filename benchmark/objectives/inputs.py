"""What the discriminator is shown: a batch of samples and, on a class-conditional task, their labels.

The one interface conditioning goes through. A conditional task's ``real_batch`` returns
``(x, y)`` and its ``sample_labels(n, rng)`` draws the labels a generator is asked for; a
conditional generator is called ``G.generate(n, rng, y)`` and a conditional discriminator
``D(x, y)``. On an unconditional task ``y`` is None and every call is the plain ``D(x)`` /
``G.generate(n, rng)`` of before, drawing the same random numbers in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class Inputs:
    """``x`` (what D reads) and the class labels ``y`` it is judged under (None: unconditional)."""

    x: torch.Tensor
    y: torch.Tensor | None = None

    def score(self, D) -> torch.Tensor:
        """D's raw output on this batch, in fp32 (a no-op in fp32 runs)."""
        return (D(self.x) if self.y is None else D(self.x, self.y)).float()

    def judge(self, D) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's output and, where D also classifies (AC-GAN: ``classifies = True``, called with
        ``with_logits=True`` it returns ``(scores, class logits)``), the cross-entropy of its class
        logits against ``y``; one forward pass either way."""
        if self.y is None or not getattr(D, "classifies", False):
            return self.score(D), None
        scores, logits = D(self.x, self.y, with_logits=True)
        return scores.float(), F.cross_entropy(logits.float(), self.y)

    def with_x(self, x: torch.Tensor) -> "Inputs":
        """Other samples judged under the same labels (a penalty's interpolates, an augmented copy)."""
        return Inputs(x, self.y)


def split_labels(batch) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A task's real batch as (x, y): a conditional task's ``(x, y)`` pair, anything else ``(batch, None)``."""
    if isinstance(batch, tuple):
        return batch[0], batch[1]
    return batch, None


def real_inputs(state) -> Inputs:
    """One real batch of the run's batch size."""
    return Inputs(*split_labels(state.real_batch()))


def fake_inputs(state, n: int, y: torch.Tensor | None = None) -> Inputs:
    """``n`` generated samples (differentiable where the caller's grad mode allows), asked for the
    labels ``y`` (a conditional task draws them when None)."""
    labels = getattr(state.task, "sample_labels", None)
    if y is None and labels is not None:
        y = labels(n, state.rng)
    return Inputs(state.G.generate(n, state.rng) if y is None else state.G.generate(n, state.rng, y), y)
