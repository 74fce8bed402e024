"""The conditional adversarial step and the non-adversarial ``l1`` baseline.

:func:`conditional_step` is what every adversarial objective (ns, hinge, wgan-gp, ...) runs on a
conditional task: ``n_dis`` discriminator updates on ``(condition, real)`` against ``(condition,
G(condition))`` with the objective's own ``d_loss`` and the config's penalties (the gradient
penalty interpolates the outputs under a fixed condition), then one generator update on
``reconstruction + adv_weight * g_loss`` (pix2pix: L1 weighted 100 against the adversarial 1, i.e.
``adv_weight`` 0.01). :class:`L1Baseline` is the same generator update without the adversarial
term: the distortion-optimal end of the perception-distortion trade-off (Blau & Michaeli 2018).
"""

from __future__ import annotations

import functools

import torch

from ganbench.core.errors import UserError
from ganbench.objectives.base import Objective, forward_precision
from ganbench.objectives.inputs import Inputs


def conditional_step(objective, state) -> dict[str, float]:
    """One step of ``objective`` (an AdversarialObjective) on a conditional task."""
    task, cfg = state.task, state.cfg
    bs, weight = int(cfg["batch_size"]), float(cfg["adv_weight"])
    logs: dict[str, float] = {}
    for _ in range(int(cfg["n_dis"])):
        cond, real = task.paired_batch(bs, state.rng)
        D = functools.partial(state.D, cond)  # the critic of outputs under this batch's conditions
        with forward_precision(state):
            with torch.no_grad():
                fake = state.G.translate(cond, state.rng)
            out_real, out_fake = D(real).float(), D(fake).float()
            loss_d = objective.d_loss(out_real, out_fake)
            # the remedies' penalties on D (gp_weight, r1_gamma, ...), the condition held fixed
            penalty = state.remedies.penalty(state, D, Inputs(real, None), Inputs(fake, None), out_real, out_fake)
            total = loss_d + penalty if penalty is not None else loss_d
        logs["grad_norm_d"] = state.optimize("d", total)
        logs["loss_d"] = float(loss_d.detach())
        if penalty is not None:
            logs["penalty_d"] = float(penalty.detach())
    cond, real = task.paired_batch(bs, state.rng)
    with forward_precision(state):
        fake = state.G.translate(cond, state.rng)
        out_real = state.D(cond, real).float() if objective.g_needs_real else None
        loss_adv = objective.g_loss(state.D(cond, fake).float(), out_real)
        loss_rec = task.reconstruction_loss(fake, real)
        loss_g = loss_rec + weight * loss_adv
    logs["grad_norm_g"] = state.optimize("g", loss_g)
    logs["loss_g"] = float(loss_adv.detach())
    logs["loss_rec"] = float(loss_rec.detach())
    return logs


class L1Baseline(Objective):
    """G minimises the task's L1 reconstruction loss alone; the discriminator is not trained."""

    name = "l1"
    summary = "conditional tasks' non-adversarial baseline: G minimises the L1 reconstruction loss (adv_weight = 0)"

    def check(self, task, cfg) -> None:
        from ganbench.domains.conditional.task import ConditionalTask

        if not isinstance(task, ConditionalTask):
            raise UserError(f"objective l1 trains a conditional generator (restoration, video prediction), but "
                            f"{task.spec.name} generates from noise: use an adversarial objective (ns, hinge, ...) here")
        super().check(task, cfg)

    def step(self, state) -> dict[str, float]:
        cond, real = state.task.paired_batch(int(state.cfg["batch_size"]), state.rng)
        with forward_precision(state):
            loss = state.task.reconstruction_loss(state.G.translate(cond, state.rng), real)
        return {"grad_norm_g": state.optimize("g", loss), "loss_rec": float(loss.detach())}
