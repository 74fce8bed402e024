"""The objective contract: one registered object per adversarial method.

An objective owns one full training step (``step(state) -> losses``): the trainer stays one loop
for every domain, and no if/elif chain over loss names exists anywhere. Loss-based GANs subclass
:class:`AdversarialObjective` and only write ``d_loss``/``g_loss``; methods with a different shape
(MLE, policy gradient with rollouts) implement ``step`` themselves and may look at ``state.step``
to run a pre-training phase first.
"""

from __future__ import annotations

import contextlib

from typing import Any, ClassVar, Mapping

import torch

from ganbench.core.device import autocast, check_amp, module_device
from ganbench.core.errors import UserError
from ganbench.objectives.regularizers import discriminator_penalty


class Objective:
    name: ClassVar[str]
    summary: ClassVar[str] = ""
    defaults: ClassVar[Mapping[str, Any]] = {}  # hyper-parameters this objective adds or changes
    needs_continuous: ClassVar[bool] = True  # needs samples differentiable w.r.t. G's parameters

    def check(self, task, cfg: Mapping[str, Any]) -> None:
        """Raise UserError at configuration time if this objective cannot train ``task``."""
        if self.needs_continuous and not task.spec.continuous and not cfg.get("gumbel", False):
            raise UserError(
                f"objective {self.name} needs differentiable samples but {task.spec.name} generates discrete "
                f"{task.spec.sample_kind}: use a discrete method (e.g. mle, seqgan) or leave its relaxation on (gumbel=true)"
            )
        task.check_config(self, cfg)

    def step(self, state) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError


def forward_precision(state):
    """The autocast context of a step's forward passes (``amp`` in the config: fp32, bf16, fp16) on
    the nets' device; backward and the optimizer step stay outside it (``state.optimize``)."""
    amp = state.cfg.get("amp", "fp32")
    if check_amp(amp) == "fp32":  # the default: no device lookup per forward pass
        return contextlib.nullcontext()
    return autocast(module_device(state.G), amp)


class AdversarialObjective(Objective):
    """n_dis discriminator updates, then one generator update, on the losses a subclass defines.

    ``d_out_real``/``d_out_fake`` are raw discriminator outputs (logits / critic values).
    Regularisers (``gp_weight``, ``r1_gamma``) come from the config and work with any objective.
    Forward passes run in the config's precision (``amp``); the losses read the outputs in fp32
    (a no-op in fp32 runs), so a bf16 logit never feeds a log-sigmoid directly.
    """

    defaults: ClassVar[Mapping[str, Any]] = {"gp_weight": 0.0, "r1_gamma": 0.0}

    def d_loss(self, d_out_real: torch.Tensor, d_out_fake: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def g_loss(self, d_out_fake: torch.Tensor, d_out_real: torch.Tensor | None = None) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    g_needs_real: ClassVar[bool] = False  # relativistic losses compare fake with real in the G step

    def step(self, state) -> dict[str, float]:
        pre = state.task.pretrain_step(state)  # a discrete task's relaxed generator starts from MLE
        if pre is not None:
            return pre
        own = state.task.adversarial_step(self, state)  # a conditional task feeds the condition to G and D
        if own is not None:
            return own
        cfg = state.cfg
        bs = int(cfg["batch_size"])
        logs: dict[str, float] = {}
        for _ in range(int(cfg["n_dis"])):
            real = state.real_batch()
            with forward_precision(state):
                with torch.no_grad():
                    fake = state.G.generate(bs, state.rng)
                out_real, out_fake = state.D(real).float(), state.D(fake).float()
                loss_d = self.d_loss(out_real, out_fake)
                penalty = discriminator_penalty(state.D, real, fake, cfg, state.rng)
                total = loss_d + penalty if penalty is not None else loss_d
            logs["grad_norm_d"] = state.optimize("d", total)
            logs["loss_d"] = float(loss_d.detach())
            if penalty is not None:
                logs["penalty_d"] = float(penalty.detach())
        with forward_precision(state):
            fake = state.G.generate(bs, state.rng)
            out_real = state.D(state.real_batch()).float() if self.g_needs_real else None
            loss_g = self.g_loss(state.D(fake).float(), out_real)
        logs["grad_norm_g"] = state.optimize("g", loss_g)
        logs["loss_g"] = float(loss_g.detach())
        return logs
