"""Maximum-likelihood training of a sequence generator: the baseline every text GAN must beat.

One step is one teacher-forced minibatch update of the mean per-token NLL, with SeqGAN's
optimiser settings (Adam, lr 0.01, betas 0.9/0.999, gradient norm clipped at 5). The
discriminator the task builds is ignored. SeqGAN and ORGAN reuse :func:`mle_update` for their
pre-training phase.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from ganbench.core.errors import UserError
from ganbench.objectives.base import Objective, forward_precision
from ganbench.domains.sequence.snapshots import fingerprint, save_snapshot
from ganbench.domains.sequence.task import SequenceTask, as_ids


def check_sequence_task(objective: Objective, task) -> None:
    if task.spec.continuous or not isinstance(task, SequenceTask):
        raise UserError(
            f"objective {objective.name} trains discrete sequence generators, but {task.spec.name} generates "
            f"{task.spec.sample_kind}: use it on a text or molecule task, or use ns/hinge/wgan-gp here"
        )


def mle_update(state) -> dict[str, float]:
    real = as_ids(state.real_batch())
    with forward_precision(state):
        loss = state.G.nll(real)
    norm = state.optimize("g", loss, clip=float(state.cfg["grad_clip"]) or None)
    return {"loss_mle": float(loss.detach()), "grad_norm_g": norm}


class MLE(Objective):
    name = "mle"
    summary = "maximum likelihood (teacher forcing), the sequence baseline"
    needs_continuous = False
    defaults: ClassVar[Mapping[str, Any]] = {"lr_g": 1e-2, "beta1": 0.9, "beta2": 0.999, "grad_clip": 5.0}

    def check(self, task, cfg) -> None:
        check_sequence_task(self, task)

    def step(self, state) -> dict[str, float]:
        if state.step == 0:
            state.extras["mle_origin"] = fingerprint(state)
        logs = mle_update(state)
        if state.step == int(state.cfg["steps"]) - 1:
            save_snapshot(state, int(state.cfg["steps"]))  # SeqGAN runs starting here reuse it
        return logs
