"""Every tensor of a training step and of an evaluation lives on the configured device.

CI has no GPU, so the device path is checked on the CPU through the same code, with a guard that
fails on two kinds of mistake a GPU run would hit:

* **a tensor on another device**: a ``TorchDispatchMode`` sees every tensor every op produces
  and records its device. With the nets and batches on ``meta`` (forward/backward passes), a
  tensor made without ``device=`` lands on the CPU instead, which is exactly how such code
  breaks (or silently syncs) on CUDA.
* **a tensor made on the default device**: a ``TorchFunctionMode`` sees every factory call
  (``torch.zeros``, ``randn``, ``tensor``, ``as_tensor`` ...) made from the device-path modules
  (nets, objectives, sequence machinery, extractors, evaluator, real batches) without a
  ``device=``. On the CPU such a call gives the right numbers and hides the bug; this check
  finds it in a CPU-only CI all the same (host staging says ``device="cpu"`` explicitly).

One deliberately wrong snippet shows that the guard catches both.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from ganbench.core.config import resolve
from ganbench.core.device import (autocast, device_facts, grad_scaler, module_device, optimizer_step, rand, randint,
                                   randn, resolve_device, same_device, seeded_generator, set_deterministic)
from ganbench.core.errors import UserError
from ganbench.engine.trainer import TrainState, make_optimizer, seed_everything
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

CPU, META = torch.device("cpu"), torch.device("meta")

# the code of a training step and of sampling / feature extraction; metric arithmetic on host
# features (ganbench.metrics, domains/*/metrics.py) is host code by design and not watched
WATCHED = ("ganbench.nets", "ganbench.objectives", "ganbench.core.device", "ganbench.engine.evaluator",
           "ganbench.engine.trainer", "ganbench.domains.toy.task", "ganbench.domains.image.task",
           "ganbench.domains.image.nets", "ganbench.domains.image.features", "ganbench.domains.sequence",
           "ganbench.domains.text.oracle", "ganbench.domains.molecule.chemnet", "ganbench.domains.molecule.organ",
           "ganbench.domains.molecule.task")

FACTORIES = {torch.zeros, torch.ones, torch.full, torch.empty, torch.empty_strided, torch.rand, torch.randn,
             torch.randint, torch.randperm, torch.arange, torch.linspace, torch.logspace, torch.eye, torch.tensor,
             torch.as_tensor, torch.asarray, torch.scalar_tensor}
KEEPS_DEVICE = {torch.tensor, torch.as_tensor, torch.asarray}  # given a tensor, they keep its device


def _caller_module() -> tuple[str, str]:
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "torch":
        frame = frame.f_back
    if frame is None:
        return "", ""
    return frame.f_globals.get("__name__", ""), f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"


class _Factories(TorchFunctionMode):
    def __init__(self, guard: "DeviceGuard"):
        super().__init__()
        self.guard = guard

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in FACTORIES and kwargs.get("device") is None:
            given_tensor = func in KEEPS_DEVICE and args and isinstance(args[0], torch.Tensor)
            module, where = _caller_module()
            if not given_tensor and module.startswith(self.guard.watched):
                self.guard.problems.append(f"{where}: torch.{func.__name__} without device= (lands on the default device)")
        return func(*args, **kwargs)


class _Outputs(TorchDispatchMode):
    def __init__(self, guard: "DeviceGuard"):
        super().__init__()
        self.guard = guard

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        stack = [out]
        while stack:
            item = stack.pop()
            if isinstance(item, (tuple, list)):
                stack.extend(item)
            elif isinstance(item, torch.Tensor):
                self.guard.seen += 1
                if not same_device(item.device, self.guard.device):
                    self.guard.problems.append(f"{func} produced a tensor on {item.device}, not {self.guard.device}")
        return out


class DeviceGuard:
    """``with DeviceGuard(device) as g: ...`` then ``g.problems`` lists every tensor off ``device`` and
    every factory call of the watched modules without ``device=``."""

    def __init__(self, device, watched: tuple[str, ...] = WATCHED):
        self.device, self.watched = torch.device(device), tuple(watched)
        self.problems: list[str] = []
        self.seen = 0

    def __enter__(self):
        self._modes = [_Factories(self), _Outputs(self)]
        for mode in self._modes:
            mode.__enter__()
        return self

    def __exit__(self, *exc):
        for mode in reversed(self._modes):
            mode.__exit__(*exc)
        return False

    def check(self) -> None:
        assert self.seen > 0, "the guard saw no tensor: it checked nothing"
        assert not self.problems, "\n".join(sorted(set(self.problems)))


# --- the guard itself --------------------------------------------------------------------------------
def _bad_scale(x: torch.Tensor) -> torch.Tensor:
    return x * torch.tensor(2.0)  # the mistake: a CPU tensor, whatever device x is on (a sync on CUDA)


def _good_scale(x: torch.Tensor) -> torch.Tensor:
    return x * torch.tensor(2.0, device=x.device)


@pytest.mark.parametrize("device", [CPU, META])
def test_the_guard_catches_a_tensor_made_on_the_default_device(device):
    x = torch.ones(3, device=device)
    with DeviceGuard(device, watched=(__name__,)) as bad:
        _bad_scale(x)  # runs without error on the CPU and on meta (a 0-dim CPU tensor mixes with any device)
    assert any("torch.tensor without device=" in p for p in bad.problems)
    if device == META:
        assert any("produced a tensor on cpu" in p for p in bad.problems)
    with DeviceGuard(device, watched=(__name__,)) as good:
        _good_scale(x)
    good.check()


# --- a training step ---------------------------------------------------------------------------------
STEP_CASES = [
    ("toy/ring8", "ns", {}), ("toy/ring8", "wgan-gp", {}), ("toy/ring8", "rsgan", {"r1_gamma": 1.0}),
    ("image/digits", "hinge", {"spectral_norm": True}), ("image/digits", "wgan-gp", {}),
    ("image/digits", "lsgan", {"r1_gamma": 1.0}), ("image/digits", "minimax", {}),
    ("text/oracle-tiny", "ns", {"gp_weight": 1.0}), ("text/oracle-tiny", "mle", {"gumbel": False}),
    ("text/oracle-tiny", "seqgan", {"gumbel": False, "pretrain_g_steps": 1, "pretrain_d_steps": 1, "rollouts": 2}),
    ("molecule/moses-small", "organ", {"gumbel": False, "pretrain_g_steps": 1, "pretrain_d_steps": 1, "rollouts": 2,
                                       "organ_objective": "qed"}),
]


def _state(task_name: str, objective, over: dict, device=CPU, steps: int = 20):
    task = TASKS.get(task_name)()
    cfg = resolve(task.spec, objective, {**task.spec.smoke, "batch_size": 8, **over}, steps=steps)
    seed_everything(0)
    G, D = task.build_models(cfg)
    G, D = G.to(device), D.to(device)
    return TrainState(task, cfg, G, D, make_optimizer(G.parameters(), cfg, "g"), make_optimizer(D.parameters(), cfg, "d"),
                      seeded_generator(device, 0))


@pytest.mark.parametrize("task_name,objective,over", STEP_CASES, ids=[f"{t}-{o}" for t, o, _ in STEP_CASES])
def test_training_steps_stay_on_the_device(task_name, objective, over):
    obj = build_objective(objective)
    state = _state(task_name, obj, over)
    state.real_batch()  # data loading (a one-off host read) outside the guard; the steps below draw batches inside
    with DeviceGuard(CPU) as guard:
        for _ in range(3):  # SeqGAN/ORGAN: MLE, discriminator pre-training, then an adversarial step
            logs = obj.step(state)
            state.step += 1
    guard.check()
    assert logs and all(math.isfinite(v) for v in logs.values())


META_CASES = ["toy/ring8", "image/digits", "text/oracle-tiny"]


@pytest.mark.parametrize("task_name", META_CASES)
def test_forward_and_backward_passes_on_meta_make_nothing_elsewhere(task_name):
    """The nets on ``meta``: a tensor made without ``device=`` inside a forward pass, a loss or a
    penalty lands on the CPU and the guard sees it (no values are computed, so this is instant)."""
    from ganbench.domains.sequence.discriminator import CNNDiscriminator
    from ganbench.domains.sequence.rollout import policy_gradient_loss, rollout_rewards
    from ganbench.remedies.penalties import gradient_penalty, r1_penalty

    state = _state(task_name, build_objective("ns"), {"gumbel": False} if task_name.startswith("text/") else {})
    rng = torch.Generator().manual_seed(0)  # meta has no generator; meta draws ignore it
    real = state.task.real_batch(8, rng).to(META)
    G, D = state.G.to(META), state.D.to(META)
    wide = CNNDiscriminator(state.task.vocab_size, 8, (12,), (4,)).to(META) if task_name.startswith("text/") else None
    with DeviceGuard(META) as guard:
        if task_name.startswith("text/"):
            G.nll(real).backward()  # MLE
            tokens = G.sample(4, rng)
            rewards = rollout_rewards(G, tokens, lambda t: torch.sigmoid(D(t)), 2, rng)
            policy_gradient_loss(G, tokens, rewards).backward()  # SeqGAN's generator loss
            relaxed = torch.nn.functional.one_hot(real, state.task.vocab_size).float()  # `wide` pads it (filter 12 > 10)
            (D(relaxed).mean() + wide(relaxed).mean()).backward()
        else:
            fake = G.generate(8, rng)
            for name in ("minimax", "ns", "hinge", "wgan-gp", "lsgan", "rsgan"):
                obj = build_objective(name)
                out_real, out_fake = D(real), D(fake)
                loss = obj.d_loss(out_real, out_fake) + gradient_penalty(D, real, fake, rng) + r1_penalty(D, real)
                loss.backward(retain_graph=True)
                obj.g_loss(D(fake), out_real).backward(retain_graph=True)
            G.sample(5, rng)
    guard.check()


# --- an evaluation -----------------------------------------------------------------------------------
def test_evaluations_sample_and_extract_on_the_device():
    from ganbench.domains.image.features import build_extractor
    from ganbench.engine.evaluator import evaluate_generator

    cases = [("toy/ring8", None, 500), ("image/digits", ["fid", "is"], 200), ("text/oracle-tiny", None, 300)]
    prepared = []
    for name, metrics, n in cases:
        text = name.startswith("text/")
        state = _state(name, build_objective("mle" if text else "ns"), {"gumbel": False} if text else {})
        if name == "image/digits":
            build_extractor("classifier", state.task)  # trained (on the host) and cached before the guard
        state.task.real_batch(2, torch.Generator())  # data read and cached before the guard
        prepared.append((state, metrics, n))
    with DeviceGuard(CPU) as guard:
        results = [evaluate_generator(st.task, st.G, n, seed=1, metric_names=m, device=CPU) for st, m, n in prepared]
    guard.check()
    assert [sorted(r) for r in results] == [["high_quality", "mode_kl", "modes_covered"], ["fid", "is"], ["nll_oracle", "nll_test"]]
    assert all(math.isfinite(r[k].value) for r, k in zip(results, ("modes_covered", "fid", "nll_oracle"))), results


@pytest.mark.filterwarnings("ignore:for .*copying from a non-meta parameter")  # weights onto meta: a no-op, as meant
def test_extractors_run_where_they_are_built():
    pytest.importorskip("torch_fidelity")
    from ganbench.domains.image.features.inception import InceptionV3
    from ganbench.domains.image.metrics import ImageMetrics
    from ganbench.domains.molecule.chemnet import moses_activations

    digits = TASKS.get("image/digits")()
    family = ImageMetrics(digits, ["fid"], device=META)  # the evaluator's device reaches the extractor
    assert {p.device for p in family.extractor.net.parameters()} == {META}
    images = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 1), dtype=np.uint8)
    inception = InceptionV3(random_weights=True)
    with DeviceGuard(CPU) as guard:
        feats, logits = inception(images)
        act = moses_activations(["CCO", "c1ccccc1O"])
    guard.check()
    assert feats.shape == (2, 2048) and logits.shape == (2, 1008) and act.shape == (2, 512)
    assert isinstance(feats, np.ndarray) and isinstance(act, np.ndarray)  # host copies of the features only


def test_draw_on_the_cpu_is_the_draw_of_every_earlier_release():
    """The evaluator's CPU generator and batches are those it always used: the same samples, bit for bit."""
    from ganbench.engine.evaluator import draw

    state = _state("toy/ring8", build_objective("ns"), {})
    drawn = np.concatenate(list(draw(state.task, state.G, 3000, seed=5)))
    g = torch.Generator().manual_seed(5)  # what draw() made before devices existed: batches of 2,500
    before = [state.task.decode(state.task.sample(state.G, k, g)) for k in (2500, 500)]
    np.testing.assert_array_equal(drawn, np.concatenate(before))


