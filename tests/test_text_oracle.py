"""The SeqGAN oracle: our torch mapping against a NumPy implementation of its published equations,
and its entropy rate against the measured 5.75 nats per token (uses the shared data if present)."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.core.errors import UserError
from ganbench.domains.text.oracle import NAMES, load_oracle, oracle_from_arrays, random_oracle

ORACLE = Path(os.environ.get("GANBENCH_DATA", "/nonexistent")) / "seqgan-oracle" / "oracle_lstm_l20.npz"


def numpy_log_probs(z, seqs, start=0):
    """SeqGAN's equations, written out: row vectors, h0 = c0 = 0, input = embedding of previous token."""
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    B, T = seqs.shape
    H = z["U_input"].shape[0]
    h, c = np.zeros((B, H)), np.zeros((B, H))
    prev = np.full(B, start)
    out = np.zeros((B, T))
    for t in range(T):
        x = z["embedding"][prev].astype(np.float64)
        i = sig(x @ z["W_input"] + h @ z["U_input"] + z["b_input"])
        f = sig(x @ z["W_forget"] + h @ z["U_forget"] + z["b_forget"])
        o = sig(x @ z["W_output_gate"] + h @ z["U_output_gate"] + z["b_output_gate"])
        c = f * c + i * np.tanh(x @ z["W_cell"] + h @ z["U_cell"] + z["b_cell"])
        h = o * np.tanh(c)
        logits = h @ z["W_vocab"] + z["b_vocab"]
        logits -= logits.max(1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        out[:, t] = logp[np.arange(B), seqs[:, t]]
        prev = seqs[:, t]
    return out


def test_mapping_matches_the_equations_on_a_random_oracle():
    rng = np.random.default_rng(0)
    shapes = {"embedding": (50, 6), "W_vocab": (5, 50), "b_vocab": (50,)}
    for g in ("input", "forget", "output_gate", "cell"):
        shapes.update({f"W_{g}": (6, 5), f"U_{g}": (5, 5), f"b_{g}": (5,)})
    z = {k: rng.standard_normal(shapes[k]).astype(np.float32) for k in NAMES}
    net = oracle_from_arrays(z, max_len=7)
    seqs = net.sample(64, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(net.log_prob(seqs).double().numpy(), numpy_log_probs(z, seqs.numpy()), atol=2e-5)


def test_missing_arrays_are_a_user_error():
    with pytest.raises(UserError, match="lacks arrays"):
        oracle_from_arrays({"embedding": np.zeros((3, 2))})


def test_random_oracle_is_seeded():
    a, b = random_oracle(3, vocab_size=20, emb_dim=4, hidden_dim=4, max_len=5), random_oracle(3, 20, 4, 4, 5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


needs_oracle = pytest.mark.skipif(not ORACLE.is_file(), reason="SeqGAN oracle npz not available (set GANBENCH_DATA)")


@needs_oracle
def test_canonical_oracle_matches_the_equations():
    with np.load(ORACLE) as z:
        arrays = {k: z[k] for k in z.files}
    net = load_oracle(ORACLE)
    seqs = net.sample(100, torch.Generator().manual_seed(1))
    np.testing.assert_allclose(net.log_prob(seqs).double().numpy(), numpy_log_probs(arrays, seqs.numpy()), atol=1e-4)


@needs_oracle
def test_entropy_rate_on_2000_samples():
    net = load_oracle(ORACLE)
    total, count = net.nll_sum(net.sample(2000, torch.Generator().manual_seed(5)))
    assert count == 2000 * 20
    assert total / count == pytest.approx(5.752, abs=0.05)  # measured on 10,000 samples: 5.752


@needs_oracle
@pytest.mark.slow
def test_entropy_rate_on_10000_samples():
    net = load_oracle(ORACLE)
    total, count = net.nll_sum(net.sample(10_000, torch.Generator().manual_seed(6)))
    assert total / count == pytest.approx(5.752, abs=0.02)


def test_building_an_oracle_leaves_the_global_rng_alone():
    torch.manual_seed(0)
    a = torch.rand(3)
    torch.manual_seed(0)
    random_oracle(1, vocab_size=30, emb_dim=4, hidden_dim=4, max_len=5)
    assert torch.equal(torch.rand(3), a)
