"""Each objective on the mock task, and the losses against their textbook formulas."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganbench.core.config import resolve
from ganbench.objectives import build_objective
from ganbench.remedies.penalties import gradient_penalty, r1_penalty
from ganbench.engine.trainer import TrainState, make_optimizer, seed_everything
from ganbench.tasks import TASKS

LOSS_OBJECTIVES = ["minimax", "ns", "hinge", "wgan-gp", "lsgan", "rsgan"]


def _state(objective, **over):
    task = TASKS.get("toy/ring8")()
    cfg = resolve(task.spec, objective, {**task.spec.smoke, **over}, steps=10)
    seed_everything(0)
    G, D = task.build_models(cfg)
    return TrainState(task, cfg, G, D, make_optimizer(G.parameters(), cfg, "g"), make_optimizer(D.parameters(), cfg, "d"),
                      torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", LOSS_OBJECTIVES)
def test_objective_trains_mock_task(name):
    obj = build_objective(name)
    st = _state(obj)
    before = [p.clone() for p in st.G.parameters()]
    for _ in range(3):
        logs = obj.step(st)
    assert {"loss_d", "loss_g", "grad_norm_d", "grad_norm_g"} <= set(logs)
    assert all(math.isfinite(v) for v in logs.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, st.G.parameters()))


def test_losses_match_formulas():
    r = torch.tensor([2.0, -1.0, 0.5])
    f = torch.tensor([-0.3, 1.2, 0.0])
    D = torch.sigmoid
    ns, mm = build_objective("ns"), build_objective("minimax")
    expected_d = -(torch.log(D(r)).mean() + torch.log(1 - D(f)).mean())
    assert ns.d_loss(r, f).item() == pytest.approx(expected_d.item(), rel=1e-6)
    assert ns.g_loss(f).item() == pytest.approx(-torch.log(D(f)).mean().item(), rel=1e-6)
    assert mm.g_loss(f).item() == pytest.approx(torch.log(1 - D(f)).mean().item(), rel=1e-6)
    hinge = build_objective("hinge")
    assert hinge.d_loss(r, f).item() == pytest.approx((F.relu(1 - r).mean() + F.relu(1 + f).mean()).item())
    assert build_objective("lsgan").g_loss(f).item() == pytest.approx(0.5 * ((f - 1) ** 2).mean().item())
    assert build_objective("wgan-gp").d_loss(r, f).item() == pytest.approx((f.mean() - r.mean()).item())


def test_gradient_penalties_closed_form():
    w = torch.tensor([3.0, 4.0])  # D(x) = w.x has |grad| = 5 everywhere
    D = lambda x: x @ w  # noqa: E731
    x = torch.randn(8, 2)
    assert gradient_penalty(D, x, torch.randn(8, 2), torch.Generator().manual_seed(0)).item() == pytest.approx(16.0)
    assert r1_penalty(D, x).item() == pytest.approx(25.0)


def test_continuous_objectives_refuse_discrete_tasks():
    from ganbench.core.errors import UserError

    class FakeSpec:
        continuous, name, sample_kind = False, "text/x", "tokens"

    class FakeTask:
        spec = FakeSpec()

    with pytest.raises(UserError, match="differentiable"):
        build_objective("ns").check(FakeTask(), {})
