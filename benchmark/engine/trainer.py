"""One training loop for every task and objective.

``train`` seeds everything, builds the task's nets and the optimizers, and calls
``objective.step(state)`` until the step budget is spent. Around that one call it checkpoints
every ``checkpoint_every`` steps and at the end, resumes from a checkpoint (refusing one written
under another config), detects divergence (non-finite loss or parameters: the run ends as
*diverged* at that step, not as a crash), logs losses and gradient norms per step to
``log.csv`` (every step of a short run, every k-th of a long one: :mod:`ganbench.engine.steplog`), keeps an optional generator EMA, evaluates periodically if asked, and shows a
progress bar on a terminal.

Everything that changes the numbers is fixed by the config, not by how the run was launched: the
seeds, and the thread count (``threads``, :mod:`ganbench.engine.threads`), applied before the nets
are built on a fresh start and on resume alike, and left in place for the final evaluation that
follows in the same process. So a run trained alone, in a sweep of any size, or resumed after a
kill gives the same bits on one machine.

The device (``device=``, :func:`ganbench.core.device.resolve_device`) is where the nets, their
optimizer state, the EMA copy and the run's random generator live; real batches are drawn on the
generator's device, so a step copies nothing from the host. It is not part of the run's identity:
checkpoints are read onto the host and loaded into the nets wherever they are. ``amp`` (fp32,
bf16, fp16) sets the precision of the forward passes; fp16 steps go through a gradient scaler,
whose skipped steps (an overflow while the scale settles) are counted, not read as divergence.
``deterministic`` switches on PyTorch's deterministic algorithms (on CUDA; the CPU is anyway).
``compile`` wraps the nets with ``torch.compile``; where that fails the run continues uncompiled,
with a warning.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from ganbench.core.device import grad_scaler, optimizer_step, resolve_device, seeded_generator, set_deterministic
from ganbench.engine.checkpoint import load_checkpoint, save_checkpoint
from ganbench.engine.schedule import set_learning_rates
from ganbench.engine.steplog import StepLog, log_interval
from ganbench.engine.threads import apply_threads, run_threads
from ganbench.core.config import config_hash
from ganbench.core.errors import UserError
from ganbench.remedies import compose
from ganbench.remedies.base import Remedies

CHECK_PARAMS_EVERY = 50  # steps between scans of the parameters for NaN/inf


@dataclass
class TrainState:
    """What an objective's ``step`` sees: nets, optimizers, config, RNG and the global step."""

    task: Any
    cfg: dict
    G: nn.Module
    D: nn.Module
    opt_g: torch.optim.Optimizer | None
    opt_d: torch.optim.Optimizer | None
    rng: torch.Generator
    step: int = 0
    extras: dict = field(default_factory=dict)  # objective-owned state that must be checkpointed
    scalers: dict = field(default_factory=dict)  # fp16 gradient scalers by net ("g", "d"); empty otherwise
    skipped: int = 0  # optimizer steps the fp16 scaler skipped during the current training step
    remedies: Remedies | None = None  # the run's remedies (ganbench.remedies); default: those cfg switches on
    _params: dict = field(default_factory=dict, repr=False)  # each net's parameter list, walked once

    def __post_init__(self) -> None:
        if self.remedies is None:  # nets built by the caller: the remedies that change the nets must build them
            self.remedies = compose(self.cfg)

    def _parameters(self, which: str, net: nn.Module) -> list:
        """The net's parameters, listed once: walking the module tree every optimizer step is
        measurable on small nets (a few % of a toy step on the CPU); a net's parameters never
        change during a run."""
        params = self._params.get(which)
        if params is None or params[0] is not net:
            params = self._params[which] = (net, list(net.parameters()))
        return params[1]

    def real_batch(self, batch_size: int | None = None):
        return self.task.real_batch(int(batch_size or self.cfg["batch_size"]), self.rng)

    def optimize(self, which: str, loss: torch.Tensor, clip: float | None = None) -> float:
        """zero_grad, backward, (clip), step (through the net's fp16 scaler, if any); returns the
        gradient norm before clipping. A step the scaler skipped is counted in ``skipped``."""
        net, opt = (self.G, self.opt_g) if which == "g" else (self.D, self.opt_d)
        if opt is None:
            raise RuntimeError(f"objective asked to optimise {which!r} but it has no optimizer")
        norm, applied = optimizer_step(opt, loss, self._parameters(which, net), clip, self.scalers.get(which))
        if not applied:
            self.skipped += 1
        return norm


