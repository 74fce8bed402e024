"""SeqGAN (Yu et al., AAAI 2017): MLE pre-training, discriminator pre-training, then REINFORCE.

Phases by global step, so the trainer stays one loop and a resumed run lands in the right phase:

1. ``pretrain_g_steps`` MLE minibatch updates of the generator;
2. ``pretrain_d_steps`` discriminator updates (real batch vs a fresh generator batch);
3. the rest of ``steps``: one policy-gradient update of the generator with per-token rewards
   from ``rollouts`` Monte-Carlo completions by a delayed copy of the generator (SeqGAN's
   rollout network: its weights follow the generator's with rate ``rollout_update_rate`` 0.8,
   embedding copied), then ``n_dis`` discriminator updates.

Optimisers as published: generator Adam 0.01 with gradient clipping at 5 (a fresh Adam state at
the start of the adversarial phase, as SeqGAN's separate optimiser), discriminator Adam 1e-4 with
L2 0.2 on its output layer. SeqGAN's 3 epochs over 10,000 fresh negatives per discriminator round
become one fresh batch per update here (``n_dis`` rounds per generator update).

Extending: the reward is :meth:`SeqGAN.make_reward`, a callable ``tokens [N, T] -> [N]`` built
once per generator update. ORGAN subclasses SeqGAN and mixes ``lambda * D + (1 - lambda) * R``
there; nothing else changes.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, ClassVar, Mapping

import torch
import torch.nn.functional as F

from ganbench.core.errors import UserError
from ganbench.objectives.base import Objective, forward_precision
from ganbench.domains.sequence.mle import check_sequence_task, mle_phase
from ganbench.domains.sequence.rollout import policy_gradient_loss, rollout_rewards
from ganbench.domains.sequence.batches import as_ids


class SeqGAN(Objective):
    name = "seqgan"
    summary = "SeqGAN: MLE pre-training, then REINFORCE with Monte-Carlo rollouts and a CNN discriminator"
    needs_continuous = False
    defaults: ClassVar[Mapping[str, Any]] = {
        "lr_g": 1e-2, "lr_d": 1e-4, "beta1": 0.9, "beta2": 0.999, "grad_clip": 5.0,
        "pretrain_g_steps": 1000, "pretrain_d_steps": 500, "rollouts": 16, "rollout_update_rate": 0.8,
        "n_dis": 5, "d_l2": 0.2,
    }

    def __init__(self) -> None:
        self._rollout_net = None
        self._owner = None

    def check(self, task, cfg) -> None:
        check_sequence_task(self, task)
        pre = int(cfg["pretrain_g_steps"]) + int(cfg["pretrain_d_steps"])
        if int(cfg["steps"]) <= pre:
            raise UserError(
                f"{self.name}: steps ({cfg['steps']}) must exceed pretrain_g_steps + pretrain_d_steps ({pre}) "
                f"to leave an adversarial phase; raise --steps or lower the pre-training steps"
            )
        if int(cfg["rollouts"]) < 1:
            raise UserError(f"{self.name}: rollouts must be at least 1, got {cfg['rollouts']}")
        if not 0.0 <= float(cfg["rollout_update_rate"]) < 1.0:
            raise UserError(f"{self.name}: rollout_update_rate must lie in [0, 1), got {cfg['rollout_update_rate']}")

    # -- phases ----------------------------------------------------------------------------
    def step(self, state) -> dict[str, float]:
        cfg = state.cfg
        pre_g, pre_d = int(cfg["pretrain_g_steps"]), int(cfg["pretrain_d_steps"])
        if state.step < pre_g:
            return self.pretrain_g(state, pre_g)
        if state.step < pre_g + pre_d:
            return self.d_update(state)
        if state.step == pre_g + pre_d:
            state.opt_g.state.clear()  # SeqGAN's adversarial updates use their own Adam
        logs = self.g_update(state)
        for _ in range(int(cfg["n_dis"])):
            logs.update(self.d_update(state))
        return logs

    def pretrain_g(self, state, pre_g: int) -> dict[str, float]:
        """MLE phase; loads the shared snapshot of an identical MLE run when one exists."""
        return mle_phase(state, pre_g)

    def d_update(self, state) -> dict[str, float]:
        G, D, bs = state.G, state.D, int(state.cfg["batch_size"])
        real = as_ids(state.real_batch())
        fake = G.sample(bs, state.rng)
        D.train()
        with forward_precision(state):
            loss = 0.5 * (F.softplus(-D(real).float()).mean() + F.softplus(D(fake).float()).mean())
        total = loss + float(state.cfg["d_l2"]) * D.l2_penalty()
        norm = state.optimize("d", total)
        return {"loss_d": float(loss.detach()), "grad_norm_d": norm}

    def make_reward(self, state) -> Callable[[torch.Tensor], torch.Tensor]:
        """tokens [N, T] -> reward [N]: the discriminator's probability that they are real."""
        D = state.D

        def reward(tokens: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(D(tokens))

        return reward

    def g_update(self, state) -> dict[str, float]:
        cfg, G, D = state.cfg, state.G, state.D
        roll = self.rollout_net(state)
        tokens = G.sample(int(cfg["batch_size"]), state.rng)
        was_training = D.training
        D.eval()
        try:
            rewards = rollout_rewards(roll, tokens, self.make_reward(state), int(cfg["rollouts"]), state.rng)
        finally:
            D.train(was_training)
        with forward_precision(state):
            loss = policy_gradient_loss(G, tokens, rewards)
        norm = state.optimize("g", loss, clip=float(cfg["grad_clip"]) or None)
        self.update_rollout_net(state)
        mask = G.token_mask(tokens)
        return {"loss_g": float(loss.detach()), "grad_norm_g": norm,
                "reward": float((rewards * mask).sum() / mask.sum())}

    # -- the delayed rollout policy ------------------------------------------------------------
    def rollout_net(self, state):
        rate = float(state.cfg["rollout_update_rate"])
        if rate == 0.0:
            return state.G
        if self._rollout_net is None or self._owner is not state:
            self._rollout_net = copy.deepcopy(state.G).eval()
            self._owner = state
            saved = state.extras.get("rollout_g")
            if saved:  # resumed run: continue from the checkpointed rollout weights
                self._rollout_net.load_state_dict(saved)
            for p in self._rollout_net.parameters():
                p.requires_grad_(False)
            state.extras["rollout_g"] = self._rollout_net.state_dict()
        return self._rollout_net

    @torch.no_grad()
    def update_rollout_net(self, state) -> None:
        rate = float(state.cfg["rollout_update_rate"])
        if rate == 0.0:
            return
        roll = self.rollout_net(state)
        for (name, pr), pg in zip(roll.named_parameters(), state.G.parameters()):
            if name.startswith("embedding"):
                pr.copy_(pg)  # SeqGAN copies the embedding and smooths the rest
            else:
                pr.mul_(rate).add_(pg, alpha=1 - rate)
