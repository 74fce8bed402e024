"""Unrolled GAN (Metz et al., ICLR 2017): the generator steps against the discriminator k updates ahead.

For G's update, D's parameters θ_D are carried ``unroll`` = k steps forward by D's own optimizer
(Adam, from its current moments and step count, at its current rate) on fresh batches — θ_D^k —
and G's loss is taken against D(·; θ_D^k). The look-ahead is differentiated through: each
unrolled step's generated batch keeps its graph, so the gradient reaching G includes how D would
react to G's move, the term that discourages G from hopping to the mode D neglects next (the
paper's eq. 12; the first-order form without it is a plain GAN against a future D). The real D is
left exactly as it was — the look-ahead works on copies, functionally
(``torch.func.functional_call``) — and its optimizer state too; D then trains as usual.

Adam is unrolled as PyTorch computes it, except that the denominator is √(v̂ + ε²) + ε instead
of √v̂ + ε: the same update to 1e-16 relative, with a finite derivative where a gradient is
exactly zero (maxout's idle pieces), where √ has none. Paper settings: k = 5 (and 1, 10) on the
2-D mixtures. Cost: k extra D updates, each differentiated twice, per G step.
"""

from __future__ import annotations

import torch
from torch.func import functional_call

from ganbench.core.config import COUNT
from ganbench.core.errors import UserError
from ganbench.remedies.base import Remedy


class FunctionalCritic:
    """D with other parameters (a look-ahead's), called like D; D itself is not touched."""

    def __init__(self, D, params: dict):
        self.D, self.params = D, params
        self.classifies = getattr(D, "classifies", False)

    def __call__(self, *args, **kwargs):
        return functional_call(self.D, self.params, args, kwargs)


def lookahead(state, objective, k: int) -> FunctionalCritic:
    """D after ``k`` Adam steps on ``objective``'s D loss (with the run's remedies), as a function
    of G through the generated batches it was trained on; D and its optimizer are unchanged."""
    D, opt = state.D, state.opt_d
    params = {n: p for n, p in D.named_parameters() if p.requires_grad}
    group = opt.param_groups[0]
    lr, (b1, b2), eps = float(group["lr"]), group["betas"], float(group["eps"])
    moments = {}
    for n, p in params.items():
        s = opt.state.get(p, {})
        moments[n] = (s["exp_avg"].detach(), s["exp_avg_sq"].detach(), float(s["step"])) if s else \
            (torch.zeros_like(p), torch.zeros_like(p), 0.0)
    critic = FunctionalCritic(D, params)
    for _ in range(k):
        loss_d, penalty, class_loss = objective.critic_loss(state, critic, state.remedies, lookahead=True)
        total = loss_d if penalty is None else loss_d + penalty
        if class_loss is not None:
            total = total + float(state.cfg.get("acgan_weight", 1.0)) * class_loss
        grads = torch.autograd.grad(total, list(params.values()), create_graph=True, allow_unused=True)
        new, new_moments = {}, {}
        for (n, p), g in zip(params.items(), grads):
            m, v, t = moments[n]
            if g is None:
                g = torch.zeros_like(p)
            m, v, t = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g, t + 1
            m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
            new[n] = p - lr * m_hat / (v_hat.add(eps * eps).sqrt() + eps)
            new_moments[n] = (m, v, t)
        params, moments = new, new_moments
        critic = FunctionalCritic(D, params)
    return critic


class Unrolled(Remedy):
    name = "unroll"
    summary = "unrolled GAN: G steps against D after k look-ahead updates"
    keys = {"unroll": 0}
    paper = "unroll=5 (Metz et al. 2017; 1, 5 and 10 on the 2-D mixtures)"
    example = {"unroll": 5}
    ranges = {"unroll": COUNT}

    def check(self, task, objective, cfg):
        super().check(task, objective, cfg)
        if str(cfg.get("optimizer", "adam")).lower() != "adam":
            raise UserError(f"unroll={cfg['unroll']} unrolls Adam, not {cfg['optimizer']}: --set optimizer=adam")

    def generator_critic(self, state, objective):
        return lookahead(state, objective, int(self.cfg["unroll"]))