# --- devices, generators, precision ------------------------------------------------------------------
@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_a_device_that_is_not_here_is_a_user_error_naming_what_is():
    for spec in ("cuda", "cuda:1"):
        with pytest.raises(UserError, match=r"no CUDA device here .*; available: cpu"):
            resolve_device(spec)
    with pytest.raises(UserError, match="not a device name"):
        resolve_device("gpu-please")
    with pytest.raises(UserError, match="not supported"):
        resolve_device("xpu")
    assert resolve_device("cpu") == CPU and resolve_device(None) == resolve_device("auto")


def test_random_draws_come_from_the_generator_and_land_on_the_target():
    a, b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(randn((4, 5), generator=a, device=CPU), torch.randn(4, 5, generator=b))  # as before
    assert torch.equal(rand((3,), generator=a, device=CPU), torch.rand(3, generator=b))
    assert torch.equal(randint(7, (6,), generator=a, device=CPU), torch.randint(7, (6,), generator=b))
    assert randn((2,), generator=a, device=META).device == META
    assert seeded_generator("cpu", 3).initial_seed() == 3 and seeded_generator(META, 1).device == CPU
    assert same_device("cuda", "cuda:0") and not same_device("cuda:0", "cuda:1") and not same_device("cpu", META)
    assert module_device(object()) == CPU and module_device(torch.nn.Linear(2, 2).to(META)) == META


