"""Class conditioning for any generator and discriminator: the label enters G and D here.

A class-conditional task (``task.conditional``, ``task.n_classes``) names how in its config:

* ``g_cond``: ``cbn`` — conditional batch norm (de Vries et al. 2017; Miyato & Koyama 2018): each
  of G's batch norms takes its gain and bias per class from embeddings (gain 1, bias 0 at the
  start), in the nets that support it (DCGAN, ResNet); ``concat`` — the one-hot label joins the
  noise (Mirza & Osindero 2014), any latent generator; ``none`` — G ignores the label (the
  unconditional baseline on a conditional task).
* ``d_cond``: ``projection`` — D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩ (Miyato & Koyama, ICLR 2018);
  ``acgan`` — D scores real/fake and classifies φ(x) (Odena et al., ICML 2017: a cross-entropy on
  real and generated samples joins both losses, ``acgan_weight``); ``concat`` — the one-hot label
  as extra input channels (points: features) of D; ``none`` — D ignores the label.

Projection and AC-GAN read D's last hidden features, so they need a discriminator with
``features``/``head`` (:mod:`ganbench.nets.critic`); concatenation rebuilds D on a view of the task
with the label channels added, as packing does, so it fits any registered discriminator.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.core.errors import UserError
from ganbench.nets.latent import LatentGenerator

G_MODES = ("cbn", "concat", "none")
D_MODES = ("projection", "acgan", "concat", "none")


def g_classes(task, cfg: Mapping[str, Any], mode: str = "cbn") -> int:
    """How many classes a generator conditions on through ``mode`` (0: unconditional)."""
    if not getattr(task, "conditional", False) or cfg.get("g_cond", "none") != mode:
        return 0
    return int(task.n_classes)


def check_modes(cfg: Mapping[str, Any]) -> None:
    for key, modes in (("g_cond", G_MODES), ("d_cond", D_MODES)):
        if key in cfg and cfg[key] not in modes:
            raise UserError(f"{key}={cfg[key]!r}: choose one of {', '.join(modes)} (--set {key}=...)")


class CondBatchNorm(nn.Module):
    """Batch norm whose affine gain and bias are looked up per class (plain batch norm for 0 classes)."""

    def __init__(self, channels: int, n_classes: int, dims: int = 2):
        super().__init__()
        bn = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
        self.n_classes = n_classes
        self.bn = bn(channels, affine=n_classes == 0)
        if n_classes:
            self.gain = nn.Embedding(n_classes, channels)
            self.bias = nn.Embedding(n_classes, channels)
            nn.init.ones_(self.gain.weight)
            nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        out = self.bn(x)
        if not self.n_classes:
            return out
        shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
        return out * self.gain(y).view(shape) + self.bias(y).view(shape)


def one_hot_maps(y: torch.Tensor, n_classes: int, like: torch.Tensor) -> torch.Tensor:
    """The one-hot labels shaped as extra channels of ``like`` (N×K×H×W images, N×K features)."""
    hot = F.one_hot(y, n_classes).to(like.dtype)
    return hot.view(*hot.shape, *([1] * (like.dim() - 2))).expand(-1, -1, *like.shape[2:])


class LabelledView:
    """A task as a concatenating discriminator sees it: each sample with K label channels more."""

    def __init__(self, task):
        self._task = task

    def __getattr__(self, name):
        return getattr(self._task, name)

    @property
    def shape(self):
        h, w, c = self._task.shape
        return (h, w, c + self._task.n_classes)

    def real_batch(self, batch_size, generator):
        x, y = self._task.real_batch(batch_size, generator)
        return torch.cat([x, one_hot_maps(y, self._task.n_classes, x)], dim=1)


class ConditionalCritic(nn.Module):
    """A discriminator judging samples under their labels by ``mode`` (projection, acgan, concat, none)."""

    def __init__(self, inner: nn.Module, n_classes: int, mode: str, features: int | None = None,
                 spectral_norm: bool = False):
        super().__init__()
        self.inner, self.n_classes, self.mode = inner, n_classes, mode
        self.classifies = mode == "acgan"
        if mode == "projection":
            self.embed = nn.Embedding(n_classes, features)
            nn.init.xavier_uniform_(self.embed.weight)
        elif mode == "acgan":
            self.classifier = nn.Linear(features, n_classes)
        if spectral_norm:
            from ganbench.remedies.spectral_norm import apply_spectral_norm

            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, y: torch.Tensor, with_logits: bool = False):
        if self.mode == "concat":
            return self.inner(torch.cat([x, one_hot_maps(y, self.n_classes, x)], dim=1))
        if self.mode == "none":
            return self.inner(x)
        h = self.inner.features(x).flatten(1)
        score = self.inner.head(h)
        if self.mode == "projection":
            return score + (self.embed(y) * h).sum(dim=1)
        logits = self.classifier(h)
        return (score, logits) if with_logits else score


class ConcatGenerator(LatentGenerator):
    """A latent generator conditioned by the one-hot label joining its noise."""

    def __init__(self, inner: nn.Module, n_classes: int):
        super().__init__()
        self.inner, self.n_classes = inner, n_classes
        self.latent_dim = inner.latent_dim - n_classes
        self.sample_batch = getattr(inner, "sample_batch", 1000)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.inner(torch.cat([z, F.one_hot(y, self.n_classes).to(z.dtype)], dim=1))


def conditional_nets(task, cfg: Mapping[str, Any]):
    """(G, D) of a class-conditional task: its nets by name, conditioned as ``g_cond``/``d_cond`` say."""
    from ganbench.nets import build_net, net_class
    from ganbench.nets.critic import has_feature_head

    check_modes(cfg)
    k = int(task.n_classes)
    g_mode, d_mode = cfg.get("g_cond", "cbn"), cfg.get("d_cond", "projection")
    if g_mode == "concat":
        inner = build_net(cfg["g_arch"], "generator", task, {**cfg, "latent_dim": int(cfg["latent_dim"]) + k})
        G = ConcatGenerator(inner, k)
    else:
        G = build_net(cfg["g_arch"], "generator", task, cfg)
        if g_mode == "cbn" and not getattr(G, "conditional_bn", False):
            raise UserError(f"g_cond=cbn: {cfg['g_arch']} has no conditional batch norm; use g_cond=concat or a net "
                            f"with it (dcgan-generator, resnet-generator)")
    if d_mode in ("projection", "acgan") and not has_feature_head(net_class(cfg["d_arch"], "discriminator")):
        raise UserError(f"d_cond={d_mode} reads the discriminator's features; {cfg['d_arch']} does not offer them "
                        f"(ganbench.nets.critic): use d_cond=concat")
    D = build_net(cfg["d_arch"], "discriminator", LabelledView(task) if d_mode == "concat" else task, cfg)
    features = None
    if d_mode in ("projection", "acgan"):
        D.eval()  # a probe, not a training pass: spectral norm's power iteration stays put
        with torch.no_grad():
            probe = task.real_batch(2, torch.Generator().manual_seed(0))[0]
            features = D.features(probe).flatten(1).shape[1]
        D.train()
    return G, ConditionalCritic(D, k, d_mode, features, spectral_norm=bool(getattr(D, "spectrally_normed", False)))
