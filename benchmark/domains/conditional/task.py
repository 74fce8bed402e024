"""The task side of conditional generation: paired data, test conditions in order, the step hook.

A subclass provides ``_pairs(split) -> (conditions, targets)`` (uint8 arrays held in memory, one
pair per row) and two conversions: ``condition_input`` (uint8 conditions on a device -> the float
tensor G and D read) and ``to_raw`` (uint8 targets -> floats in [-1, 1] in the generator's layout,
which ``decode`` inverts).

**Evaluation protocol.** The i-th sample scored restores (or continues) the i-th test condition:
a generator's samples are drawn by walking the test conditions in order (:meth:`sample`: calls
that share one random generator continue where the previous call stopped, cycling past the end;
a new generator starts at the first condition), and a user's sample file must hold its rows in the
order of the test conditions (``task.test_conditions_uint8()``). The paired metrics (PSNR, SSIM)
compare sample i with target i; the distribution metrics (FID, FVD) do not need the order.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch

from ganbench.core.device import module_device
from ganbench.core.errors import UserError
from ganbench.core.task import Task


class ConditionalTask(Task):
    """Mixin for conditional tasks (put it before the domain's task base class)."""

    def _pairs(self, split: str) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def condition_input(self, cond: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    # and ``to_raw(target uint8 tensor) -> floats in [-1, 1]`` (the domain's task base usually has it)

    # -- data ------------------------------------------------------------------------------------
    def _pairs_on(self, split: str, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """The split's (conditions, targets) as uint8 tensors on ``device``, copied there once."""
        cache = self.__dict__.setdefault("_pairs_by_device", {})
        key = (split, str(device))
        if key not in cache:
            cond, target = self._pairs(split)
            cache[key] = (torch.from_numpy(np.ascontiguousarray(cond)).to(device),
                          torch.from_numpy(np.ascontiguousarray(target)).to(device))
        return cache[key]

    def paired_batch(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(condition input, target in [-1, 1]) of ``batch_size`` training pairs drawn by ``generator``."""
        cond, target = self._pairs_on("train", generator.device)
        idx = torch.randint(len(target), (batch_size,), generator=generator, device=generator.device)
        return self.condition_input(cond[idx]), self.to_raw(target[idx])

    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """Real training outputs (the targets of drawn pairs), as the generator's samples are laid out."""
        return self.paired_batch(batch_size, generator)[1]

    def test_targets(self) -> np.ndarray:
        """The true outputs of the test conditions, uint8, row i for condition i."""
        return self._pairs("test")[1]

    def test_conditions_uint8(self) -> np.ndarray:
        """The test conditions as stored (uint8), row i for target i: what a user's model restores."""
        return self._pairs("test")[0]

    # -- sampling: the test conditions in order ---------------------------------------------------
    def sample(self, generator_net, n: int, rng: torch.Generator):
        cursor = self.__dict__.get("_cursor")
        start = cursor[1] if cursor is not None and cursor[0] is rng else 0
        self._cursor = (rng, start + n)  # holds rng: a new generator can never reuse its identity
        device = module_device(generator_net)
        cond, _ = self._pairs_on("test", device)
        idx = torch.arange(start, start + n, device=device) % len(cond)
        return generator_net.restore(self.condition_input(cond[idx]), rng)

    # -- training --------------------------------------------------------------------------------
    def reconstruction_loss(self, fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean absolute error in [-1, 1] units (pix2pix's L1 term)."""
        return (fake.float() - target.float()).abs().mean()

    def adversarial_step(self, objective, state) -> dict[str, float]:
        from ganbench.domains.conditional.objective import conditional_step

        return conditional_step(objective, state)

    def check_config(self, objective, config: Mapping[str, Any]) -> None:
        from ganbench.objectives.base import AdversarialObjective

        if isinstance(objective, AdversarialObjective) and not float(config.get("adv_weight", 0.0)) > 0:
            raise UserError(f"adv_weight={config.get('adv_weight')} gives {objective.name} no adversarial term on "
                            f"{self.spec.name}: set adv_weight > 0, or use --objective l1 for the L1 baseline")
        from ganbench.remedies import compose

        unsupported = [r.name for r in compose(config).items if r.reshapes_inputs]
        if unsupported:  # the conditional step composes D's loss terms and changed nets, not these
            raise UserError(f"remedy {', '.join(unsupported)} changes what the discriminator is shown or whom G answers to, which the "
                            f"conditional step of {self.spec.name} does not compose: leave it off here (penalties "
                            f"such as r1_gamma, lecam_weight and spectral_norm work)")
