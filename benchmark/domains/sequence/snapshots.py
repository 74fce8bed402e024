"""Shared MLE pre-training: an MLE run's end state is reused by SeqGAN runs that start the same way.

SeqGAN's first phase is plain MLE. With the same task, seed, generator sizes and optimiser
settings, the first P steps of a SeqGAN run are the same computation as an MLE run of P steps,
so recomputing them is pure waste (on the SeqGAN oracle it is most of the CPU time). At step 0
both objectives fingerprint their starting point — the task and version, the MLE-relevant config,
the generator's initial weights and the training RNG state — and an MLE phase that finishes
stores (generator weights, optimiser state, RNG state) under ``fingerprint + P`` in
``cache_root()/mle-snapshots``. A SeqGAN run that finds a snapshot for its fingerprint and
``pretrain_g_steps`` loads it at step 0 and turns the rest of its MLE phase into no-ops; the
result equals recomputing it (same ops on the same inputs), only faster. Snapshots are plain
``torch.save`` dicts of tensors, loaded with ``weights_only=True`` onto the host and copied into
the run's nets and optimiser wherever they live. A run's generator state belongs to its device
(CPU and CUDA generators have different states), so the fingerprint, which hashes it, never
matches a snapshot of another device's run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from ganbench.core.data import cache_root
from ganbench.core.atomic import atomic_write

MLE_KEYS = ("batch_size", "lr_g", "beta1", "beta2", "optimizer", "grad_clip", "g_emb_dim", "g_hidden_dim")


def fingerprint(state, cfg=None) -> str:
    """Identity of an MLE phase's starting point (call at step 0, before any update); ``cfg``: the
    phase's settings when they are not the run's (a relaxed adversarial run pre-trains with mle's)."""
    h = hashlib.sha256()
    spec = state.task.spec
    cfg = state.cfg if cfg is None else cfg
    h.update(f"{spec.name}|{spec.version}|".encode())
    keys = {k: cfg.get(k) for k in MLE_KEYS}
    if cfg.get("lr_decay", "none") != "none":  # the rates then depend on the run's length, not only on the step
        keys.update(lr_decay=cfg["lr_decay"], steps=cfg.get("steps"))
    h.update(json.dumps(keys, sort_keys=True).encode())
    for name, tensor in state.G.state_dict().items():
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    h.update(state.rng.get_state().numpy().tobytes())
    return h.hexdigest()[:24]


def snapshot_path(origin: str, steps: int) -> Path:
    return cache_root() / "mle-snapshots" / f"{origin}-{int(steps)}.pt"


def save_snapshot(state, steps: int) -> None:
    origin = state.extras.get("mle_origin")
    if not origin:
        return
    path = snapshot_path(origin, steps)
    if path.exists():
        return
    blob = {"G": state.G.state_dict(), "opt_g": state.opt_g.state_dict(), "rng": state.rng.get_state()}
    atomic_write(path, lambda tmp: torch.save(blob, tmp))


def load_snapshot(state, steps: int) -> bool:
    """Load the snapshot for this run's fingerprint after ``steps`` MLE steps; False if none."""
    origin = state.extras.get("mle_origin")
    path = snapshot_path(origin, steps) if origin else None
    if path is None or not path.is_file():
        return False
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)  # tensors land on G's device on load
        if blob["rng"].numel() != state.rng.get_state().numel():  # another device's generator: not ours
            return False
        state.G.load_state_dict(blob["G"])
        state.opt_g.load_state_dict(blob["opt_g"])
        state.rng.set_state(blob["rng"])
    except (OSError, RuntimeError, KeyError, ValueError, AttributeError):
        return False  # a corrupt or stale snapshot is ignored: the phase is recomputed
    return True
