"""The remedy contract and the composition the adversarial step runs.

A :class:`Remedy` changes one or more of the places a GAN step can be changed, each a hook with a
no-op default, so that a remedy writes only what it changes:

* ``build(task, cfg, G, D)``: the nets (PacGAN builds D on m-fold inputs, minibatch std wraps D,
  spectral norm reparametrises its layers);
* ``pack``: how many samples D judges at once (PacGAN);
* ``transform(x, state)``: every batch D is shown, real and generated alike (DiffAugment,
  instance noise), before packing;
* ``d_term(...)``: a term added to D's loss (gradient penalties, consistency, LeCam);
* ``generator_critic(state, objective)``: the discriminator G's loss is taken against (the
  unrolled look-ahead).

:class:`Remedies` holds the remedies a config switches on, in registry order, and is what the
trainer builds and the adversarial step calls. With none switched on, every call is the plain
step's own (the same random numbers drawn in the same order), so training is bit-identical to a
build without remedies.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Mapping

import torch

from ganbench.core.errors import UserError
from ganbench.objectives.inputs import Inputs, fake_inputs, real_inputs


class Remedy:
    """Base class of a remedy; subclasses set ``name``, ``summary``, ``keys`` and override hooks."""

    name: ClassVar[str]
    summary: ClassVar[str] = ""
    keys: ClassVar[Mapping[str, Any]] = {}  # config keys -> off values (the registry line says the same)
    paper: ClassVar[str] = ""  # the paper and its setting, for `ganbench list`
    example: ClassVar[Mapping[str, Any]] = {}  # the paper's setting as config keys (what the contract tests train)
    sample_kinds: ClassVar[tuple[str, ...] | None] = None  # the task sample kinds it fits (None: any)
    conditional: ClassVar[bool] = True  # fits class-conditional tasks
    ranges: ClassVar[Mapping[str, Any]] = {}  # key -> ganbench.core.config.Range its values must hold
    adversarial_only: ClassVar[bool] = True  # needs the adversarial step (False: the trainer's own, e.g. EMA)
    pack: int = 1

    def __init__(self, cfg: Mapping[str, Any]):
        self.cfg = cfg

    # -- configuration time --------------------------------------------------------------------
    def check(self, task, objective, cfg: Mapping[str, Any]) -> None:
        """UserError (one line, naming the key and the fix) when this remedy cannot train ``task``
        with ``objective``; subclasses add their own checks after this one."""
        from ganbench.objectives.base import AdversarialObjective

        setting = self.setting(cfg)
        for key, rule in self.ranges.items():
            if key in cfg and not rule.holds(cfg[key]):
                raise UserError(f"{key} must be {rule.words} ({self.name}), got {cfg[key]!r}: change it (--set {key}=VALUE)")
        if self.adversarial_only and not isinstance(objective, AdversarialObjective):
            raise UserError(f"{setting} ({self.name}) works on adversarial losses; {objective.name} trains otherwise: "
                            f"drop --set {setting} or use an adversarial objective (ns, hinge, ...)")
        kind = task.spec.sample_kind
        if self.sample_kinds is not None and kind not in self.sample_kinds:
            raise UserError(f"{setting} ({self.name}) fits {' or '.join(self.sample_kinds)} tasks, not {task.spec.name} "
                            f"({kind}): drop --set {setting}")
        if not self.conditional and getattr(task, "conditional", False):
            raise UserError(f"{setting} ({self.name}) does not fit class-conditional tasks such as {task.spec.name}: "
                            f"drop --set {setting} or use the unconditional task")

    @property
    def reshapes_inputs(self) -> bool:
        """Whether it changes what D is shown (packing, augmentation, noise) or whom G answers to (a
        look-ahead D): what a step must compose itself; a loss term or a change of the nets is not."""
        cls = type(self)
        return (int(getattr(self, "pack", 1)) != 1 or cls.transform is not Remedy.transform
                or cls.generator_critic is not Remedy.generator_critic)

    def setting(self, cfg: Mapping[str, Any]) -> str:
        """``pack=2``: the keys that switch this remedy on, as a user writes them."""
        return ",".join(f"{k}={cfg[k]}" for k, off in self.keys.items() if k in cfg and cfg[k] != off)

    # -- hooks ---------------------------------------------------------------------------------
    def build(self, task, cfg: Mapping[str, Any], G, D):
        return G, D

    def transform(self, x: torch.Tensor, state) -> torch.Tensor:
        return x

    def d_term(self, state, critic: Callable, real: Inputs, fake: Inputs, out_real: torch.Tensor,
               out_fake: torch.Tensor, lookahead: bool = False) -> torch.Tensor | None:
        """A term of D's loss (already weighted), or None. ``lookahead``: computed inside the
        unrolled look-ahead, where running state (LeCam's averages) must not move."""
        return None

    def generator_critic(self, state, objective) -> Callable | None:
        return None


def pack_batches(batches: list[torch.Tensor]) -> torch.Tensor:
    """m batches of samples -> one batch whose rows hold m samples side by side (features for
    points, channels for images): PacGAN's packing, in the order the batches were drawn."""
    return batches[0] if len(batches) == 1 else torch.cat(batches, dim=1)


class Remedies:
    """The remedies of one run, in registry order: what the adversarial step composes."""

    def __init__(self, items: list[Remedy] | None = None):
        self.items = list(items or [])
        self.pack = 1
        for r in self.items:
            self.pack *= int(r.pack)
        self._transforms = [r for r in self.items if type(r).transform is not Remedy.transform]
        self._terms = [r for r in self.items if type(r).d_term is not Remedy.d_term]

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.items]

    def check(self, task, objective, cfg) -> None:
        for r in self.items:
            r.check(task, objective, cfg)

    def build(self, task, cfg: Mapping[str, Any]):
        """The task's nets, then each remedy's changes to them."""
        G, D = task.build_models(cfg)
        for r in self.items:
            G, D = r.build(task, cfg, G, D)
        return G, D

    # -- what D is shown -----------------------------------------------------------------------
    def real(self, state) -> Inputs:
        """A real batch as D reads it: transformed by each remedy, ``pack`` draws side by side."""
        if not self.items:
            return real_inputs(state)
        return self._shown([real_inputs(state) for _ in range(self.pack)], state)

    def fake(self, state, n: int) -> Inputs:
        """``n`` generated samples as D reads them (differentiable where the grad mode allows)."""
        if not self.items:
            return fake_inputs(state, n)
        return self._shown([fake_inputs(state, n) for _ in range(self.pack)], state)

    def _shown(self, draws: list[Inputs], state) -> Inputs:
        xs = []
        for d in draws:
            x = d.x
            for r in self._transforms:
                x = r.transform(x, state)
            xs.append(x)
        return Inputs(pack_batches(xs), draws[0].y)

    # -- D's loss and the critic G answers to --------------------------------------------------
    def penalty(self, state, critic: Callable, real: Inputs, fake: Inputs, out_real: torch.Tensor,
                out_fake: torch.Tensor, lookahead: bool = False) -> torch.Tensor | None:
        """The sum of the remedies' terms of D's loss (in registry order), or None."""
        total = None
        for r in self._terms:
            term = r.d_term(state, critic, real, fake, out_real, out_fake, lookahead)
            if term is not None:
                total = term if total is None else total + term
        return total

    def generator_critic(self, state, objective) -> Callable:
        """What G's loss is taken against: a remedy's look-ahead discriminator, else D itself."""
        for r in self.items:
            critic = r.generator_critic(state, objective)
            if critic is not None:
                return critic
        return state.D


NO_REMEDIES = Remedies()
