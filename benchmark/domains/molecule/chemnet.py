"""ChemNet activations for the Fréchet ChemNet Distance: the reference network's numbers, faster.

ChemNet (Preuer et al. 2018; weights shipped in the ``fcd`` package) reads a SMILES one-hot
encoded (35 symbols, values 1/35) and padded to 350 positions, then: two stride-2 convolutions
(no bias, SELU) -> 88 positions of 32 features -> an LSTM(128) run *backwards* -> an LSTM(512)
run forwards over its outputs -> the last hidden state (512 numbers). Padding changes that
output (the LSTMs keep running over it), so it cannot be cut. What we exploit instead, exactly:

* the convolutions have no bias and SELU(0) = 0, so every position past a SMILES' last
  non-zero one is exactly 0 — identical for all molecules;
* the first LSTM runs backwards, so it reads that zero tail *first*, from a zero state: its
  states over the tail are one fixed trajectory, computed once; each molecule starts from the
  trajectory point for its own tail length and only runs over its ~15 real positions;
* the second LSTM's inputs at tail positions are those fixed trajectory states, so their input
  projections (W_ih·x + b) are one precomputed table, and only the real positions need a GEMM;
* molecules are processed in large batches sorted by length (one [B, 512] × [512, 2048] GEMM
  per step carries the cost), duplicates are computed once and weighted.

Device: :class:`ChemNet` runs on any device (``device=``, CPU by default); the token ids are
staged on the host, the whole network runs on the device, and only the activations come back.

Tokenisation follows the tool that defines each metric (they differ on odd input): MOSES'
``fcd_torch`` (two-letter symbols by the next letter r/i/l; reads up to the first '.'; at most
349 symbols) and the ``fcd`` package GuacaMol uses (regex over the vocabulary; '.' is a symbol;
every SMILES of a set padded to max(350, longest + 1)). Both divide the one-hot by 35.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

VOCAB = ["C", "N", "O", "H", "F", "Cl", "P", "B", "Br", "S", "I", "Si", "#", "(", ")", "+", "-", "1", "2", "3",
         "4", "5", "6", "7", "8", "=", "[", "]", "@", "c", "n", "o", "s", "X", "."]
INDEX = {s: i for i, s in enumerate(VOCAB)}
UNK, END = INDEX["X"], INDEX["."]
PAD_LEN = 350
_FCD_REGEX = re.compile("|".join(re.escape(s) for s in sorted(sorted(VOCAB), key=len, reverse=True)) + "|.")


def tokens_moses(smiles: str, pad_len: int = PAD_LEN) -> list[int]:
    """Symbol ids as ``fcd_torch.utils.get_one_hot`` writes them (end symbol included)."""
    s = smiles + "."
    out, src = [], 0
    while True:
        if s[src + 1] in "ril":
            sym, src = s[src:src + 2], src + 2
        else:
            sym, src = s[src], src + 1
        out.append(INDEX.get(sym, UNK))
        if s[src] == "." or len(out) == pad_len - 1:
            out.append(END)
            return out


def tokens_fcd(smiles: str) -> list[int]:
    """Symbol ids as the ``fcd`` package's ``get_one_hot`` writes them (end symbol included)."""
    return [INDEX.get(t, UNK) for t in _FCD_REGEX.findall(smiles + ".")]


def chemnet_weights_file() -> Path:
    """The ``fcd`` package's ChemNet_v0.13_pretrained.pt (its identity is part of shipped FCD statistics)."""
    import importlib.util

    spec = importlib.util.find_spec("fcd")
    if spec is None or not spec.origin:
        from ganbench.core.errors import UserError

        raise UserError("FCD needs the ChemNet weights of the 'fcd' package: pip install fcd (or ganbench[molecule])")
    return Path(spec.origin).parent / "ChemNet_v0.13_pretrained.pt"