def test_module_device_is_the_device_of_the_first_parameter_then_buffer_pytorch_yields():
    """The hand-walked lookup against PyTorch's own order: next(parameters()), else next(buffers())."""
    nested = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Identity(), torch.nn.Linear(2, 2).to(META)),
                                 torch.nn.Linear(2, 2))
    assert module_device(nested) == next(nested.parameters()).device == META
    bn = torch.nn.BatchNorm1d(2, affine=False)  # buffers only
    only_buffers = torch.nn.Sequential(torch.nn.ReLU(), bn.to(META))
    assert module_device(only_buffers) == next(only_buffers.buffers()).device == META
    own_first = torch.nn.Linear(2, 2)  # a module's own parameters come before its children's
    own_first.child = torch.nn.Linear(2, 2).to(META)
    assert module_device(own_first) == next(own_first.parameters()).device == CPU
    assert module_device(torch.nn.ReLU()) == CPU


def test_device_facts_and_provenance_record_device_and_precision():
    from ganbench.core.provenance import provenance

    facts = device_facts(CPU)
    assert facts["device"] == "cpu" and facts["device_name"] and facts["cuda"] is None
    prov = provenance()
    assert (prov["device"], prov["precision"], prov["deterministic"]) == ("cpu", "fp32", True)
    assert provenance("cpu", amp="bf16")["precision"] == "bf16"
    with pytest.raises(UserError, match="amp=fp8"):
        provenance("cpu", amp="fp8")


