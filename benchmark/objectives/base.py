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

    ``d_out_real``/``d_out_fake`` are raw discriminator outputs (logits / critic values). What D
    is shown and what is added to its loss come from the run's remedies (``state.remedies``,
    :mod:`ganbench.remedies`: packing, augmentation, penalties such as ``gp_weight`` and
    ``r1_gamma``, the unrolled look-ahead), composed with any objective. On a class-conditional
    task D judges samples under their labels (:mod:`ganbench.objectives.inputs`) and an AC-GAN
    discriminator's class cross-entropy joins both losses, weighted by ``acgan_weight``.
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
        remedies = state.remedies
        logs: dict[str, float] = {}
        for _ in range(int(state.cfg["n_dis"])):
            with forward_precision(state):
                loss_d, penalty, class_loss = self.critic_loss(state, state.D, remedies)
                total = loss_d + penalty if penalty is not None else loss_d
                if class_loss is not None:
                    total = total + float(state.cfg.get("acgan_weight", 1.0)) * class_loss
            logs["grad_norm_d"] = state.optimize("d", total)
            logs["loss_d"] = float(loss_d.detach())
            if penalty is not None:
                logs["penalty_d"] = float(penalty.detach())
            if class_loss is not None:
                logs["class_loss_d"] = float(class_loss.detach())
        with forward_precision(state):
            critic = remedies.generator_critic(state, self)  # D, or its unrolled look-ahead
            out_fake, class_loss = remedies.fake(state, int(state.cfg["batch_size"])).judge(critic)
            out_real = remedies.real(state).score(critic) if self.g_needs_real else None
            loss_g = self.g_loss(out_fake, out_real)
            total = loss_g if class_loss is None else loss_g + float(state.cfg.get("acgan_weight", 1.0)) * class_loss
        logs["grad_norm_g"] = state.optimize("g", total)
        logs["loss_g"] = float(loss_g.detach())
        return logs

    def critic_loss(self, state, critic, remedies, lookahead: bool = False):
        """D's loss on one fresh real and generated batch as ``critic`` judges them: (the objective's
        loss, the remedies' penalty or None, AC-GAN's class cross-entropy or None). ``lookahead``:
        inside the unrolled look-ahead, where the generated batch keeps its graph to G."""
        real = remedies.real(state)
        with contextlib.nullcontext() if lookahead else torch.no_grad():
            fake = remedies.fake(state, int(state.cfg["batch_size"]))
        (out_real, cls_real), (out_fake, cls_fake) = real.judge(critic), fake.judge(critic)
        loss_d = self.d_loss(out_real, out_fake)
        penalty = remedies.penalty(state, critic, real, fake, out_real, out_fake, lookahead)
        class_loss = cls_real + cls_fake if cls_real is not None else None
        return loss_d, penalty, class_loss