@lru_cache(maxsize=1)
def chemnet_weights() -> dict[str, torch.Tensor]:
    """The ChemNet weights from the ``fcd`` package's ChemNet_v0.13_pretrained.pt (weights only)."""
    layers = torch.load(chemnet_weights_file(), map_location="cpu", weights_only=True)
    kinds = [kind for kind, _ in layers]
    if kinds != ["Conv1d", "Conv1d", "LSTM", "LSTM"]:  # pragma: no cover - a different ChemNet
        raise RuntimeError(f"unexpected ChemNet layout {kinds}")
    (c1, _, o1), (c2, _, o2), (l1, _, i1), (l2, _, i2) = [cfg for _, cfg in layers]
    assert o1["activation"] == o2["activation"] == "selu" and i1["reverse"] and i2["reverse"] and i2["last"]
    return {"conv1": c1["weight"].float(), "conv2": c2["weight"].float(),
            **{f"l1_{k}": v.float() for k, v in l1.items()}, **{f"l2_{k}": v.float() for k, v in l2.items()}}


def _same_pad(length: int, kernel: int = 4, stride: int = 2) -> tuple[int, int]:
    """Keras 'same' padding for a stride-2 convolution, as ChemNet's converted model pads."""
    pad = max(kernel - (stride if length % stride == 0 else length % stride), 0)
    return pad // 2, pad - pad // 2