@pytest.mark.parametrize("task_name,objective", [("toy/ring8", "ns"), ("toy/ring8", "wgan-gp"),
                                                 ("image/digits", "hinge"), ("image/digits", "wgan-gp")])
def test_bf16_autocast_trains_on_the_cpu(task_name, objective):
    obj = build_objective(objective)
    state = _state(task_name, obj, {"r1_gamma": 1.0} if objective == "hinge" else {})
    state.cfg["amp"] = "bf16"
    dtypes = []
    state.D.register_forward_hook(lambda m, i, out: dtypes.append(out.dtype))
    before = [p.detach().clone() for p in state.G.parameters()]
    for _ in range(3):
        logs = obj.step(state)
    assert torch.bfloat16 in dtypes  # the discriminator did run in bf16 ...
    assert torch.float32 in dtypes or objective == "ns"  # ... and penalties left autocast (fp32)
    assert all(math.isfinite(v) for v in logs.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, state.G.parameters()))


def test_fp16_scaler_skips_an_overflowing_step_and_applies_the_next():
    net = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    assert isinstance(grad_scaler(CPU, "fp16"), torch.amp.GradScaler)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**120)  # far past fp16: the first scaled gradient overflows
    x = torch.randn(8, 4)
    weights = net.weight.detach().clone()
    with autocast(CPU, "fp16"):
        loss = net(x).float().pow(2).mean()
    norm, applied = optimizer_step(opt, loss, net.parameters(), scaler=scaler)
    assert not applied and not math.isfinite(norm) and torch.equal(net.weight, weights)
    scaler.update(2.0**8)
    with autocast(CPU, "fp16"):
        loss = net(x).float().pow(2).mean()
    norm, applied = optimizer_step(opt, loss, net.parameters(), scaler=scaler)
    assert applied and math.isfinite(norm) and not torch.equal(net.weight, weights)
    assert grad_scaler(CPU, "bf16") is None and grad_scaler(CPU, "fp32") is None


