"""The remedies axis: every registered remedy trains where it fits and is refused where it does not,
and each one has a test of the property that defines it."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from ganbench.core.config import ADDED_KEYS, config_hash, resolve
from ganbench.core.errors import UserError
from ganbench.core.records import run_label
from ganbench.engine.trainer import TrainState, make_optimizer, seed_everything
from ganbench.objectives import build_objective
from ganbench.remedies import REMEDIES, active, compose
from ganbench.tasks import TASKS

# one smoke-sized task per kind of sample, none needing a data file
KIND_TASKS = {"points": "toy/ring8", "images": "image/digits", "tokens": "text/oracle-tiny"}


def _state(task_name, objective="ns", **over):
    task = TASKS.get(task_name)()
    obj = build_objective(objective)
    cfg = resolve(task.spec, obj, {**task.spec.smoke, "pretrain_g_steps": 0, **over}, steps=4) if task_name.startswith("text") \
        else resolve(task.spec, obj, {**task.spec.smoke, **over}, steps=4)
    remedies = compose(cfg)
    obj.check(task, cfg)
    remedies.check(task, obj, cfg)
    seed_everything(0)
    G, D = remedies.build(task, cfg)
    state = TrainState(task, cfg, G, D, make_optimizer(G.parameters(), cfg, "g"), make_optimizer(D.parameters(), cfg, "d"),
                       torch.Generator().manual_seed(0), remedies=remedies)
    return obj, state


def _example(name):
    return dict(REMEDIES.get(name).example)


@pytest.mark.parametrize("name", REMEDIES.names())
def test_every_remedy_trains_where_it_fits_and_is_refused_elsewhere(name):
    cls = REMEDIES.get(name)
    assert REMEDIES.entry(name).meta["keys"] == dict(cls.keys) and cls.name == name
    assert set(cls.example) <= set(cls.keys) and active({**{k: v for k, v in cls.keys.items()}, **cls.example}) == [name]
    trained = []
    for kind, task_name in KIND_TASKS.items():
        try:
            obj, state = _state(task_name, **_example(name))
        except UserError as exc:
            assert "\n" not in str(exc) and ("fits" in str(exc) or name in str(exc) or "drop" in str(exc)), str(exc)
            assert cls.sample_kinds is not None and kind not in cls.sample_kinds or kind == "tokens", (name, kind, exc)
            continue
        for _ in range(2):
            logs = obj.step(state)
            state.step += 1
        assert all(math.isfinite(v) for v in logs.values()), (name, kind, logs)
        trained.append(kind)
    assert trained, f"remedy {name} trains no kind of task"


def test_remedies_are_refused_with_a_non_adversarial_objective():
    task = TASKS.get("text/oracle-tiny")()
    obj = build_objective("mle")
    cfg = resolve(task.spec, obj, {"r2_gamma": 1.0}, steps=3)
    with pytest.raises(UserError, match="works on adversarial losses"):
        compose(cfg).check(task, obj, cfg)


def test_remedy_keys_are_added_keys_and_off_keeps_the_hash():
    spec = TASKS.get("toy/ring8").spec
    base = resolve(spec, build_objective("ns"))
    for key, off in {"pack": 1, "mbstd": 0, "unroll": 0, "r2_gamma": 0.0}.items():
        assert base[key] == off and ADDED_KEYS[key].release == 7 and off in ADDED_KEYS[key].legacy
    old = {k: v for k, v in base.items() if k not in ("pack", "mbstd", "unroll", "r2_gamma")}
    assert config_hash(base) == config_hash(old)
    assert config_hash({**base, "pack": 2}) != config_hash(base)


def test_the_row_label_names_the_remedies_whatever_the_tag():
    rec = {"objective": "ns", "tag": "pacgan-nets", "variant": {"pack": 2, "lr_g": 1e-4}}
    assert run_label(rec) == "ns+pack=2[pacgan-nets]"
    assert run_label({**rec, "tag": None}) == "ns+pack=2[lr_g=0.0001]"
    assert run_label({"objective": "ns", "tag": None, "variant": {}}) == "ns"


# -- packing --------------------------------------------------------------------------------------
@pytest.mark.parametrize("task_name,m", [("toy/ring8", 3), ("image/digits", 2)])
def test_packing_widens_the_discriminator_input_m_fold(task_name, m):
    _, plain = _state(task_name)
    obj, packed = _state(task_name, pack=m)
    first = lambda D: next(mod for mod in D.modules() if isinstance(mod, (torch.nn.Linear, torch.nn.Conv2d)))
    w_plain, w_packed = first(plain.D).weight, first(packed.D).weight
    assert w_packed.shape[1] == m * w_plain.shape[1] and w_packed.shape[0] == w_plain.shape[0]
    real, fake = packed.remedies.real(packed), packed.remedies.fake(packed, 5)
    one = plain.task.real_batch(5, torch.Generator().manual_seed(0))
    assert real.x.shape[1] == m * one.shape[1] and fake.x.shape == (5, *real.x.shape[1:])
    assert real.x.shape[2:] == one.shape[2:]
    assert torch.isfinite(packed.D(real.x)).all() and packed.D(real.x).shape == (real.x.shape[0],)
    # each slot of a pack is an independent draw: the slots differ
    d = one.shape[1]
    assert not torch.equal(real.x[:, :d], real.x[:, d:2 * d])


def test_packing_refuses_token_tasks_and_conditional_ones_at_configuration():
    task = TASKS.get("text/oracle-tiny")()
    obj = build_objective("ns")
    cfg = resolve(task.spec, obj, {"pack": 2}, steps=3)
    with pytest.raises(UserError, match=r"pack=2 \(pack\) fits points or images tasks, not text/oracle-tiny"):
        compose(cfg).check(task, obj, cfg)


# -- unrolled GAN ---------------------------------------------------------------------------------
def test_the_unrolled_look_ahead_leaves_d_and_its_optimizer_as_they_were():
    from ganbench.remedies.unrolling import lookahead

    obj, state = _state("toy/ring8", unroll=3)
    obj.step(state)  # D's Adam has moments now
    state.step += 1
    before = copy.deepcopy(state.D.state_dict())
    opt_before = copy.deepcopy(state.opt_d.state_dict())
    critic = lookahead(state, obj, 3)
    after = state.D.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    opt_after = state.opt_d.state_dict()
    for pid, s in opt_before["state"].items():
        assert all(torch.equal(v, opt_after["state"][pid][k]) for k, v in s.items())
    moved = [n for n, p in state.D.named_parameters() if not torch.equal(p, critic.params[n])]
    assert moved, "the look-ahead did not move D"
    # the look-ahead depends on G through the generated batches it trained on (the paper's second-order term)
    some = critic.params[moved[0]]
    assert some.requires_grad and some.grad_fn is not None
    g_params = [p for p in state.G.parameters()]
    grads = torch.autograd.grad(some.sum(), g_params, allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)


def test_one_look_ahead_step_is_the_optimizer_s_own_step():
    """With k = 1 the look-ahead's parameters are what D's Adam step on the same batch gives."""
    from ganbench.remedies.unrolling import lookahead

    obj, state = _state("toy/ring8", unroll=1)
    obj.step(state)
    rng_state = state.rng.get_state()
    critic = lookahead(state, obj, 1)
    state.rng.set_state(rng_state)  # the same batches again, through the real optimizer
    loss_d, penalty, _ = obj.critic_loss(state, state.D, state.remedies)
    state.optimize("d", loss_d)
    for n, p in state.D.named_parameters():
        assert torch.allclose(p, critic.params[n].detach(), atol=1e-6, rtol=1e-5), n


def test_unroll_refuses_rmsprop():
    task = TASKS.get("toy/ring8")()
    obj = build_objective("ns")
    cfg = resolve(task.spec, obj, {"unroll": 2, "optimizer": "rmsprop"}, steps=3)
    with pytest.raises(UserError, match="unrolls Adam"):
        compose(cfg).check(task, obj, cfg)


# -- minibatch standard deviation -----------------------------------------------------------------
def test_group_std_is_the_mean_feature_std_over_each_group():
    from ganbench.remedies.mbstd import group_std

    h = torch.randn(8, 5, generator=torch.Generator().manual_seed(1))
    s = group_std(h, 4)
    # sample i belongs to group i mod 2 (ProGAN's reshape(G, -1, F))
    for i in range(8):
        members = h[i % 2::2]
        expected = members.std(dim=0, unbiased=False).mean()
        assert s[i].item() == pytest.approx(expected.item(), rel=1e-5)
    assert group_std(torch.ones(8, 5), 4).max().item() == pytest.approx(1e-4, rel=1e-3)  # a collapsed group: ~0


def test_minibatch_std_starts_as_the_plain_discriminator_and_reads_the_spread():
    _, plain = _state("toy/ring8")
    _, wrapped = _state("toy/ring8", mbstd=4)
    x = plain.task.real_batch(8, torch.Generator().manual_seed(0))
    assert torch.allclose(wrapped.D(x), wrapped.D.inner(x))  # weight 0 at the start
    with torch.no_grad():
        wrapped.D.std_weight.fill_(1.0)
    collapsed = x[:1].repeat(8, 1)
    spread = wrapped.D(x) - wrapped.D.inner(x)
    assert torch.all(spread > 1e-3) and torch.all((wrapped.D(collapsed) - wrapped.D.inner(collapsed)).abs() < 1e-3)


def test_minibatch_std_needs_a_batch_divisible_into_groups():
    task = TASKS.get("toy/ring8")()
    obj = build_objective("ns")
    cfg = resolve(task.spec, obj, {"mbstd": 3}, steps=3)  # batch 100
    with pytest.raises(UserError, match="not a multiple"):
        compose(cfg).check(task, obj, cfg)


# -- penalties ------------------------------------------------------------------------------------
def test_r2_is_r1_on_the_generated_batch():
    from ganbench.remedies.penalties import r1_penalty

    obj, state = _state("toy/ring8", r2_gamma=2.0)
    real, fake = state.remedies.real(state), state.remedies.fake(state, 8)
    term = state.remedies.penalty(state, state.D, real, fake, None, None)
    assert term.item() == pytest.approx(0.5 * 2.0 * r1_penalty(state.D, fake.x).item(), rel=1e-6)


# -- DiffAugment ----------------------------------------------------------------------------------
def _fixed(fn, seed=3):
    return lambda x: fn(x, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("op", ["color", "translation", "cutout"])
def test_diffaugment_is_differentiable(op):
    from ganbench.remedies.diffaugment import OPS

    x = torch.rand(3, 2, 8, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(_fixed(OPS[op]), (x,))


def test_translation_moves_each_image_by_its_shift_with_zeros_moved_in():
    from ganbench.remedies.diffaugment import _shifted

    x = torch.arange(2 * 1 * 5 * 5, dtype=torch.float32).view(2, 1, 5, 5) + 1
    out = _shifted(x, torch.tensor([1, 0]), torch.tensor([0, -2]))
    assert torch.equal(out[0, 0, 1:], x[0, 0, :-1]) and torch.equal(out[0, 0, 0], torch.zeros(5))
    assert torch.equal(out[1, 0, :, :-2], x[1, 0, :, 2:]) and torch.equal(out[1, 0, :, -2:], torch.zeros(5, 2))


def test_cutout_zeroes_a_half_size_square():
    from ganbench.remedies.diffaugment import cutout

    out = cutout(torch.ones(64, 1, 8, 8), torch.Generator().manual_seed(0))
    holes = (out == 0).flatten(1).sum(1)
    assert holes.max() == 16 and holes.min() > 0  # 4 x 4, clipped at the borders


def test_diffaugment_is_applied_to_real_and_generated_images_alike(monkeypatch):
    from ganbench.remedies import diffaugment

    obj, state = _state("image/digits", diffaugment="translation")
    seen = []
    real_fn = diffaugment.diff_augment
    monkeypatch.setattr(diffaugment, "diff_augment", lambda x, p, rng: seen.append(x.requires_grad) or real_fn(x, p, rng))
    obj.step(state)
    # D's step: the real batch, then the generated one (no graph to G); G's step: a generated one with its graph
    assert seen == [False, False, True]


def test_diffaugment_policy_is_checked_when_configured():
    task = TASKS.get("image/digits")()
    with pytest.raises(UserError, match="comma-separated list of color, translation, cutout"):
        compose(resolve(task.spec, build_objective("ns"), {"diffaugment": "colour"}, steps=3))
    cfg = resolve(TASKS.get("toy/ring8").spec, build_objective("ns"), {"diffaugment": "color"}, steps=3)
    with pytest.raises(UserError, match="fits images tasks, not toy/ring8"):
        compose(cfg).check(TASKS.get("toy/ring8")(), build_objective("ns"), cfg)


# -- consistency, LeCam, instance noise, spectral norm --------------------------------------------
def test_consistency_vanishes_for_an_invariant_critic_and_not_otherwise():
    from ganbench.objectives.inputs import Inputs
    from ganbench.remedies.consistency import consistency

    x = torch.rand(16, 1, 8, 8)
    mean_critic = lambda im: torch.zeros(im.shape[0])  # blind to the image: invariant
    assert consistency(mean_critic, Inputs(x), mean_critic(x), torch.Generator().manual_seed(0)).item() == 0.0
    corner = lambda im: im[:, 0, 0, 0] * 10  # reads one pixel: flips and shifts change it
    assert consistency(corner, Inputs(x), corner(x), torch.Generator().manual_seed(0)).item() > 0.1


def test_lecam_follows_the_moving_averages_and_the_look_ahead_leaves_them():
    from ganbench.remedies.lecam import STATE

    obj, state = _state("toy/ring8", lecam_weight=0.3)
    r1, f1 = torch.tensor([2.0, 2.0]), torch.tensor([-1.0, -1.0])
    lecam = state.remedies.items[0]
    term = lecam.d_term(state, None, None, None, r1, f1)
    assert state.extras[STATE] == [2.0, -1.0]  # first step: the means themselves
    assert term.item() == pytest.approx(0.3 * (3.0 ** 2 + 3.0 ** 2))
    lecam.d_term(state, None, None, None, torch.tensor([1.0]), torch.tensor([0.0]))
    assert state.extras[STATE] == pytest.approx([0.99 * 2 + 0.01 * 1, 0.99 * -1 + 0.0])
    before = list(state.extras[STATE])
    lecam.d_term(state, None, None, None, torch.tensor([5.0]), torch.tensor([5.0]), lookahead=True)
    assert state.extras[STATE] == before


def test_instance_noise_anneals_to_zero_and_noises_real_and_generated_alike():
    from ganbench.remedies.instance_noise import noise_level

    assert noise_level(0.5, 0, 100) == 0.5 and noise_level(0.5, 50, 100) == 0.25 and noise_level(0.5, 100, 100) == 0.0
    _, state = _state("toy/ring8", instance_noise=1.0)
    state.cfg["steps"] = 1000
    x = torch.zeros(4000, 2)
    noise = state.remedies.items[0].transform(x, state)
    assert noise.std().item() == pytest.approx(1.0, rel=0.05)
    real, fake = state.remedies.real(state), state.remedies.fake(state, state.cfg["batch_size"])
    plain_real = state.task.real_batch(100, torch.Generator().manual_seed(0))
    assert real.x.std().item() > plain_real.std().item() + 0.3  # the ring's points spread out by sigma ~ 1
    assert fake.x.shape == real.x.shape


def test_spectral_norm_reaches_every_discriminator_family():
    from torch.nn.utils import parametrize

    for task_name in KIND_TASKS.values():
        _, state = _state(task_name, spectral_norm=True)
        layers = [m for m in state.D.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d))]
        assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers), task_name
    _, state = _state("toy/ring8", spectral_norm=True)
    for _ in range(30):  # power iterations converge in training mode
        state.D(state.task.real_batch(8, torch.Generator().manual_seed(0)))
    w = state.D.net[-1].weight
    assert torch.linalg.matrix_norm(w, ord=2).item() == pytest.approx(1.0, rel=1e-3)


def test_spectral_norm_stays_in_the_hash_of_image_configs_only():
    ring = resolve(TASKS.get("toy/ring8").spec, build_objective("ns"))
    digits = resolve(TASKS.get("image/digits").spec, build_objective("ns"))
    assert config_hash(ring) == config_hash({k: v for k, v in ring.items() if k != "spectral_norm"})
    assert config_hash(digits) != config_hash({k: v for k, v in digits.items() if k != "spectral_norm"})


def test_dragan_penalises_the_gradient_norm_near_the_data_against_one():
    """For a linear D(x) = w·x the gradient is w everywhere: the penalty is (‖w‖ − 1)² exactly."""
    from ganbench.remedies.dragan import dragan_penalty

    x = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
    for w in ([0.6, 0.8], [3.0, 4.0]):
        D = lambda v, w=torch.tensor(w): v @ w
        expected = (math.hypot(*w) - 1) ** 2
        assert dragan_penalty(D, x, torch.Generator().manual_seed(1)).item() == pytest.approx(expected, abs=1e-5)
