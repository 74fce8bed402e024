"""The continuous relaxation through which every adversarial loss trains a sequence generator.

ns, minimax, hinge, wgan-gp, lsgan and rsgan need samples that are differentiable in the
generator's parameters; tokens are not. A sequence task offers the relaxation RelGAN (Nie et al.
2019) uses, and the config turns it on by default for those losses (the task's ``relaxed``
defaults, applied by :func:`ganbench.core.config.resolve` when the objective needs continuous
samples and the task is discrete):

* **Gumbel-softmax samples** (``gumbel=true``): ``G.generate`` returns softmax(β·(logits + g))
  one-hot-like vectors [B, T, V] (hard tokens fed back), real batches are one-hot, and the
  discriminator reads both through its embedding matrix, so a gradient penalty (``gp_weight``) or R1
  (``r1_gamma``) is taken on those soft inputs. The inverse temperature β anneals from 1 to
  ``gumbel_beta_max`` over the adversarial generator updates, ``gumbel_schedule`` ``exp`` (RelGAN's
  default), ``linear`` or ``constant``.
* **MLE pre-training** (``pretrain_g_steps`` P): the first P steps of the run are the ``mle``
  objective's own updates on this task (its learning rate, betas and gradient clip, whatever the
  adversarial loss uses afterwards), so the generator starts from the MLE solution as in RelGAN and
  SeqGAN. They are the very computation of an ``mle`` run of P steps from the same seed, so the
  shared MLE snapshots (:mod:`.snapshots`) let all six losses (and SeqGAN, and the ``mle`` baseline
  itself) compute that phase once per seed. At step P the generator's Adam state is reset and its
  learning rate and betas become the adversarial objective's.

``--set gumbel=false`` turns the relaxation off (the adversarial losses are then refused on the
task, as before the relaxation was a default); ``--set pretrain_g_steps=0`` starts the adversarial
phase from the initial (or ``init_g``) generator. The record's ``relaxation`` block says what ran.
"""

from __future__ import annotations

from typing import Any, Mapping

from ganbench.core.errors import UserError

# The settings of the MLE phase that come from the ``mle`` objective, not from the adversarial one.
MLE_SETTINGS = ("lr_g", "beta1", "beta2", "optimizer", "grad_clip")


def is_relaxed(cfg: Mapping[str, Any]) -> bool:
    return bool(cfg.get("gumbel", False))


def pretrain_steps(cfg: Mapping[str, Any]) -> int:
    return int(cfg.get("pretrain_g_steps", 0) or 0) if is_relaxed(cfg) else 0


def mle_settings(task) -> dict[str, Any]:
    """The ``mle`` objective's optimiser settings on ``task`` (its resolved config, no overrides);
    resolved once per task object (every pre-training step asks)."""
    cached = task.__dict__.get("_mle_settings")
    if cached is None:
        from ganbench.core.config import resolve
        from ganbench.objectives import build_objective

        cfg = resolve(task.spec, build_objective("mle"))
        cached = task.__dict__["_mle_settings"] = {k: cfg[k] for k in MLE_SETTINGS}
    return dict(cached)


def check_relaxed(task, objective, cfg: Mapping[str, Any]) -> None:
    """Refuse, at configuration time, a relaxed run that could not train as configured."""
    pre = pretrain_steps(cfg)
    if not pre:
        return
    if pre >= int(cfg["steps"]):
        raise UserError(f"{objective.name} on {task.spec.name}: steps ({cfg['steps']}) must exceed pretrain_g_steps "
                        f"({pre}), the MLE pre-training of the relaxed generator; raise --steps or lower "
                        f"pretrain_g_steps (0 starts the adversarial phase at once)")
    if str(cfg.get("optimizer", "adam")).lower() != "adam":
        raise UserError(f"{objective.name} on {task.spec.name}: the MLE pre-training (pretrain_g_steps={pre}) runs "
                        f"on Adam; set optimizer=adam or pretrain_g_steps=0")


def describe(task, cfg: Mapping[str, Any]) -> dict | None:
    """The record's ``relaxation`` block: which relaxation ran, with what schedule and pre-training."""
    if not is_relaxed(cfg):
        return None
    pre = pretrain_steps(cfg)
    out = {"kind": "gumbel-softmax", "schedule": str(cfg.get("gumbel_schedule", "exp")),
           "beta_max": float(cfg.get("gumbel_beta_max", 1.0)), "anneal_steps": adversarial_steps(cfg),
           "pretrain": {"objective": "mle", "steps": pre, **mle_settings(task)} if pre else None}
    if cfg.get("init_g"):
        out["init_g"] = str(cfg["init_g"])
    return out


def adversarial_steps(cfg: Mapping[str, Any]) -> int:
    """Generator updates after the MLE phase: the length of the temperature annealing."""
    return max(1, int(cfg["steps"]) - pretrain_steps(cfg))


def _set_hyper(opt, lr: float, betas: tuple[float, float]) -> None:
    for group in opt.param_groups:
        group["lr"] = lr
        group["betas"] = betas


def pretrain_step(state) -> dict[str, float] | None:
    """One step of the MLE phase, or None once the adversarial phase has begun (or there is none).

    At step P (the first adversarial step, also after a resume there) the generator's optimiser
    is switched to the adversarial objective's settings with a fresh state."""
    from ganbench.domains.sequence.mle import mle_phase

    pre = pretrain_steps(state.cfg)
    if state.step > pre or not pre:
        return None
    if state.step == pre:
        state.opt_g.state.clear()
        _set_hyper(state.opt_g, float(state.cfg["lr_g"]), (float(state.cfg["beta1"]), float(state.cfg["beta2"])))
        return None
    mle = {**state.cfg, **mle_settings(state.task)}
    if state.step == 0:
        _set_hyper(state.opt_g, float(mle["lr_g"]), (float(mle["beta1"]), float(mle["beta2"])))
    return mle_phase(state, pre, mle)
