"""Minibatch standard deviation (Karras et al., ICLR 2018, "Progressive growing of GANs", §3).

D's last hidden features are split into groups of ``mbstd`` = G samples (sample i in group
i mod N/G, as in ProGAN's layer); the standard deviation of each feature over its group, averaged
over the features, is one number per group that every member of the group gets beside its
features. A generator that puts its samples on few modes has features that vary less within a
group than real ones do, so D can read collapse off that number and G is pushed to spread out.
ProGAN appends it as a feature map before D's last block; here it joins D's output layer (a
weight on it, added to the head's score, starting at zero so that training starts from the plain
D), which needs a discriminator that offers its features and head (:mod:`ganbench.nets.critic`).
A group is all real or all generated: D judges each batch apart. Paper setting: group size 4.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.core.config import SIZE
from ganbench.core.errors import UserError
from ganbench.nets import net_class
from ganbench.nets.critic import has_feature_head
from ganbench.remedies.base import Remedy


def group_std(h: torch.Tensor, group: int) -> torch.Tensor:
    """(N, F) features -> (N,) the mean over features of each feature's std over the sample's group."""
    n = h.shape[0]
    g = min(group, n)
    if n % g:
        raise ValueError(f"minibatch std groups of {g} need a batch divisible by {g}, got {n}")
    y = h.reshape(g, n // g, -1).float()
    s = (y - y.mean(dim=0, keepdim=True)).pow(2).mean(dim=0).add(1e-8).sqrt().mean(dim=1)  # (N/G,)
    return s.repeat(g).to(h.dtype)


class MinibatchStdCritic(nn.Module):
    """A discriminator with the minibatch-std statistic of its features beside its head."""

    def __init__(self, inner: nn.Module, group: int):
        super().__init__()
        self.inner, self.group = inner, group
        self.std_weight = nn.Parameter(torch.zeros(()))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inner.features(x)
        return self.inner.head(h) + self.std_weight * group_std(h.flatten(1), self.group)


class MinibatchStd(Remedy):
    name = "mbstd"
    summary = "minibatch standard deviation of D's features over groups"
    keys = {"mbstd": 0}
    paper = "mbstd=4 (Karras et al. 2018: group size 4)"
    example = {"mbstd": 4}
    conditional = False
    ranges = {"mbstd": SIZE}

    def check(self, task, objective, cfg):
        super().check(task, objective, cfg)
        group = int(cfg["mbstd"])
        if "d_arch" not in cfg or not has_feature_head(net_class(cfg["d_arch"], "discriminator")):
            raise UserError(f"mbstd={group} needs a discriminator that offers features(x) and head(h) "
                            f"(ganbench.nets.critic); {cfg.get('d_arch', 'this task')} does not: drop --set mbstd")
        if int(cfg["batch_size"]) % group:
            raise UserError(f"mbstd={group} splits each batch into groups of {group}, but batch_size="
                            f"{cfg['batch_size']} is not a multiple of it: change --set mbstd or batch_size")

    def build(self, task, cfg, G, D):
        return G, MinibatchStdCritic(D, int(cfg["mbstd"]))
