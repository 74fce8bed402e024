"""Run configuration: layered defaults, ``--set key=value`` overrides, and a stable hash.

Layers, later wins: :data:`BASE_DEFAULTS` < the objective's ``defaults`` < the task's
``spec.defaults`` < the task's ``spec.defaults["per_objective"][objective]`` < the budget's step
count < the user's ``--set`` overrides. The resolved config is a flat dict of JSON scalars and
lists, stored whole in every run record. Its hash leaves out the keys that cannot change a
result (seed is part of the run's identity instead; checkpoint and log cadence change nothing).

Nets are chosen by name (``g_arch``, ``d_arch``; :mod:`ganbench.nets`). An unknown net, one of
the wrong role or one for another kind of sample fails here, when the run is configured; a net's own ``defaults`` (keys no layer
above set) sit just under the task layer, so ``--set`` can size a net the task knows nothing of.

**The hash of an old run never changes.** A record is matched to a request by its config hash
(the runner skips a finished run, the sweep finds what is missing), so a key added to the defaults
after the first release would otherwise orphan every committed record. :data:`ADDED_KEYS` lists
each such key with the release that added it and the values that reproduce what a config meant
before the key existed; while a key holds one of them, it is left out of the hash. ``g_arch`` and
``d_arch`` (release 2): the nets each task family had as its only nets, MLPs for points, DCGAN
for images, LSTM + CNN for token sequences. A config does not name its family, so the table lists
all three; that is exact because each of these nets serves only its own family's samples
(``sample_kinds``), where it *is* the release-1 net (tests/test_nets.py checks they refuse the
other kinds). Any other
net, a plugin's say, is part of the hash. To add a key later: append it here with its release and
its old-behaviour values; tests/test_config.py re-hashes every committed record.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from dataclasses import dataclass
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


@dataclass(frozen=True)
class AddedKey:
    """A config key added after the first release: left out of the hash while it holds a ``legacy`` value."""

    release: int  # the config release that added it
    legacy: frozenset  # values that do what configs without the key did


ADDED_KEYS: dict[str, AddedKey] = {
    "g_arch": AddedKey(2, frozenset({"mlp-generator", "dcgan-generator", "lstm-generator"})),
    "d_arch": AddedKey(2, frozenset({"mlp-discriminator", "dcgan-discriminator", "cnn-discriminator"})),
}


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
    _add_net_defaults(cfg, overrides or {}, task_spec.sample_kind)
    for key, value in (overrides or {}).items():
        if key not in cfg:
            close = difflib.get_close_matches(key, list(cfg), n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(close)}?" if close else f"known keys: {', '.join(sorted(cfg))}"
            raise UserError(f"--set {key}=…: unknown hyper-parameter for {task_spec.name} with {objective.name}; {hint}")
        cfg[key] = _coerce(key, value, cfg[key])
    if int(cfg["steps"]) < 1:
        raise UserError(f"steps must be at least 1, got {cfg['steps']}")
    return cfg


def _add_net_defaults(cfg: dict[str, Any], overrides: Mapping[str, Any], sample_kind: str) -> None:
    """Check the chosen nets (UserError naming the choices) and add the keys they declare that no
    layer set. A task without ``g_arch``/``d_arch`` builds its own nets and is left alone."""
    from ganbench.nets import ROLE_KEYS, net_class

    for role, key in ROLE_KEYS.items():
        if key in cfg:
            cls = net_class(overrides.get(key, cfg[key]), role, sample_kind)
            for name, value in getattr(cls, "defaults", {}).items():
                cfg.setdefault(name, value)


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


def variant(cfg: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of ``cfg`` that differ from ``defaults`` (the same task, objective and budget with
    no ``--set``/``--steps``): what makes this run a variant of the method, e.g. ``{"g_arch":
    "my-mlp", "ema": 0.999}``. A leaderboard row shows it beside the objective's name. Keys that
    cannot change a result (:data:`NON_SEMANTIC`) are left out, and so is ``steps``: the training
    length is the budget, which every table shows in a column of its own."""
    return {k: v for k, v in cfg.items()
            if k not in NON_SEMANTIC and k != "steps" and (k not in defaults or defaults[k] != v)}


def variant_label(settings: Mapping[str, Any]) -> str:
    """``{"g_arch": "my-mlp", "lr_g": 0.0001}`` -> ``g_arch=my-mlp,lr_g=0.0001`` (sorted by key)."""
    return ",".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in sorted(settings.items()))


def config_hash(cfg: Mapping[str, Any]) -> str:
    """Stable short hash of the semantic part of a config (keys of :data:`ADDED_KEYS` at a legacy
    value left out, so that configs from before they existed keep their hash)."""
    semantic = {k: v for k, v in cfg.items() if k not in NON_SEMANTIC and not _legacy(k, v)}
    blob = json.dumps(semantic, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _legacy(key: str, value: Any) -> bool:
    added = ADDED_KEYS.get(key)
    return added is not None and isinstance(value, str) and value in added.legacy