@dataclass
class TrainResult:
    status: str  # "ok" | "diverged"
    steps_completed: int
    wall_time_s: float
    G: nn.Module  # the generator to evaluate (the EMA copy when EMA is on)
    diverged: dict | None = None
    resumed_from: int | None = None


def seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_optimizer(params, cfg: dict, which: str) -> torch.optim.Optimizer:
    """Adam or RMSprop in PyTorch's multi-tensor (``foreach``) form on every device.

    PyTorch picks ``foreach`` by itself only on CUDA; on the CPU it defaults to one Python-level
    update per parameter. The multi-tensor form does the same arithmetic in the same order (the
    weights after a run are bit for bit those of the per-parameter form, checked by
    ``tests/test_trainer.py``) with one dispatch per operation for all parameters:
    5-12 % faster optimizer steps on the CPU. ``fused=True`` would be 2-3x faster there but rounds
    differently (1 ulp), which would change every seeded run's numbers.
    """
    lr = float(cfg[f"lr_{which}"])
    name = str(cfg["optimizer"]).lower()
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(cfg["beta1"]), float(cfg["beta2"])), foreach=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, foreach=True)
    raise UserError(f"unknown optimizer {cfg['optimizer']!r}: use adam or rmsprop")


def _non_finite_params(*nets: nn.Module) -> str | None:
    for tag, net in zip("GD", nets):
        for name, p in net.named_parameters():
            if not torch.isfinite(p).all():
                return f"non-finite parameter {tag}.{name}"
    return None


def _progress(total: int, initial: int, desc: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, leave=False, dynamic_ncols=True, file=sys.stderr)


