"""An autoregressive LSTM generator over token ids: the generator of every discrete-sequence GAN.

One module serves MLE, SeqGAN/ORGAN (REINFORCE with Monte-Carlo rollouts) and the Gumbel-softmax
GANs, so all of them share the same sampling, masking and likelihood code:

* ``log_prob(tokens)`` / ``nll(tokens)``: teacher-forced log-likelihood, positions after the
  first end token masked (fixed-length tasks such as the SeqGAN oracle have no end token);
* ``sample(n, rng, temperature)``: ids [n, max_len], padding after the end token, no gradient;
* ``initial_states(tokens)``: the LSTM state after every prefix (what rollouts start from);
* ``generate(n, rng)``: a differentiable relaxed sample for the core adversarial objectives —
  Gumbel-softmax one-hot vectors [n, max_len, vocab] at inverse temperature beta, annealed from 1
  to ``gumbel_beta_max`` over ``gumbel_steps`` generator updates (RelGAN, Nie et al. 2019). The
  next input is the embedding of the hard (argmax) token, as in RelGAN. The annealing position is
  a buffer counted by the generator itself (it advances on each gradient-enabled ``generate``
  call, i.e. once per generator update), so it is checkpointed with the weights.

Ids in ``forbidden`` (pad, start) get -inf logits: the model can never emit them.

Device: everything a call creates lives on the generator's device (its parameters'); token ids
handed in from elsewhere (test splits, decoded samples) are moved there chunk by chunk, and the
random draws come from ``rng`` on its own device (:mod:`ganbench.core.device`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.core.device import module_device, rand, sample_batch


class SequenceGenerator(nn.Module):
    role = "generator"
    sample_kinds = ("tokens", "smiles")

    @classmethod
    def from_config(cls, task, cfg):
        """Registered as ``lstm-generator``. Config keys: g_emb_dim, g_hidden_dim, gumbel_beta_max,
        gumbel_schedule, steps less pretrain_g_steps (the Gumbel annealing length: the adversarial
        generator updates); the task gives the vocabulary."""
        from ganbench.domains.sequence.relaxation import adversarial_steps
        from ganbench.nets.facts import require_sequence

        require_sequence(task, "lstm-generator")
        return cls(
            task.vocab_size, task.max_len, task.start_id, task.eos_id, task.pad_id,
            emb_dim=int(cfg["g_emb_dim"]), hidden_dim=int(cfg["g_hidden_dim"]), forbidden=task.forbidden,
            gumbel_beta_max=float(cfg["gumbel_beta_max"]), gumbel_steps=adversarial_steps(cfg),
            gumbel_schedule=str(cfg["gumbel_schedule"]),
        )

    def __init__(self, vocab_size: int, max_len: int, start_id: int, eos_id: int | None = None,
                 pad_id: int | None = None, emb_dim: int = 32, hidden_dim: int = 32,
                 forbidden: Sequence[int] = (), gumbel_beta_max: float = 1.0, gumbel_steps: int = 1,
                 gumbel_schedule: str = "exp", init_std: float = 0.1):
        super().__init__()
        if eos_id is not None and pad_id is None:
            raise ValueError("a generator with an end token needs a pad id for the positions after it")
        self.vocab_size, self.max_len = int(vocab_size), int(max_len)
        self.start_id, self.eos_id, self.pad_id = int(start_id), eos_id, pad_id
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, vocab_size)
        mask = torch.zeros(vocab_size)
        mask[list(forbidden)] = float("-inf")
        self.register_buffer("logit_mask", mask, persistent=False)
        self.has_forbidden = bool(len(forbidden))
        self.gumbel_beta_max, self.gumbel_steps = float(gumbel_beta_max), max(1, int(gumbel_steps))
        if gumbel_schedule not in ("exp", "linear", "constant"):
            raise ValueError(f"unknown Gumbel temperature schedule {gumbel_schedule!r}")
        self.gumbel_schedule = gumbel_schedule
        self.register_buffer("gumbel_updates", torch.zeros((), dtype=torch.long))
        self.temperature = 1.0  # softmax temperature of sampling *and* likelihood (quality-diversity sweeps)
        self.reset_parameters(init_std)

    def reset_parameters(self, std: float = 0.1) -> None:
        """SeqGAN's initialisation: every weight and bias N(0, std^2), std 0.1.

        It matters: with PyTorch's defaults (N(0, 1) embeddings) MLE on the SeqGAN oracle reaches
        NLL-oracle 9.54 after 10 epochs instead of 9.25 (SeqGAN's own log: 9.24).
        """
        with torch.no_grad():
            for p in self.parameters():
                p.normal_(0.0, std)

    # -- likelihood --------------------------------------------------------------------------
    def _inputs(self, tokens: torch.Tensor) -> torch.Tensor:
        start = torch.full_like(tokens[:, :1], self.start_id)
        return torch.cat([start, tokens[:, :-1]], dim=1)

    def logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher-forced next-token logits [B, T, V] for target ids ``tokens`` [B, T]."""
        h, _ = self.lstm(self.embedding(self._inputs(tokens)))
        return self._scale(self.out(h) + self.logit_mask)

    def _scale(self, logits: torch.Tensor) -> torch.Tensor:
        return logits if self.temperature == 1.0 else logits / self.temperature

    def token_mask(self, tokens: torch.Tensor) -> torch.Tensor:
        """1.0 at positions up to and including the first end token, 0.0 after it."""
        if self.eos_id is None:
            return torch.ones(tokens.shape, dtype=torch.float32, device=tokens.device)
        is_end = (tokens == self.eos_id).long()
        ended_before = (torch.cumsum(is_end, dim=1) - is_end) > 0
        return (~ended_before).float()

    def log_prob(self, tokens: torch.Tensor) -> torch.Tensor:
        """log p(x_t | x_<t) at each position [B, T], zero after the end token."""
        logp = F.log_softmax(self.logits(tokens).float(), dim=-1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
        mask = self.token_mask(tokens)
        return torch.where(mask > 0, logp, torch.zeros_like(logp))  # padding may be a forbidden (-inf) id

    def nll(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per token (masked positions excluded): the MLE loss."""
        mask = self.token_mask(tokens) > 0
        targets = torch.where(mask, tokens, torch.full_like(tokens, -100))  # -100: ignored
        logits = self.logits(tokens).float()  # a no-op in fp32; under autocast the loss stays fp32
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1), ignore_index=-100)

    @torch.no_grad()
    def nll_sum(self, tokens: torch.Tensor, batch: int = 1000) -> tuple[float, int]:
        """(total NLL in nats, number of scored tokens) over many sequences, in batches (each moved
        to the generator's device: the sequences may live anywhere)."""
        total, count = 0.0, 0
        device = module_device(self)
        for i in range(0, len(tokens), batch):
            chunk = tokens[i:i + batch].to(device)
            total += float(-self.log_prob(chunk).double().sum())
            count += int(self.token_mask(chunk).sum())
        return total, count

    # -- step-by-step decoding ---------------------------------------------------------------
    def step(self, ids: torch.Tensor, state=None):
        """Feed one token per row ([B]); returns (logits [B, V], new state)."""
        h, state = self.lstm(self.embedding(ids).unsqueeze(1), state)
        logits = self.out(h.squeeze(1))
        return self._scale(logits + self.logit_mask if self.has_forbidden else logits), state

    def initial_states(self, tokens: torch.Tensor):
        """(h, c), each [T, B, H]: the state after the inputs start, x_1..x_t, for t = 0..T-1.

        State t gives the distribution of token t+1 (0-based index t); a rollout that keeps the
        first t tokens of a sequence starts from state t.
        """
        inputs = self._inputs(tokens)
        hs, cs, state = [], [], None
        for t in range(tokens.shape[1]):
            _, state = self.lstm(self.embedding(inputs[:, t:t + 1]), state)
            hs.append(state[0][0])
            cs.append(state[1][0])
        return torch.stack(hs), torch.stack(cs)

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, temperature: float | None = None, batch: int | None = None) -> torch.Tensor:
        """n sequences of ids [n, max_len] (pad after the end token) on the generator's device, in
        batches of ``batch`` (1,000 on the CPU, larger elsewhere); ``temperature`` overrides the
        generator's own for this call."""
        if temperature is not None and temperature != self.temperature:
            with self.temperature_scaled(temperature):
                return self.sample(n, rng, batch=batch)
        device = module_device(self)
        batch = batch or sample_batch(device, 1000)
        parts = []
        for i in range(0, n, batch):
            m = min(batch, n - i)
            ids = torch.full((m,), self.start_id, dtype=torch.long, device=device)
            out = torch.empty(m, self.max_len, dtype=torch.long, device=device)
            done = torch.zeros(m, dtype=torch.bool, device=device)
            state = None
            for t in range(self.max_len):
                logits, state = self.step(ids, state)
                ids = sample_categorical(logits, rng)
                ids = self._after_end(ids, done)
                out[:, t] = ids
                if self.eos_id is not None:
                    done = done | (ids == self.eos_id)
            parts.append(out)
        return torch.cat(parts) if parts else torch.empty(0, self.max_len, dtype=torch.long, device=device)

    @contextmanager
    def temperature_scaled(self, temperature: float):
        """Temporarily divide all logits by ``temperature`` (sampling and NLL alike)."""
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        old, self.temperature = self.temperature, float(temperature)
        try:
            yield self
        finally:
            self.temperature = old

    def _after_end(self, ids: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
        if self.eos_id is None:
            return ids
        return torch.where(done, torch.full_like(ids, self.pad_id), ids)

    # -- relaxed samples for the adversarial objectives --------------------------------------
    def gumbel_beta(self) -> float:
        """Current inverse temperature: 1 -> gumbel_beta_max over gumbel_steps updates (RelGAN)."""
        frac = min(1.0, float(self.gumbel_updates) / self.gumbel_steps)
        if self.gumbel_schedule == "constant":
            return self.gumbel_beta_max
        if self.gumbel_schedule == "linear":
            return 1.0 + (self.gumbel_beta_max - 1.0) * frac
        return self.gumbel_beta_max ** frac

    def generate(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """Differentiable Gumbel-softmax one-hot vectors [n, max_len, V] (hard tokens fed back)."""
        beta = self.gumbel_beta()
        if torch.is_grad_enabled():
            self.gumbel_updates += 1
        device = module_device(self)
        ids = torch.full((n,), self.start_id, dtype=torch.long, device=device)
        done = torch.zeros(n, dtype=torch.bool, device=device)
        state, outs = None, []
        for _ in range(self.max_len):
            logits, state = self.step(ids, state)
            u = rand(logits.shape, generator=rng, device=device).clamp_(1e-10, 1.0)
            perturbed = logits - torch.log(-torch.log(u))
            soft = F.softmax(beta * perturbed, dim=-1)
            ids = self._after_end(perturbed.argmax(-1), done)
            if self.eos_id is not None:
                pad = F.one_hot(torch.full_like(ids, self.pad_id), self.vocab_size).to(soft.dtype)
                soft = torch.where(done.unsqueeze(-1), pad, soft)
                done = done | (ids == self.eos_id)
            outs.append(soft)
        return torch.stack(outs, dim=1)


def sample_categorical(logits: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """One draw per row from softmax(logits), by inverse CDF (faster than multinomial on CPU).

    -inf logits have probability exactly 0 and are never drawn.
    """
    weights = (logits - logits.max(dim=-1, keepdim=True).values).exp_()
    cdf = torch.cumsum(weights, dim=-1)
    u = rand((cdf.shape[0], 1), generator=rng, device=cdf.device, dtype=cdf.dtype) * cdf[:, -1:]
    ids = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return ids.clamp_max(logits.shape[-1] - 1)

