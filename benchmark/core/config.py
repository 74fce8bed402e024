"""Run configuration: layered defaults, ``--set key=value`` overrides, and a stable hash.

Layers, later wins: :data:`BASE_DEFAULTS` < the objective's ``defaults`` < the task's
``spec.defaults`` < the task's ``spec.defaults["per_objective"][objective]`` < the budget's step
count < the user's ``--set`` overrides. The resolved config is a flat dict of JSON scalars and
lists, stored whole in every run record. Its hash leaves out the keys that cannot change a
result (seed is part of the run's identity instead; checkpoint and log cadence change nothing).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from typing import Any, Iterable, Mapping

from ganbench.core.errors import UserError

BASE_DEFAULTS: dict[str, Any] = {
    "steps": 5000,
    "batch_size": 64,
    "optimizer": "adam",  # adam | rmsprop
    "lr_g": 2e-4,
    "lr_d": 2e-4,
    "beta1": 0.5,
    "beta2": 0.999,
    "n_dis": 1,  # discriminator updates per generator update
    "ema": 0.0,  # generator EMA decay; 0 disables
    "eval_every": 0,  # steps between periodic evaluations (0: only at the end)
    "checkpoint_every": 1000,
}

# Keys that never change a result: excluded from the config hash.
NON_SEMANTIC = frozenset({"seed", "checkpoint_every"})


def resolve(task_spec, objective, overrides: Mapping[str, Any] | None = None, steps: int | None = None,
            budget: str | None = None) -> dict[str, Any]:
    """The full config of one run of ``objective`` on the task described by ``task_spec``."""
    cfg: dict[str, Any] = dict(BASE_DEFAULTS)
    cfg.update(objective.defaults)
    task_defaults = dict(task_spec.defaults)
    per_objective = task_defaults.pop("per_objective", {})
    cfg.update(task_defaults)
    cfg.update(per_objective.get(objective.name, {}))
    if budget is not None:
        if budget not in task_spec.budgets:
            raise UserError(f"unknown budget {budget!r} for {task_spec.name}: choose one of {', '.join(task_spec.budgets)}")
        cfg["steps"] = int(task_spec.budgets[budget])
    elif "steps" not in task_defaults:
        cfg["steps"] = int(task_spec.budgets["default"])
    if steps is not None:
        cfg["steps"] = int(steps)
    for key, value in (overrides or {}).items():
        if key not in cfg:
            close = difflib.get_close_matches(key, list(cfg), n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(close)}?" if close else f"known keys: {', '.join(sorted(cfg))}"
            raise UserError(f"--set {key}=…: unknown hyper-parameter for {task_spec.name} with {objective.name}; {hint}")
        cfg[key] = _coerce(key, value, cfg[key])
    if int(cfg["steps"]) < 1:
        raise UserError(f"steps must be at least 1, got {cfg['steps']}")
    return cfg


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Check an override has the default's type (ints may stand for floats)."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, list):
        if isinstance(value, list):
            return value
    elif default is None:
        return value
    raise UserError(f"--set {key}={value!r}: expected a {type(default).__name__} like {default!r}")


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["lr_g=1e-4", "ema=0.999"]`` -> ``{"lr_g": 0.0001, "ema": 0.999}``; malformed -> UserError."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise UserError(f"malformed --set {item!r}: write --set key=value, e.g. --set lr_g=1e-4")
        out[key] = parse_value(raw.strip())
    return out


def parse_value(raw: str) -> Any:
    """JSON literal if it parses (numbers, true/false, lists), else a float, else the raw string."""
    try:
        value = json.loads(raw)
    except ValueError:
        low = raw.lower()
        if low in ("true", "false"):
            return low == "true"
        try:
            return float(raw)
        except ValueError:
            return raw
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"--set value {raw!r} is not a finite number")
    return value


def config_hash(cfg: Mapping[str, Any]) -> str:
    """Stable short hash of the semantic part of a config."""
    semantic = {k: v for k, v in cfg.items() if k not in NON_SEMANTIC}
    blob = json.dumps(semantic, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
