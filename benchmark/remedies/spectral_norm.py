"""Spectral normalisation of the discriminator (Miyato et al., ICLR 2018) for every discriminator family.

Each weight W of D's linear, convolutional and embedding layers is divided by its largest singular
value, estimated by one power iteration per forward pass (PyTorch's
``torch.nn.utils.parametrizations.spectral_norm``), so every layer — and D as a whole, with
1-Lipschitz activations — is at most 1-Lipschitz. Applied after the net is built, to any
discriminator: the MLPs of the point tasks, DCGAN, the sequence CNN, a plugin's. A net that
normalises its own layers when ``spectral_norm`` is set (DCGAN, the ResNet discriminator) is left
as it built itself: a layer already parametrised is skipped.

``spectral_norm`` was an image-task setting before this home existed (DCGAN's discriminator read
it); there it stays part of every config's hash, on the other tasks it is a release-7 key, left
out of the hash while false (:data:`ganbench.core.config.ADDED_KEYS`).
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ganbench.remedies.base import Remedy

LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.Embedding)


def apply_spectral_norm(net: nn.Module) -> nn.Module:
    for module in list(net.modules()):
        if isinstance(module, LAYERS) and not parametrize.is_parametrized(module, "weight"):
            spectral_norm(module)
    return net


class SpectralNorm(Remedy):
    name = "sn"
    summary = "spectral normalisation of every D layer (linear, conv, embedding)"
    keys = {"spectral_norm": False}
    paper = "spectral_norm=true (Miyato et al. 2018)"
    example = {"spectral_norm": True}

    def build(self, task, cfg, G, D):
        return G, apply_spectral_norm(D)
