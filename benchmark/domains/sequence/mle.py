"""Maximum-likelihood training of a sequence generator: the baseline every text GAN must beat.

One step is one teacher-forced minibatch update of the mean per-token NLL, with SeqGAN's
optimiser settings (Adam, lr 0.01, betas 0.9/0.999, gradient norm clipped at 5). The
discriminator the task builds is ignored. SeqGAN, ORGAN and the relaxed adversarial losses reuse
:func:`mle_phase` for their pre-training phase.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from ganbench.core.errors import UserError
from ganbench.objectives.base import Objective, forward_precision
from ganbench.core.records import SHARED_PHASE_LOG_KEY
from ganbench.domains.sequence.snapshots import fingerprint, load_snapshot, save_snapshot
from ganbench.domains.sequence.batches import as_ids


def check_sequence_task(objective: Objective, task) -> None:
    if task.spec.continuous or not getattr(task, "generates_sequences", False):  # a SequenceTask says so
        raise UserError(
            f"objective {objective.name} trains discrete sequence generators, but {task.spec.name} generates "
            f"{task.spec.sample_kind}: use it on a text or molecule task, or use ns/hinge/wgan-gp here"
        )


def mle_update(state, clip: float | None = None) -> dict[str, float]:
    """One teacher-forced update; ``clip`` (default the config's ``grad_clip``) bounds the gradient norm."""
    real = as_ids(state.real_batch())
    with forward_precision(state):
        loss = state.G.nll(real)
    clip = float(state.cfg["grad_clip"] if clip is None else clip)
    norm = state.optimize("g", loss, clip=clip or None)
    return {"loss_mle": float(loss.detach()), "grad_norm_g": norm}


def mle_phase(state, steps: int, cfg: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Step ``state.step`` of an MLE phase of ``steps`` updates that starts a longer run (SeqGAN's,
    ORGAN's and the relaxed adversarial losses' pre-training), shared through the MLE snapshots:
    at step 0 the phase fingerprints its start and, when an identical MLE computation already
    stored its end state, loads it and turns the rest of the phase into no-ops; its last step
    stores the end state for the next run. ``cfg``: the MLE settings (default the run's config)."""
    cfg = state.cfg if cfg is None else cfg
    if state.step == 0:
        state.extras["mle_origin"] = fingerprint(state, cfg)
        if load_snapshot(state, steps):
            state.extras["mle_from_snapshot"] = True
            return {SHARED_PHASE_LOG_KEY: 1.0}
    if state.extras.get("mle_from_snapshot"):
        return {}
    logs = mle_update(state, clip=float(cfg["grad_clip"]))
    if state.step == steps - 1:
        save_snapshot(state, steps)
    return logs


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