def progress_enabled(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stderr.isatty() and not os.environ.get("CI")


def compile_nets(*nets: nn.Module | None) -> bool:
    """``torch.compile`` the nets in place (their state dicts keep their keys); False, with a
    warning, where compiling is not available. A graph that fails to compile later runs eagerly
    (dynamo's ``suppress_errors``): the run goes on, only slower."""
    try:
        import torch._dynamo

        torch._dynamo.config.suppress_errors = True
        for net in nets:
            if net is not None:
                net.compile()
    except Exception as exc:  # no compiler, an unsupported Python/platform: run eagerly
        warnings.warn(f"compile=true: torch.compile is not available here ({exc.__class__.__name__}: "
                      f"{str(exc).splitlines()[0][:120] if str(exc) else ''}); training uncompiled", RuntimeWarning)
        return False
    return True


def run_identity(task, objective, seed: int, tag: str | None, chash: str) -> dict:
    """What names a run in its checkpoint: the task and its version, the objective, seed, tag and
    config hash. The hash alone cannot tell two runs apart (``toy/ring8`` and ``toy/grid25`` share
    one config, so a copied checkpoint would resume with the other task's nets)."""
    return {"task": task.spec.name, "task_version": str(task.spec.version), "objective": objective.name,
            "seed": int(seed), "tag": tag, "config_hash": chash}


def check_checkpoint_run(ck: dict, identity: dict, path: Path, run_dir: Path) -> None:
    """UserError naming what differs when the checkpoint ``ck`` was written by another run than
    ``identity``. A checkpoint from before checkpoints named their run is checked on what it holds
    (config hash and seed), so a run interrupted under an older ganbench still resumes."""
    theirs = ck.get("run") if isinstance(ck.get("run"), dict) else {"seed": ck.get("seed"), "config_hash": ck.get("config_hash")}
    differ = [f"{key} {theirs.get(key)!r}, now {identity[key]!r}" for key in identity
              if key in theirs and theirs.get(key) != identity[key]]
    if "config_hash" not in theirs or "seed" not in theirs:
        differ.append("it names no run")
    if differ:
        raise UserError(f"checkpoint {path} was written by another run ({'; '.join(differ)}): refusing to resume; "
                        f"delete {run_dir} to start over or pass --tag to keep both runs")


def train(task, objective, cfg: dict, seed: int, run_dir: Path, progress: bool | None = None,
          evaluate: Callable[[nn.Module, int], dict] | None = None,
          stop_after: int | None = None, device=None, tag: str | None = None) -> TrainResult:
    """Train ``objective`` on ``task`` under ``cfg`` on ``device`` (default ``auto``); resumable from
    ``run_dir/checkpoint.pt``.

    ``evaluate(G, step)`` is called every ``eval_every`` steps (if set) and its JSON-able result
    appended to ``evals.jsonl``. ``stop_after`` ends the process loop early (tests of resume).
    ``tag`` is the run's tag: with the task, objective, seed and config hash it names the run in
    every checkpoint, and a checkpoint naming another run is refused (:func:`check_checkpoint_run`).
    """
    device = resolve_device(device)
    if cfg.get("deterministic"):
        set_deterministic(True)  # before the first kernel (cuBLAS reads its workspace setting once)
    run_dir.mkdir(parents=True, exist_ok=True)
    apply_threads(run_threads(cfg))  # before anything computes; it stays for the final evaluation
    data_identity = getattr(task, "data_identity", None)
    chash = config_hash(cfg, data_identity(cfg) if data_identity else None)  # as the runner's: changed data is not resumed
    ckpt_path = run_dir / "checkpoint.pt"
    total = int(cfg["steps"])

    seed_everything(seed)
    remedies = compose(cfg)
    G, D = remedies.build(task, {**cfg, "seed": seed})  # the seed lets a config name per-seed inputs
    G = G.to(device)
    D = D.to(device) if D is not None else None
    opt_g = make_optimizer(G.parameters(), cfg, "g") if any(True for _ in G.parameters()) else None
    opt_d = make_optimizer(D.parameters(), cfg, "d") if D is not None and any(True for _ in D.parameters()) else None
    rng = seeded_generator(device, seed)
    scalers = {k: grad_scaler(device, cfg.get("amp", "fp32")) for k, opt in (("g", opt_g), ("d", opt_d)) if opt is not None}
    state = TrainState(task, cfg, G, D, opt_g, opt_d, rng, scalers={k: v for k, v in scalers.items() if v is not None},
                       remedies=remedies)
    ema_decay = float(cfg.get("ema", 0.0))
    G_ema = copy.deepcopy(G).eval() if ema_decay > 0 else None  # before compiling: a copy of a compiled net calls the original
    if cfg.get("compile"):
        compile_nets(G, D)
    elapsed, resumed_from = 0.0, None

    identity = run_identity(task, objective, seed, tag, chash)
    if ckpt_path.exists():
        ck = load_checkpoint(ckpt_path)
        check_checkpoint_run(ck, identity, ckpt_path, run_dir)
        G.load_state_dict(ck["G"])
        if D is not None:
            D.load_state_dict(ck["D"])
        if opt_g is not None:
            opt_g.load_state_dict(ck["opt_g"])
        if opt_d is not None:
            opt_d.load_state_dict(ck["opt_d"])
        if G_ema is not None:
            G_ema.load_state_dict(ck["G_ema"])
        for k, scaler in state.scalers.items():
            if ck.get("scalers", {}).get(k):
                scaler.load_state_dict(ck["scalers"][k])
        if ck.get("rng_device", "cpu") == device.type:
            rng.set_state(ck["rng"])
        else:  # another device's generator state does not fit this one's: continue on a fresh stream
            warnings.warn(f"resuming on {device.type} a run checkpointed on {ck.get('rng_device', 'cpu')}: the random "
                          f"stream restarts, so the result differs from an uninterrupted run", RuntimeWarning)
            rng.manual_seed(seed + int(ck["step"]))
        torch.set_rng_state(ck["torch_rng"])
        if device.type == "cuda" and ck.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ck["cuda_rng"], device)
        state.step = resumed_from = int(ck["step"])
        state.extras = dict(ck.get("extras", {}))
        elapsed = float(ck["elapsed"])
        if ck.get("diverged"):
            return TrainResult("diverged", state.step, elapsed, G_ema or G, dict(ck["diverged"]), resumed_from)

    log = StepLog(run_dir / "log.csv", state.step)
    log_every = log_interval(cfg)
    evals_path = run_dir / "evals.jsonl"
    if state.step == 0 and evals_path.exists():
        evals_path.unlink()
    eval_every = int(cfg.get("eval_every", 0) or 0)
    ckpt_every = max(1, int(cfg.get("checkpoint_every", 1000)))

    def checkpoint(diverged: dict | None = None) -> None:
        log.flush()
        save_checkpoint(ckpt_path, {
            "step": state.step, "seed": seed, "config_hash": chash, "run": identity, "elapsed": elapsed,
            "G": G.state_dict(), "D": D.state_dict() if D is not None else {},
            "opt_g": opt_g.state_dict() if opt_g else {}, "opt_d": opt_d.state_dict() if opt_d else {},
            "G_ema": G_ema.state_dict() if G_ema is not None else {},
            "rng": rng.get_state(), "torch_rng": torch.get_rng_state(), "extras": state.extras,
            "diverged": diverged or {},
            **({"rng_device": device.type} if device.type != "cpu" else {}),  # CPU checkpoints stay as they were
            **({"cuda_rng": torch.cuda.get_rng_state(device)} if device.type == "cuda" else {}),
            **({"scalers": {k: v.state_dict() for k, v in state.scalers.items()}} if state.scalers else {}),
        })

    lr_decay = str(cfg.get("lr_decay", "none"))
    base_rates = {opt: float(cfg[f"lr_{which}"]) for which, opt in (("g", opt_g), ("d", opt_d)) if opt is not None}
    bar = _progress(total, state.step, f"{task.spec.name} {objective.name}", progress_enabled(progress))
    diverged = None
    eval_seconds = 0.0  # periodic evaluations of this process, left out of the evals' "seconds"
    t0 = time.perf_counter()
    try:
        while state.step < total:
            if stop_after is not None and state.step >= stop_after:
                break
            state.skipped = 0
            if lr_decay != "none":
                set_learning_rates(lr_decay, state.step, total, base_rates)
            logs = objective.step(state)
            bad = [k for k, v in logs.items() if isinstance(v, float) and not math.isfinite(v)
                   and not (state.skipped and k.startswith("grad_norm"))]  # an fp16 overflow the scaler skipped
            if not bad and (state.step % CHECK_PARAMS_EVERY == 0 or state.step == total - 1):
                reason = _non_finite_params(G, D) if D is not None else _non_finite_params(G)
            else:
                reason = f"non-finite {', '.join(bad)}" if bad else None
            if reason or state.step % log_every == 0 or state.step == total - 1:
                log.add(state.step, logs)
            if reason:
                diverged = {"step": state.step, "reason": reason}
                state.step += 1
                break
            if G_ema is not None:
                with torch.no_grad():
                    for pe, p in zip(G_ema.parameters(), G.parameters()):
                        pe.lerp_(p, 1 - ema_decay)
                    for be, b in zip(G_ema.buffers(), G.buffers()):
                        be.copy_(b)
            state.step += 1
            if bar is not None:
                bar.update(1)
                if state.step % 25 == 0:
                    bar.set_postfix({k: f"{v:.3g}" for k, v in logs.items() if k.startswith("loss")}, refresh=False)
            if eval_every and evaluate is not None and state.step % eval_every == 0 and state.step < total:
                t_eval = time.perf_counter()
                result = evaluate(G_ema or G, state.step)
                # "seconds": training time so far, evaluations left out (the equal-compute view's x axis)
                seconds = elapsed + (t_eval - t0) - eval_seconds
                with open(evals_path, "a") as f:
                    f.write(json.dumps({"step": state.step, "seconds": round(seconds, 3), **result}) + "\n")
                eval_seconds += time.perf_counter() - t_eval
            if state.step % ckpt_every == 0 or state.step == total:
                elapsed += time.perf_counter() - t0
                t0 = time.perf_counter()
                checkpoint()
    finally:
        if bar is not None:
            bar.close()
    elapsed += time.perf_counter() - t0
    if diverged:
        checkpoint(diverged)
        return TrainResult("diverged", state.step, elapsed, G_ema or G, diverged, resumed_from)
    if state.step < total:  # stopped early on request
        checkpoint()
        return TrainResult("stopped", state.step, elapsed, G_ema or G, None, resumed_from)
    return TrainResult("ok", state.step, elapsed, G_ema or G, None, resumed_from)
