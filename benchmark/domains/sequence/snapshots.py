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
``torch.save`` dicts of tensors with the SHA-256 of their content, loaded with ``weights_only=True``
onto the host and copied into the run's nets and optimiser wherever they live; a snapshot whose
content does not match its checksum (altered, damaged, or written before snapshots had one) is
not used, with a warning, and the phase is recomputed. A run's generator state belongs to its device
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
from ganbench.engine.checkpoint import save_tensors

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


def tensors_digest(blob: dict) -> str:
    """SHA-256 of a snapshot's content (every tensor's name, dtype, shape and bytes, and every other
    value, in key order), ``sha256`` itself left out: stored with the snapshot, checked on load."""
    h = hashlib.sha256()

    def feed(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                if prefix or key != "sha256":
                    feed(f"{prefix}/{key}", value[key])
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                feed(f"{prefix}[{i}]", item)
        elif isinstance(value, torch.Tensor):
            t = value.detach().cpu().contiguous()
            h.update(f"{prefix}|{t.dtype}|{tuple(t.shape)}|".encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        else:
            h.update(f"{prefix}|{value!r}|".encode())

    feed("", blob)
    return h.hexdigest()


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
    blob["sha256"] = tensors_digest(blob)
    atomic_write(path, lambda tmp: save_tensors(blob, tmp))


def snapshot_problem(path: Path) -> str:
    """Why the snapshot file ``path`` would not be used ('' when it is intact): ``ganbench cache verify``."""
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a damaged snapshot
        return f"unreadable ({exc.__class__.__name__})"
    if not isinstance(blob, dict) or "sha256" not in blob:
        return "has no checksum (an older ganbench wrote it)"
    return "" if blob["sha256"] == tensors_digest(blob) else "differs from its checksum (edited or damaged)"


def load_snapshot(state, steps: int) -> bool:
    """Load the snapshot for this run's fingerprint after ``steps`` MLE steps; False if none."""
    origin = state.extras.get("mle_origin")
    path = snapshot_path(origin, steps) if origin else None
    if path is None or not path.is_file():
        return False
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)  # tensors land on G's device on load
        if blob.get("sha256") != tensors_digest(blob):
            import warnings

            why = "has no checksum (an older ganbench wrote it)" if "sha256" not in blob else "differs from its checksum"
            warnings.warn(f"MLE snapshot {path} {why}: not used, the phase is recomputed", RuntimeWarning, stacklevel=2)
            return False
        if blob["rng"].numel() != state.rng.get_state().numel():  # another device's generator: not ours
            return False
        state.G.load_state_dict(blob["G"])
        state.opt_g.load_state_dict(blob["opt_g"])
        state.rng.set_state(blob["rng"])
    except (OSError, RuntimeError, KeyError, ValueError, AttributeError):
        return False  # a corrupt or stale snapshot is ignored: the phase is recomputed
    return True