def _cell(gates: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """PyTorch's LSTM cell (gate order i, f, g, o), in place on ``gates``; returns (h, c)."""
    n = gates.shape[1] // 4
    gates[:, :2 * n].sigmoid_()
    gates[:, 2 * n:3 * n].tanh_()
    gates[:, 3 * n:].sigmoid_()
    i, f, g, o = gates[:, :n], gates[:, n:2 * n], gates[:, 2 * n:3 * n], gates[:, 3 * n:]
    c = torch.addcmul(i * g, f, c)
    return o * torch.tanh(c), c


class ChemNet:
    """Activations of ChemNet's last layer for lists of token-id sequences of one padded length."""

    def __init__(self, pad_len: int = PAD_LEN, batch: int = 1024, device: str | torch.device | None = None):
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        w = {k: v.to(self.device) for k, v in chemnet_weights().items()}
        self.w, self.pad_len, self.batch = w, int(pad_len), int(batch)
        self.p1 = _same_pad(self.pad_len)
        n1 = (self.pad_len + sum(self.p1) - 4) // 2 + 1
        self.p2 = _same_pad(n1)
        self.T = (n1 + sum(self.p2) - 4) // 2 + 1  # LSTM steps (88 for 350)
        self.wih1, self.whh1 = w["l1_weight_ih_l0"].T.contiguous(), w["l1_weight_hh_l0"].T.contiguous()
        self.b1 = w["l1_bias_ih_l0"] + w["l1_bias_hh_l0"]
        self.wih2, self.whh2 = w["l2_weight_ih_l0"].T.contiguous(), w["l2_weight_hh_l0"].T.contiguous()
        self.b2 = w["l2_bias_ih_l0"] + w["l2_bias_hh_l0"]
        with torch.no_grad():
            self._tail_trajectory()

    def _tail_trajectory(self) -> None:
        """States of LSTM1 after k = 0..T zero inputs from a zero state; LSTM2's input table."""
        h = torch.zeros(1, 128, device=self.device)
        c = torch.zeros(1, 128, device=self.device)
        hs, cs = [h], [c]
        for _ in range(self.T):
            h, c = _cell(self.b1 + h @ self.whh1, c)
            hs.append(h)
            cs.append(c)
        self.z_h, self.z_c = torch.cat(hs), torch.cat(cs)  # [T + 1, 128]
        # tail position p (0-based, original order) holds LSTM1's state after T - p zero steps
        tail_inputs = self.z_h[self.T - torch.arange(self.T, device=self.device)]  # [T, 128]
        self.tail_x2 = tail_inputs @ self.wih2 + self.b2  # [T, 2048]

    @torch.no_grad()
    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """Conv features [B, T, 32] of one-hot ids [B, pad_len] (pad id -1 -> all-zero column)."""
        onehot = torch.zeros(ids.shape[0], 35, self.pad_len, device=ids.device)
        rows, cols = torch.nonzero(ids >= 0, as_tuple=True)
        onehot[rows, ids[rows, cols], cols] = 1.0 / 35.0
        x = F.selu(F.conv1d(F.pad(onehot, self.p1), self.w["conv1"], stride=2))
        x = F.selu(F.conv1d(F.pad(x, self.p2), self.w["conv2"], stride=2))
        return x.transpose(1, 2).contiguous()

    @torch.no_grad()
    def forward_sorted(self, feats: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """LSTM1 (backwards) + LSTM2 for features sorted by non-zero length, longest first."""
        B, T, dev = feats.shape[0], self.T, feats.device
        lens = lengths.tolist()  # the loop bounds, read once on the host
        Lmax = int(lens[0]) if B else 0
        # LSTM1 over real positions p = L_i - 1 .. 0; molecules join as p reaches their length
        o1 = torch.empty(B, max(Lmax, 1), 128, device=dev)
        h = torch.empty(B, 128, device=dev)
        c = torch.empty(B, 128, device=dev)
        active = 0
        for p in range(Lmax - 1, -1, -1):
            start = active
            while active < B and int(lens[active]) > p:
                active += 1
            if active > start:  # joined after T - (p + 1) zero steps
                h[start:active] = self.z_h[T - p - 1]
                c[start:active] = self.z_c[T - p - 1]
            gates = torch.addmm(self.b1, feats[:active, p], self.wih1)
            gates.addmm_(h[:active], self.whh1)
            h[:active], c[:active] = _cell(gates, c[:active])
            o1[:active, p] = h[:active]
        # LSTM2 forwards over all T positions; real positions of the first n_real(p) molecules
        n_real = [sum(1 for L in lens if L > p) for p in range(T)]
        h2 = torch.zeros(B, 512, device=dev)
        c2 = torch.zeros(B, 512, device=dev)
        gates = torch.empty(B, 2048, device=dev)
        for p in range(T):
            torch.mm(h2, self.whh2, out=gates)
            k = n_real[p]
            if k:
                gates[:k].addmm_(o1[:k, p], self.wih2)
                gates[:k] += self.b2
            if k < B:
                gates[k:] += self.tail_x2[p]
            h2, c2 = _cell(gates, c2)
        return h2

    def activations(self, sequences: list[list[int]], progress=None) -> np.ndarray:
        """[N, 512] float32 activations, rows in input order (a host array); ``progress(n)`` after each batch."""
        n = len(sequences)
        out = np.zeros((n, 512), dtype=np.float32)
        if n == 0:
            return out
        order = np.argsort([-len(s) for s in sequences], kind="stable")
        for start in range(0, n, self.batch):
            idx = order[start:start + self.batch]
            ids = np.full((len(idx), self.pad_len), -1, dtype=np.int64)  # staged on the host
            for r, i in enumerate(idx):
                seq = sequences[i]
                ids[r, :len(seq)] = seq
            feats = self.features(torch.as_tensor(ids, device=self.device))
            nz = feats.abs().amax(dim=2) > 0  # [B, T]
            pos = torch.arange(1, self.T + 1, device=self.device).expand_as(nz)
            lengths = (nz * pos).amax(dim=1)  # 1 + last non-zero position (0 if none)
            sub = torch.argsort(-lengths, stable=True)
            h = self.forward_sorted(feats[sub], lengths[sub])
            res = torch.empty_like(h)
            res[sub] = h
            out[idx] = res.cpu().numpy()
            if progress is not None:
                progress(len(idx))
        return out


def moses_activations(smiles: list[str], batch: int = 1024, device: str | torch.device | None = None,
                      progress=None) -> np.ndarray:
    """ChemNet activations of canonical SMILES the way MOSES (fcd_torch) computes them."""
    return ChemNet(PAD_LEN, batch, device).activations([tokens_moses(s) for s in smiles], progress)


def fcd_package_activations(smiles: list[str], batch: int = 1024, device: str | torch.device | None = None) -> np.ndarray:
    """ChemNet activations as ``fcd.get_predictions`` computes them (GuacaMol's FCD)."""
    seqs = [tokens_fcd(s) for s in smiles]
    pad = max([PAD_LEN] + [len(s) + 1 for s in smiles])  # fcd pads the whole list to this
    return ChemNet(pad, batch, device).activations(seqs)


def weighted_moments(act: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (``np.cov``) of rows repeated ``weights`` times, float64."""
    x = act.astype(np.float64)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    n = w.sum()
    mu = (w[:, None] * x).sum(axis=0) / n
    xc = x - mu
    sigma = (xc * w[:, None]).T @ xc / (n - 1)
    return mu, sigma
