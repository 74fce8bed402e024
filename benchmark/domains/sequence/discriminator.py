"""SeqGAN's CNN discriminator over token sequences (Kim 2014 text CNN with a highway layer).

Published sizes (SeqGAN ``sequence_gan.py``): embedding 64; filter widths 1..10, 15, 20 with
100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160 filters; ReLU, max-over-time pooling,
one highway layer, dropout 0.25 (keep 0.75), and L2 0.2 on the output layer (applied by the
objective, see :meth:`CNNDiscriminator.l2_penalty`). The output is one logit (SeqGAN's
two-class softmax is the same model: only the logit difference matters).

Input is either token ids [B, T] (real data, the samples of REINFORCE methods) or a relaxed
one-hot tensor [B, T, V] (Gumbel-softmax samples): both are embedded by the same matrix, a
one-hot row times the embedding equals the embedding lookup. Sequences shorter than the widest
filter are padded with ``pad_id``.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

SEQGAN_FILTER_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20)
SEQGAN_NUM_FILTERS = (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160)


class CNNDiscriminator(nn.Module):
    role = "discriminator"
    sample_kinds = ("tokens", "smiles")

    @classmethod
    def from_config(cls, task, cfg):
        """Registered as ``cnn-discriminator``. Config keys: d_emb_dim, d_filter_sizes, d_num_filters,
        d_dropout; the task gives the vocabulary size and pad id."""
        from ganbench.core.errors import UserError
        from ganbench.nets.facts import require_sequence

        require_sequence(task, "cnn-discriminator")
        sizes, nums = list(cfg["d_filter_sizes"]), list(cfg["d_num_filters"])
        if len(sizes) != len(nums) or not sizes:
            raise UserError("d_filter_sizes and d_num_filters must be non-empty lists of the same length")
        return cls(task.vocab_size, int(cfg["d_emb_dim"]), sizes, nums, float(cfg["d_dropout"]),
                   pad_id=task.pad_id if task.pad_id is not None else 0)

    def __init__(self, vocab_size: int, emb_dim: int = 64, filter_sizes: Sequence[int] = SEQGAN_FILTER_SIZES,
                 num_filters: Sequence[int] = SEQGAN_NUM_FILTERS, dropout: float = 0.25, pad_id: int = 0):
        super().__init__()
        if len(filter_sizes) != len(num_filters):
            raise ValueError("filter_sizes and num_filters must have the same length")
        self.vocab_size, self.pad_id = int(vocab_size), int(pad_id)
        self.min_len = max(filter_sizes)
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, n, k) for k, n in zip(filter_sizes, num_filters))
        total = sum(num_filters)
        self.highway = nn.Linear(total, 2 * total)  # transform and gate halves
        with torch.no_grad():
            self.highway.bias[total:].fill_(-2.0)  # SeqGAN's highway bias: start close to identity
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(total, 1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype in (torch.long, torch.int, torch.int32, torch.int64):
            if x.shape[1] < self.min_len:
                x = F.pad(x, (0, self.min_len - x.shape[1]), value=self.pad_id)
            return self.embedding(x)
        if x.shape[1] < self.min_len:  # relaxed one-hot: pad with one-hot pad rows
            pad = F.one_hot(torch.full(x.shape[:1] + (self.min_len - x.shape[1],), self.pad_id, dtype=torch.long,
                                       device=x.device), self.vocab_size).to(x.dtype)
            x = torch.cat([x, pad], dim=1)
        return x @ self.embedding.weight

    def features(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embed(x).transpose(1, 2)  # [B, E, T]
        pooled = torch.cat([F.relu(conv(e)).amax(dim=2) for conv in self.convs], dim=1)
        transform, gate = self.highway(pooled).chunk(2, dim=1)
        gate = torch.sigmoid(gate)
        return gate * F.relu(transform) + (1 - gate) * pooled

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One logit per sequence (higher: more likely real)."""
        return self.out(self.dropout(self.features(x))).squeeze(-1)

    def l2_penalty(self) -> torch.Tensor:
        """SeqGAN's ``l2_loss(W) + l2_loss(b)`` of the output layer (sum of squares / 2)."""
        return 0.5 * (self.out.weight.pow(2).sum() + self.out.bias.pow(2).sum())
