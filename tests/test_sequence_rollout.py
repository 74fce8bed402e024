"""Monte-Carlo rollouts and the policy-gradient loss (SeqGAN)."""

import pytest
import torch
import torch.nn.functional as F

from ganbench.domains.sequence.generator import SequenceGenerator
from ganbench.domains.sequence.rollout import policy_gradient_loss, rollout_completions, rollout_rewards


def gen(eos=False, V=5, T=4):
    torch.manual_seed(0)
    if eos:
        return SequenceGenerator(V, T, start_id=1, eos_id=2, pad_id=0, emb_dim=3, hidden_dim=4, forbidden=(0, 1))
    return SequenceGenerator(V, T, start_id=0, emb_dim=3, hidden_dim=4)


def test_completions_keep_each_prefix():
    G = gen()
    tokens = G.sample(3, torch.Generator().manual_seed(0))
    comp = rollout_completions(G, tokens, 5, torch.Generator().manual_seed(1))
    assert comp.shape == (3, 5, 3, 4)
    for t in range(1, 4):
        assert torch.equal(comp[t - 1, :, :, :t], tokens[:, :t].expand(5, 3, t))


def test_first_continuation_token_follows_the_conditional_distribution():
    """For a prefix of t tokens, token t of a rollout must be drawn from p(. | x_<=t)."""
    G = gen(V=5, T=4)
    tokens = torch.tensor([[3, 1, 4, 0], [2, 2, 0, 1]])
    R = 20_000
    comp = rollout_completions(G, tokens, R, torch.Generator().manual_seed(2))
    probs = F.softmax(G.logits(tokens), -1).detach()  # [B, T, V]: p(x_t | x_<t)
    for t in range(1, 4):
        for b in range(2):
            freq = torch.bincount(comp[t - 1, :, b, t], minlength=5).float() / R
            assert torch.allclose(freq, probs[b, t], atol=0.015), (t, b, freq, probs[b, t])


def test_end_token_in_prefix_means_padding_after_it():
    G = gen(eos=True, V=6, T=5)
    tokens = torch.tensor([[3, 2, 0, 0, 0], [4, 5, 3, 4, 2]])
    comp = rollout_completions(G, tokens, 7, torch.Generator().manual_seed(0))
    assert (comp[1:, :, 0] == tokens[0]).all()  # prefixes of >= 2 tokens already ended
    for row in comp.reshape(-1, 5).tolist():
        if 2 in row:
            assert all(x == 0 for x in row[row.index(2) + 1:])


def test_rewards_of_a_deterministic_policy():
    G = gen(V=5, T=4)
    with torch.no_grad():
        G.out.weight.zero_()
        G.out.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 100.0, 0.0]))  # always emits token 3
    tokens = torch.tensor([[1, 1, 1, 1], [3, 1, 3, 1]])
    frac3 = lambda x: (x == 3).float().mean(1)  # noqa: E731
    r = rollout_rewards(G, tokens, frac3, 3, torch.Generator())
    # prefix t keeps t tokens, the rest become 3
    expected = torch.tensor([[0.75, 0.5, 0.25, 0.0], [1.0, 0.75, 0.75, 0.5]])
    torch.testing.assert_close(r, expected)


def test_policy_gradient_step_raises_the_likelihood_of_rewarded_tokens():
    G = gen(V=5, T=4)
    tokens = torch.tensor([[4, 4, 4, 4]] * 8)
    before = G.log_prob(tokens).sum().item()
    opt = torch.optim.SGD(G.parameters(), lr=0.1)
    loss = policy_gradient_loss(G, tokens, torch.ones(8, 4))
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert G.log_prob(tokens).sum().item() > before
    assert loss.item() == pytest.approx(-before / 8, rel=1e-5)
