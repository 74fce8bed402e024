"""The split of a discriminator into features and an output head, which remedies and conditioning use.

A discriminator that offers ``features(x) -> h`` (N × F, its last hidden layer) and
``head(h) -> scores`` (N,) with ``forward(x) == head(features(x))`` lets a remedy read or extend
its last hidden layer without knowing the net: minibatch standard deviation adds a statistic of
the features beside the head, a projection discriminator adds ⟨embed(y), h⟩ to it, an AC-GAN
discriminator classifies h. Nets whose layers are one ``nn.Sequential`` ending in the output layer
get the split by inheriting :class:`SequentialCritic`.
"""

from __future__ import annotations

import torch


class SequentialCritic:
    """``self.net`` is an ``nn.Sequential`` whose last module maps the features to one score each."""

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.net[:-1]:
            x = layer(x)
        return x

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.net[-1](h).squeeze(-1)


def has_feature_head(net_class: type) -> bool:
    return callable(getattr(net_class, "features", None)) and callable(getattr(net_class, "head", None))
