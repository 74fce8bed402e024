"""One training loop for every task and objective.

``train`` seeds everything, builds the task's nets and the optimizers, and calls
``objective.step(state)`` until the step budget is spent. Around that one call it checkpoints
every ``checkpoint_every`` steps and at the end, resumes from a checkpoint (refusing one written
under another config), detects divergence (non-finite loss or parameters: the run ends as
*diverged* at that step, not as a crash), logs losses and gradient norms per step to
``log.csv``, keeps an optional generator EMA, evaluates periodically if asked, and shows a
progress bar on a terminal.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from ganbench.engine.checkpoint import load_checkpoint, save_checkpoint
from ganbench.core.config import config_hash
from ganbench.core.errors import UserError

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

    def real_batch(self, batch_size: int | None = None):
        return self.task.real_batch(int(batch_size or self.cfg["batch_size"]), self.rng)

    def optimize(self, which: str, loss: torch.Tensor, clip: float | None = None) -> float:
        """zero_grad, backward, (clip), step; returns the gradient norm before clipping."""
        net, opt = (self.G, self.opt_g) if which == "g" else (self.D, self.opt_d)
        if opt is None:
            raise RuntimeError(f"objective asked to optimise {which!r} but it has no optimizer")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for p in net.parameters() if p.grad is not None]
        if clip:
            norm = torch.nn.utils.clip_grad_norm_(params, clip)
        else:
            norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params])) if params else torch.zeros(())
        opt.step()
        return float(norm)


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
    lr = float(cfg[f"lr_{which}"])
    name = str(cfg["optimizer"]).lower()
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(cfg["beta1"]), float(cfg["beta2"])))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise UserError(f"unknown optimizer {cfg['optimizer']!r}: use adam or rmsprop")


def _non_finite_params(*nets: nn.Module) -> str | None:
    for tag, net in zip("GD", nets):
        for name, p in net.named_parameters():
            if not torch.isfinite(p).all():
                return f"non-finite parameter {tag}.{name}"
    return None


class StepLog:
    """Per-step losses and gradient norms in ``log.csv``, flushed at each checkpoint.

    Rows after the last checkpoint are held in memory, so after a crash the file ends exactly at
    the checkpoint the run resumes from, and a resumed run's log equals an uninterrupted one's.
    """

    def __init__(self, path: Path, resume_step: int):
        self.path = path
        self.pending: list[dict] = []
        self.columns: list[str] | None = None
        if resume_step > 0 and path.exists():
            with open(path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) < resume_step]
                self.columns = list(rows[0].keys()) if rows else None
            self._rewrite(rows)
        elif path.exists():
            path.unlink()

    def _rewrite(self, rows: list[dict]) -> None:
        with open(self.path, "w", newline="") as f:
            if rows and self.columns:
                w = csv.DictWriter(f, self.columns)
                w.writeheader()
                w.writerows(rows)

    def add(self, step: int, logs: dict[str, float]) -> None:
        self.pending.append({"step": step, **logs})

    def flush(self) -> None:
        if not self.pending:
            return
        if self.columns is None:
            self.columns = list(dict.fromkeys(k for row in self.pending for k in row))
        new_cols = [k for row in self.pending for k in row if k not in self.columns]
        if new_cols:  # a later phase logs new quantities: rewrite with the wider header
            with open(self.path, newline="") as f:
                old = list(csv.DictReader(f)) if self.path.stat().st_size else []
            self.columns += list(dict.fromkeys(new_cols))
            self._rewrite(old)
        write_header = not self.path.exists() or self.path.stat().st_size == 0
        with open(self.path, "a", newline="") as f:
            w = csv.DictWriter(f, self.columns, restval="")
            if write_header:
                w.writeheader()
            w.writerows({k: _fmt(v) for k, v in row.items()} for row in self.pending)
        self.pending.clear()


def _fmt(v: Any) -> Any:
    return f"{v:.6g}" if isinstance(v, float) else v


def _progress(total: int, initial: int, desc: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, leave=False, dynamic_ncols=True, file=sys.stderr)


def progress_enabled(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stderr.isatty() and not os.environ.get("CI")


def train(task, objective, cfg: dict, seed: int, run_dir: Path, progress: bool | None = None,
          evaluate: Callable[[nn.Module, int], dict] | None = None,
          stop_after: int | None = None) -> TrainResult:
    """Train ``objective`` on ``task`` under ``cfg``; resumable from ``run_dir/checkpoint.pt``.

    ``evaluate(G, step)`` is called every ``eval_every`` steps (if set) and its JSON-able result
    appended to ``evals.jsonl``. ``stop_after`` ends the process loop early (tests of resume).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    chash = config_hash(cfg)
    ckpt_path = run_dir / "checkpoint.pt"
    total = int(cfg["steps"])

    seed_everything(seed)
    G, D = task.build_models({**cfg, "seed": seed})  # the seed lets a config name per-seed inputs
    opt_g = make_optimizer(G.parameters(), cfg, "g") if any(True for _ in G.parameters()) else None
    opt_d = make_optimizer(D.parameters(), cfg, "d") if D is not None and any(True for _ in D.parameters()) else None
    rng = torch.Generator().manual_seed(seed)
    state = TrainState(task, cfg, G, D, opt_g, opt_d, rng)
    ema_decay = float(cfg.get("ema", 0.0))
    G_ema = copy.deepcopy(G).eval() if ema_decay > 0 else None
    elapsed, resumed_from = 0.0, None

    if ckpt_path.exists():
        ck = load_checkpoint(ckpt_path)
        if ck.get("config_hash") != chash or int(ck.get("seed", -1)) != seed:
            raise UserError(
                f"checkpoint {ckpt_path} was written under another config (hash {ck.get('config_hash')}, now {chash}): "
                f"refusing to resume; delete {run_dir} to start over or pass --tag to keep both runs"
            )
        G.load_state_dict(ck["G"])
        if D is not None:
            D.load_state_dict(ck["D"])
        if opt_g is not None:
            opt_g.load_state_dict(ck["opt_g"])
        if opt_d is not None:
            opt_d.load_state_dict(ck["opt_d"])
        if G_ema is not None:
            G_ema.load_state_dict(ck["G_ema"])
        rng.set_state(ck["rng"])
        torch.set_rng_state(ck["torch_rng"])
        state.step = resumed_from = int(ck["step"])
        state.extras = dict(ck.get("extras", {}))
        elapsed = float(ck["elapsed"])
        if ck.get("diverged"):
            return TrainResult("diverged", state.step, elapsed, G_ema or G, dict(ck["diverged"]), resumed_from)

    log = StepLog(run_dir / "log.csv", state.step)
    evals_path = run_dir / "evals.jsonl"
    if state.step == 0 and evals_path.exists():
        evals_path.unlink()
    eval_every = int(cfg.get("eval_every", 0) or 0)
    ckpt_every = max(1, int(cfg.get("checkpoint_every", 1000)))

    def checkpoint(diverged: dict | None = None) -> None:
        log.flush()
        save_checkpoint(ckpt_path, {
            "step": state.step, "seed": seed, "config_hash": chash, "elapsed": elapsed,
            "G": G.state_dict(), "D": D.state_dict() if D is not None else {},
            "opt_g": opt_g.state_dict() if opt_g else {}, "opt_d": opt_d.state_dict() if opt_d else {},
            "G_ema": G_ema.state_dict() if G_ema is not None else {},
            "rng": rng.get_state(), "torch_rng": torch.get_rng_state(), "extras": state.extras,
            "diverged": diverged or {},
        })

    bar = _progress(total, state.step, f"{task.spec.name} {objective.name}", progress_enabled(progress))
    diverged = None
    t0 = time.perf_counter()
    try:
        while state.step < total:
            if stop_after is not None and state.step >= stop_after:
                break
            logs = objective.step(state)
            bad = [k for k, v in logs.items() if isinstance(v, float) and not math.isfinite(v)]
            if not bad and (state.step % CHECK_PARAMS_EVERY == 0 or state.step == total - 1):
                reason = _non_finite_params(G, D) if D is not None else _non_finite_params(G)
            else:
                reason = f"non-finite {', '.join(bad)}" if bad else None
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
                result = evaluate(G_ema or G, state.step)
                with open(evals_path, "a") as f:
                    f.write(json.dumps({"step": state.step, **result}) + "\n")
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
