"""The shared sequence generator: likelihood, masking, sampling, temperature, Gumbel relaxation."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganbench.domains.sequence.discriminator import CNNDiscriminator
from ganbench.domains.sequence.generator import SequenceGenerator, sample_categorical
from ganbench.domains.sequence.vocab import Vocabulary


def small(eos=True, **kw):
    torch.manual_seed(0)
    if eos:
        return SequenceGenerator(8, 6, start_id=1, eos_id=2, pad_id=0, emb_dim=5, hidden_dim=7, forbidden=(0, 1), **kw)
    return SequenceGenerator(8, 6, start_id=0, emb_dim=5, hidden_dim=7, **kw)


def stepwise_log_probs(G, tokens):
    """Reference: feed tokens one at a time through G.step and read log-softmax of each target."""
    ids, state, out = torch.full((tokens.shape[0],), G.start_id), None, []
    for t in range(tokens.shape[1]):
        logits, state = G.step(ids, state)
        out.append(F.log_softmax(logits, -1).gather(1, tokens[:, t:t + 1]).squeeze(1))
        ids = tokens[:, t]
    return torch.stack(out, 1)


def test_teacher_forced_log_probs_equal_stepwise_decoding_with_mask_after_end():
    G = small()
    tokens = torch.tensor([[4, 5, 2, 0, 0, 0], [3, 3, 3, 3, 3, 2], [6, 2, 0, 0, 0, 0]])
    ref = stepwise_log_probs(G, tokens)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]], dtype=torch.float)
    assert torch.equal(G.token_mask(tokens), mask)
    lp = G.log_prob(tokens)
    torch.testing.assert_close(lp, torch.where(mask > 0, ref, torch.zeros_like(ref)))
    assert G.nll(tokens).item() == pytest.approx(-(lp.sum() / mask.sum()).item(), rel=1e-6)
    total, count = G.nll_sum(tokens, batch=2)
    assert count == 11 and total == pytest.approx(-lp.sum().item(), rel=1e-6)


def test_samples_pad_after_end_and_never_use_forbidden_ids():
    G = small()
    s = G.sample(500, torch.Generator().manual_seed(0))
    assert s.shape == (500, 6)
    assert not ((s == 1).any())  # start token is forbidden as an output
    for row in s.tolist():
        if 2 in row:
            k = row.index(2)
            assert all(x == 0 for x in row[k + 1:])
            assert 0 not in row[:k]
        else:
            assert 0 not in row


def test_sample_categorical_matches_softmax():
    logits = torch.tensor([[2.0, 0.0, -1.0, float("-inf"), 1.0]]).repeat(200_000, 1)
    draws = sample_categorical(logits, torch.Generator().manual_seed(0))
    freq = torch.bincount(draws, minlength=5).double() / len(draws)
    probs = torch.softmax(logits[0].double(), -1)
    assert freq[3] == 0
    assert torch.allclose(freq, probs, atol=4 * math.sqrt(0.25 / len(draws)))


def test_temperature_scales_sampling_and_likelihood_together():
    G = small(eos=False)
    tokens = G.sample(50, torch.Generator().manual_seed(1))
    with G.temperature_scaled(0.5):
        cold = G.logits(tokens)
        a = G.sample(4, torch.Generator().manual_seed(3))
    torch.testing.assert_close(cold, G.logits(tokens) / 0.5)
    assert torch.equal(a, G.sample(4, torch.Generator().manual_seed(3), temperature=0.5))
    assert G.temperature == 1.0
    low = G.sample(3000, torch.Generator().manual_seed(2), temperature=0.3)
    high = G.sample(3000, torch.Generator().manual_seed(2), temperature=3.0)
    ent = lambda s: -(lambda p: (p * p.clamp_min(1e-12).log()).sum())(torch.bincount(s.flatten(), minlength=8).double() / s.numel())  # noqa: E731
    assert ent(low) < ent(high)


def test_gumbel_samples_are_relaxed_one_hot_and_differentiable():
    G = small(gumbel_beta_max=100.0, gumbel_steps=10)
    D = CNNDiscriminator(8, emb_dim=4, filter_sizes=(2, 3), num_filters=(3, 3), pad_id=0)
    x = G.generate(5, torch.Generator().manual_seed(0))
    assert x.shape == (5, 6, 8)
    torch.testing.assert_close(x.sum(-1), torch.ones(5, 6))
    D(x).sum().backward()
    assert G.out.weight.grad is not None and G.out.weight.grad.abs().sum() > 0
    assert int(G.gumbel_updates) == 1
    with torch.no_grad():
        G.generate(2, torch.Generator())
    assert int(G.gumbel_updates) == 1  # discriminator passes (no grad) do not advance the schedule


def test_gumbel_annealing_schedules():
    G = small(gumbel_beta_max=100.0, gumbel_steps=10)
    assert G.gumbel_beta() == 1.0
    G.gumbel_updates.fill_(5)
    assert G.gumbel_beta() == pytest.approx(10.0)  # 100 ** (5/10), RelGAN's 'exp'
    G.gumbel_updates.fill_(50)
    assert G.gumbel_beta() == pytest.approx(100.0)
    G.gumbel_schedule = "linear"
    G.gumbel_updates.fill_(5)
    assert G.gumbel_beta() == pytest.approx(50.5)


def test_discriminator_embeds_ids_and_one_hot_identically():
    D = CNNDiscriminator(8, emb_dim=4, filter_sizes=(1, 2, 7), num_filters=(2, 2, 2), pad_id=0).eval()
    ids = torch.tensor([[3, 4, 2, 0], [5, 5, 5, 2]])  # shorter than the widest filter: padded
    torch.testing.assert_close(D(ids), D(F.one_hot(ids, 8).float()))


def test_vocabulary_round_trip_and_counts():
    v = Vocabulary.build([["a", "b", "a"], ["c", "a"]])
    assert v.tokens[:4] == ("<pad>", "<s>", "</s>", "<unk>") and v.tokens[4] == "a"
    ids, unk, cut = v.encode_batch([["a", "zzz"], ["b", "c", "a", "b"]], max_len=4)
    assert unk == 1 and cut == 1
    assert ids.tolist() == [[4, 3, 2, 0], [5, 6, 4, 2]]
    assert v.decode_batch(ids) == [["a", "<unk>"], ["b", "c", "a"]]
    assert Vocabulary.from_json(v.to_json()) == v


def test_init_g_loads_the_runs_own_seed_and_keeps_one_config(tmp_path):
    """``init_g`` may name a per-seed checkpoint with {seed}: each run starts from its own seed's
    MLE generator while all seeds share one config (one leaderboard row)."""
    from ganbench.core.config import config_hash, resolve
    from ganbench.objectives import build_objective
    from ganbench.tasks import TASKS

    task = TASKS.get("text/oracle-tiny")()
    cfg = resolve(task.spec, build_objective("rsgan"), {**task.spec.smoke, "gumbel": True}, steps=2)
    saved = {}
    for seed in (0, 1):
        torch.manual_seed(100 + seed)
        G, _ = task.build_models(cfg)
        (tmp_path / f"mle__s{seed}").mkdir()
        torch.save({"G": G.state_dict()}, tmp_path / f"mle__s{seed}" / "checkpoint.pt")
        saved[seed] = G.state_dict()
    cfg = {**cfg, "init_g": str(tmp_path / "mle__s{seed}" / "checkpoint.pt")}
    for seed in (0, 1):
        G, _ = task.build_models({**cfg, "seed": seed})
        for name, tensor in G.state_dict().items():
            assert torch.equal(tensor, saved[seed][name]), (seed, name)
    assert config_hash({**cfg, "seed": 0}) == config_hash({**cfg, "seed": 1})