def test_deterministic_mode_switches_on_and_off(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    was = torch.are_deterministic_algorithms_enabled()
    try:
        set_deterministic(True)
        assert torch.are_deterministic_algorithms_enabled()
        import os

        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        set_deterministic(False)
        assert not torch.are_deterministic_algorithms_enabled()
    finally:
        set_deterministic(was)


def test_an_mle_snapshot_of_another_devices_generator_is_not_loaded(tmp_path, monkeypatch):
    from ganbench.domains.sequence import snapshots

    monkeypatch.setattr(snapshots, "snapshot_path", lambda origin, steps: tmp_path / f"{origin}-{steps}.pt")
    state = _state("text/oracle-tiny", build_objective("mle"), {"gumbel": False})
    state.extras["mle_origin"] = "x"
    blob = {"G": state.G.state_dict(), "opt_g": state.opt_g.state_dict(),
            "rng": torch.zeros(16, dtype=torch.uint8)}  # a CUDA generator's state (seed, offset)
    torch.save(blob, tmp_path / "x-5.pt")
    before = state.rng.get_state().clone()
    assert snapshots.load_snapshot(state, 5) is False
    assert torch.equal(state.rng.get_state(), before)


# --- the device through the runner, the CLI, sweeps and executors ---------------------------------------
NO_ACCELERATOR = not torch.cuda.is_available() and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def _cli(capsys, *args) -> tuple[int, str, str]:
    from ganbench.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_run_on_cuda_without_cuda_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = _cli(capsys, "run", "toy/ring8", "--device", "cuda", "--steps", "5", "--results", str(tmp_path))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--device cuda" in lines[0] and "available: cpu" in lines[0], err
    assert not list(tmp_path.iterdir())  # nothing was written


def _record(folder) -> dict:
    import json

    (path,) = folder.glob("*.json")
    return json.loads(path.read_text())


@pytest.mark.skipif(not NO_ACCELERATOR, reason="auto picks the accelerator here")
def test_device_cpu_and_the_default_give_identical_records(capsys, tmp_path):
    a, b = tmp_path / "cpu", tmp_path / "auto"
    for folder, extra in ((a, ["--device", "cpu"]), (b, [])):
        code, _, err = _cli(capsys, "run", "toy/ring8", "--steps", "30", "--results", str(folder), "--no-table", *extra)
        assert code == 0, err
    ra, rb = _record(a), _record(b)
    assert ra["metrics"] == rb["metrics"] and ra["config"] == rb["config"] and ra["config_hash"] == rb["config_hash"]
    assert (a / ra["run_id"] / "log.csv").read_bytes() == (b / rb["run_id"] / "log.csv").read_bytes()
    for rec in (ra, rb):  # the record names where and how it ran
        prov = rec["provenance"]
        assert (prov["device"], prov["precision"], prov["deterministic"]) == ("cpu", "fp32", True)
        assert prov["device_name"]
    assert "amp" not in ra["variant"]  # fp32 is the default, not a variant


def test_bf16_trains_a_toy_run_on_the_cpu_and_says_so(capsys, tmp_path):
    code, _, err = _cli(capsys, "run", "toy/ring8", "--steps", "30", "--device", "cpu", "--set", "amp=bf16",
                        "--results", str(tmp_path), "--no-table")
    assert code == 0, err
    rec = _record(tmp_path)
    assert rec["status"] == "ok" and math.isfinite(rec["metrics"]["mode_kl"]["value"])
    assert rec["provenance"]["precision"] == "bf16" and rec["provenance"]["device"] == "cpu"
    assert rec["config"]["amp"] == "bf16" and rec["variant"] == {"amp": "bf16"}


def test_an_unknown_precision_is_a_user_error(capsys, tmp_path):
    code, _, err = _cli(capsys, "run", "toy/ring8", "--steps", "5", "--set", "amp=fp8", "--results", str(tmp_path))
    assert code == 2 and "amp=fp8" in err and len(err.strip().splitlines()) == 1


def test_fp16_trains_through_the_scaler_without_reading_a_skipped_step_as_divergence(tmp_path):
    from ganbench.engine.trainer import train

    task, obj = TASKS.get("toy/ring8")(), build_objective("ns")
    cfg = resolve(task.spec, obj, {"amp": "fp16"}, steps=20)
    result = train(task, obj, cfg, 0, tmp_path, progress=False, device="cpu")
    assert result.status == "ok" and result.steps_completed == 20
    ck = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert set(ck["scalers"]) == {"g", "d"} and ck["scalers"]["d"]["scale"] > 0  # the scale is resumed with the run


def test_compile_that_fails_falls_back_with_a_warning(tmp_path, monkeypatch):
    from ganbench.engine.trainer import train

    def broken(self, *a, **k):
        raise RuntimeError("no compiler here")

    monkeypatch.setattr(torch.nn.Module, "compile", broken)
    task, obj = TASKS.get("toy/ring8")(), build_objective("ns")
    plain = train(task, obj, resolve(task.spec, obj, {}, steps=10), 0, tmp_path / "a", progress=False, device="cpu")
    with pytest.warns(RuntimeWarning, match="compile=true"):
        compiled = train(task, obj, resolve(task.spec, obj, {"compile": True}, steps=10), 0, tmp_path / "b",
                         progress=False, device="cpu")
    assert compiled.status == "ok"
    assert all(torch.equal(p, q) for p, q in zip(plain.G.parameters(), compiled.G.parameters()))  # it ran uncompiled


@pytest.mark.slow
def test_compile_trains_a_toy_run(tmp_path):
    from ganbench.engine.trainer import train

    task, obj = TASKS.get("toy/ring8")(), build_objective("ns")
    result = train(task, obj, resolve(task.spec, obj, {"compile": True}, steps=5), 0, tmp_path, progress=False, device="cpu")
    assert result.status == "ok" and all(torch.isfinite(p).all() for p in result.G.parameters())


def test_new_keys_at_their_defaults_keep_every_hash():
    from ganbench.core.config import config_hash

    task, obj = TASKS.get("toy/ring8")(), build_objective("ns")
    cfg = resolve(task.spec, obj, {}, steps=10)
    legacy = {k: v for k, v in cfg.items() if k not in ("amp", "deterministic", "compile")}
    assert config_hash(cfg) == config_hash(legacy)
    assert config_hash(resolve(task.spec, obj, {"amp": "bf16"}, steps=10)) != config_hash(cfg)


@pytest.mark.parametrize("workers,gpus,expected", [
    (4, [], (4, [])),                                   # no GPU: the pool as asked, nothing pinned
    (4, ["0", "1"], (2, ["0", "1"])),                   # never more runs than GPUs
    (1, ["0", "1", "2"], (1, ["0"])),
    (3, ["5", "7", "9", "11"], (3, ["5", "7", "9"])),   # the ids CUDA_VISIBLE_DEVICES named, kept
])
def test_each_worker_gets_its_own_gpu(workers, gpus, expected):
    from ganbench.engine.executors import gpu_assignment

    n, pinned = gpu_assignment(workers, gpus)
    assert (n, pinned) == expected and len(set(pinned)) == len(pinned)


def test_a_worker_sees_only_the_gpu_it_takes(monkeypatch):
    import multiprocessing as mp

    from ganbench.engine import executors

    free = mp.get_context("spawn").SimpleQueue()
    for g in ("3", "1"):
        free.put(g)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    executors._pin_gpu(free)
    import os

    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"
    executors._pin_gpu(free)
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "1"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_a_cpu_sweep_pins_nothing_and_a_sweep_file_names_its_device(tmp_path):
    from ganbench.engine.executors import visible_gpus, wants_cuda
    from ganbench.engine.sweep import plan_sweep

    assert visible_gpus("auto") == [] and visible_gpus("cpu") == [] and not wants_cuda("cpu")
    with pytest.raises(UserError, match="--device cuda"):
        visible_gpus("cuda")
    spec = tmp_path / "s.yaml"
    spec.write_text("tasks: [toy/ring8]\nsteps: 5\ndevice: cpu\n")
    assert [r.device for r in plan_sweep(spec, tmp_path).requests] == ["cpu"]
    assert [r.device for r in plan_sweep(spec, tmp_path, device="auto").requests] == ["auto"]  # --device wins


def test_a_table_says_its_device_and_flags_mixed_hardware():
    from ganbench.reporting.tables import hardware, hardware_line

    old = {"provenance": {"device": "cpu"}}  # a committed record: CPU, no precision recorded
    gpu = {"provenance": {"device": "cuda:0", "device_name": "NVIDIA H200", "precision": "bf16"}}
    assert hardware(old) == ("cpu (model not recorded)", "fp32") and hardware({}) == ("cpu (model not recorded)", "fp32")
    assert hardware(gpu) == ("cuda (NVIDIA H200)", "bf16")
    assert hardware_line([old, old]) == "- device: cpu (model not recorded), fp32"
    line = hardware_line([old, gpu, gpu])
    assert line.startswith("- device: MIXED") and "cpu (model not recorded), fp32: 1 run;" in line
    assert "cuda (NVIDIA H200), bf16: 2 runs" in line
    # two CPU models: the same seed gives different last digits on each (and other speeds), so the table says so
    amd, intel = ({"provenance": {"device": "cpu", "device_name": n, "precision": "fp32"}} for n in ("AMD EPYC", "Intel Xeon"))
    assert hardware_line([amd, amd]) == "- device: cpu (AMD EPYC), fp32"
    line = hardware_line([amd, intel, intel])
    assert line.startswith("- device: MIXED") and "cpu (AMD EPYC), fp32: 1 run;" in line and "cpu (Intel Xeon), fp32: 2 runs" in line
