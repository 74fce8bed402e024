"""REINFORCE with Monte-Carlo rollouts (SeqGAN, Yu et al. 2017): per-token rewards for a sequence.

The reward of token t of a sampled sequence is the mean reward of ``n_rollouts`` completions of
its first t tokens sampled from a rollout policy; the last token's reward is the reward of the
sequence itself. Rewards come from any callable ``reward_fn(tokens [N, T]) -> [N]`` — SeqGAN
uses the discriminator's probability of "real", ORGAN mixes it with a chemistry score.

All rollouts of a batch run at once: the rows (prefix length t, rollout r, sequence b) are
ordered by t, so at continuation step s only the leading rows with ``t + s < T`` are still
generating and we slice them instead of masking (half the work of the naive batched loop, and
no Python loop over prefixes or rollouts). Sequences whose prefix already holds the end token
are completed with padding, as the generator itself would. Everything runs on the device of
``tokens`` (the generator's); the rewards come back there too.
"""

from __future__ import annotations

from typing import Callable

import torch

from ganbench.domains.sequence.generator import SequenceGenerator, sample_categorical

RewardFn = Callable[[torch.Tensor], torch.Tensor]


@torch.no_grad()
def rollout_completions(G: SequenceGenerator, tokens: torch.Tensor, n_rollouts: int, rng: torch.Generator) -> torch.Tensor:
    """Completions [T-1, n_rollouts, B, T]: entry [t-1, r, b] keeps the first t tokens of row b."""
    B, T = tokens.shape
    R = int(n_rollouts)
    if T < 2:
        return tokens.new_empty(0, R, B, T)
    h_all, c_all = G.initial_states(tokens)  # [T, B, H]; state t predicts index t
    device = tokens.device
    prefix = torch.arange(1, T, device=device).repeat_interleave(R * B)  # row -> prefix length t (ascending)
    h = h_all[1:].unsqueeze(1).expand(T - 1, R, B, -1).reshape(-1, h_all.shape[-1]).contiguous()
    c = c_all[1:].unsqueeze(1).expand(T - 1, R, B, -1).reshape(-1, c_all.shape[-1]).contiguous()
    out = tokens.unsqueeze(0).expand((T - 1) * R, B, T).reshape(-1, T).clone()
    if G.eos_id is not None:
        ended = (torch.cumsum((tokens == G.eos_id).long(), dim=1) > 0)  # [B, T]: end token at or before
        done = ended[:, :-1].T.unsqueeze(1).expand(T - 1, R, B).reshape(-1).clone()  # prefix t holds it
    else:
        done = torch.zeros(len(out), dtype=torch.bool, device=device)
    rows = torch.arange(len(out), device=device)
    for s in range(T - 1):
        k = (T - 1 - s) * R * B  # rows with t + s <= T - 1
        logits = G.out(h[:k]) + G.logit_mask
        ids = sample_categorical(logits, rng)
        if G.eos_id is not None:
            ids = torch.where(done[:k], torch.full_like(ids, G.pad_id), ids)
            done[:k] |= ids == G.eos_id
        out[rows[:k], prefix[:k] + s] = ids
        if s < T - 2:
            _, (hn, cn) = G.lstm(G.embedding(ids).unsqueeze(1), (h[:k].unsqueeze(0), c[:k].unsqueeze(0)))
            h[:k], c[:k] = hn[0], cn[0]
    return out.view(T - 1, R, B, T)


@torch.no_grad()
def rollout_rewards(G: SequenceGenerator, tokens: torch.Tensor, reward_fn: RewardFn, n_rollouts: int,
                    rng: torch.Generator, chunk: int = 8192) -> torch.Tensor:
    """Per-token rewards [B, T] for sampled ``tokens`` [B, T] (mean over rollouts)."""
    B, T = tokens.shape
    comp = rollout_completions(G, tokens, n_rollouts, rng).reshape(-1, T)
    scores = (torch.cat([reward_fn(comp[i:i + chunk]).float().to(tokens.device) for i in range(0, len(comp), chunk)])
              if len(comp) else torch.empty(0, device=tokens.device))
    per_prefix = scores.view(T - 1, n_rollouts, B).mean(dim=1).T  # [B, T-1]
    last = reward_fn(tokens).float().to(tokens.device).view(B, 1)
    return torch.cat([per_prefix, last], dim=1)


def policy_gradient_loss(G: SequenceGenerator, tokens: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
    """SeqGAN's generator loss: -sum_t log G(x_t | x_<t) * Q_t, summed over tokens, mean over sequences."""
    return -(G.log_prob(tokens) * rewards).sum(dim=1).mean()
