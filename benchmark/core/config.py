"""Run configuration: layered defaults, ``--set key=value`` overrides, and a stable hash.

Layers, later wins: :data:`BASE_DEFAULTS` < the objective's ``defaults`` < the task's
``spec.defaults`` < for an objective that needs differentiable samples on a discrete task, the
task's ``spec.defaults["relaxed"]`` (its relaxation, on by default) < the task's
``spec.defaults["per_objective"][objective]`` < the budget's step
count and its ``spec.budget_settings`` (a named budget, or the default one when neither a budget
nor ``--steps`` is given) < the user's ``--set`` overrides. The resolved config is a flat dict of JSON scalars and
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
net, a plugin's say, is part of the hash. ``threads`` (release 3): torch's thread count changes
floating-point results, so it became a setting of the run (:mod:`ganbench.engine.threads`) instead
of a choice of whoever launched it; its legacy value is 1, the count every committed record ran
with (their ``provenance.torch_threads``; tests/test_config.py checks each one). A record made
before release 3 with another count (a sweep's ``cores // workers``) hashes as a ``threads=1``
run although it was not one: its provenance is the only trace, so re-run it to have it exact.
``amp``, ``deterministic``, ``compile`` (release 4): every earlier run was fp32, without
deterministic algorithms switched on (the CPU's kernels are deterministic anyway) and uncompiled.
The device itself is no key: it is provenance (a run may resume on another device).
``lr_decay`` (release 6): every earlier run trained at constant learning rates (``none``).
The remedies' keys (release 7: ``pack``, ``mbstd``, ``unroll``, ... — :mod:`ganbench.remedies`,
read from its registry lines, so a new remedy adds its keys here by being registered): every
earlier run trained without them, i.e. with each at its *off* value. A plugin's remedy keys
follow the same rule. Every config holds every remedy key (``--set`` needs the key to exist),
a layer just above :data:`BASE_DEFAULTS`.
To add a key later: append it here with its release and its old-behaviour values;
tests/test_config.py re-hashes every committed record.

**Identity and provenance.** A run's identity is what its hash covers, plus its task and task
version, objective, seed and tag (its record's name): every setting that changes its numbers on
a given machine and software — hyper-parameters, nets, the thread count, and the checksums of the
user files it reads. Provenance is recorded beside it and never compared: package versions, git
commit, plugins, device, platform, wall time. The same identity gives bit-identical numbers on one
machine with one software stack, however the run is launched or resumed; across machines or
versions the provenance says why the last bits may differ.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ganbench.core.errors import UserError
from ganbench.remedies import new_keys as new_remedy_keys

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
    "threads": 1,  # torch / BLAS threads of the process running the run: part of its identity (engine/threads.py)
    "amp": "fp32",  # precision of the forward passes: fp32 | bf16 | fp16 (ganbench.core.device.autocast)
    "deterministic": False,  # PyTorch's deterministic algorithms (CUDA); the CPU is deterministic anyway
    "compile": False,  # wrap the nets with torch.compile (falls back with a warning where it fails)
    "lr_decay": "none",  # learning-rate schedule over the run's steps: none | linear | cosine (engine/schedule.py)
    "log_every": 0,  # steps between rows of log.csv; 0: at most 2,000 rows (engine/steplog.py). Changes no number
}

# Keys that never change a result: excluded from the config hash.
NON_SEMANTIC = frozenset({"seed", "checkpoint_every", "log_every"})


@dataclass(frozen=True)
class AddedKey:
    """A config key added after the first release: left out of the hash while it holds a ``legacy`` value."""

    release: int  # the config release that added it
    legacy: frozenset  # values that do what configs without the key did
    # keys whose presence marks a family of configs that held this key from the first release
    # (image configs held spectral_norm): there it stays in the hash whatever its value
    hashed_with: frozenset = frozenset()


ADDED_KEYS: dict[str, AddedKey] = {
    "g_arch": AddedKey(2, frozenset({"mlp-generator", "dcgan-generator", "lstm-generator"})),
    "d_arch": AddedKey(2, frozenset({"mlp-discriminator", "dcgan-discriminator", "cnn-discriminator"})),
    "threads": AddedKey(3, frozenset({1})),
    "amp": AddedKey(4, frozenset({"fp32"})),
    "deterministic": AddedKey(4, frozenset({False})),
    "compile": AddedKey(4, frozenset({False})),
    # the relaxed adversarial runs' MLE pre-training (release 5); before it, none ran. SeqGAN/ORGAN
    # configs always held the key with a positive value, which stays in their hash as before.
    "pretrain_g_steps": AddedKey(5, frozenset({0})),
    # a learning-rate schedule (release 6); every earlier run kept its learning rates constant
    "lr_decay": AddedKey(6, frozenset({"none"})),
    # log.csv's cadence (release 7): cadence, never in the hash (NON_SEMANTIC); earlier runs logged every step
    "log_every": AddedKey(7, frozenset({1})),
}
REMEDIES_RELEASE = 7  # the remedies' keys (release 7), each off in every earlier run
ADDED_KEYS.update({key: AddedKey(REMEDIES_RELEASE, frozenset({off}), frozenset(marks))
                   for key, (off, marks) in new_remedy_keys(builtin_only=True, with_marks=True).items()})


def resolve(task_spec, objective, overrides: Mapping[str, Any] | None = None, steps: int | None = None,
            budget: str | None = None) -> dict[str, Any]:
    """The full config of one run of ``objective`` on the task described by ``task_spec``."""
    cfg: dict[str, Any] = dict(BASE_DEFAULTS)
    cfg.update(new_remedy_keys())  # every remedy's keys, off (ganbench.remedies)
    cfg.update(objective.defaults)
    task_defaults = dict(task_spec.defaults)
    per_objective = task_defaults.pop("per_objective", {})
    relaxed = task_defaults.pop("relaxed", {})
    cfg.update(task_defaults)
    if objective.needs_continuous and not task_spec.continuous:
        cfg.update(relaxed)  # a discrete task's relaxation, for the losses that need differentiable samples
    cfg.update(per_objective.get(objective.name, {}))
    if "steps" in (overrides or {}) and (steps is not None or budget is not None):  # one would be ignored
        given = f"--steps {steps}" if steps is not None else f"the budget {budget!r}"
        raise UserError(f"--set steps={overrides['steps']} and {given} both give the run's length: give it once "
                        f"(--steps N, or steps: N in a sweep file)")
    if budget is not None:
        if budget not in task_spec.budgets:
            raise UserError(f"unknown budget {budget!r} for {task_spec.name}: choose one of {', '.join(task_spec.budgets)}")
        cfg["steps"] = int(task_spec.budgets[budget])
    elif "steps" not in task_defaults:
        cfg["steps"] = int(task_spec.budgets["default"])
        budget = "default" if steps is None else None  # --steps alone is a length, not the default protocol
    if budget is not None:
        cfg.update(task_spec.budget_settings.get(budget, {}))
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
    if "amp" in cfg:  # one spelling per mode, so that one precision has one hash
        from ganbench.core.device import check_amp

        cfg["amp"] = check_amp(cfg["amp"])
    check_ranges(cfg)
    return cfg


@dataclass(frozen=True)
class Range:
    """What a numeric hyper-parameter may hold: ``kind`` int or float, bounds, and the words of a message."""

    kind: str  # "int" | "float" | "ints" (a list of ints)
    low: float
    low_open: bool = False
    high: float = math.inf
    high_open: bool = True
    words: str = ""

    def holds(self, value: Any) -> bool:
        if self.kind == "ints":
            each = Range("int", self.low, high=self.high, high_open=self.high_open)
            return isinstance(value, list) and all(each.holds(v) for v in value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if self.kind == "int" and not float(value).is_integer():
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below


COUNT, SIZE = Range("int", 0, words="an integer >= 0"), Range("int", 1, words="an integer >= 1")
RATE, WEIGHT = Range("float", 0, low_open=True, words="a finite number > 0"), Range("float", 0, words="a finite number >= 0")
FRACTION = Range("float", 0, high=1, words="in [0, 1)")


def _upto(low: int, high: int) -> Range:
    """An integer in ``low..high``: the upper bounds are far above any published GAN's (a width of
    65,536, a batch of 65,536, 10^9 steps) and below what would fail inside torch's allocator
    (``g_hidden=1e23``) instead of here."""
    return Range("int", low, high=high, high_open=False, words=f"an integer >= {low} (at most {high:,})")


STEPS, WIDTH, DEPTH = _upto(1, 10**9), _upto(1, 1 << 16), _upto(0, 1000)
SIZES = Range("ints", 1, high=1 << 16, high_open=False, words=f"integers >= 1 (at most {1 << 16:,})")
MAX_THREADS = 256

# The range of every numeric key a shipped task, objective or net uses (a key a config lacks is
# not checked; any other number, a plugin's say, must at least be finite). Checked when the run
# is configured, so a bad value is a one-line input error, never a "failed" or "diverged" record.
RANGES: dict[str, tuple[Range, str]] = {
    "steps": (STEPS, ""), "batch_size": (WIDTH, ""), "checkpoint_every": (STEPS, " (steps between checkpoints)"),
    "eval_every": (_upto(0, 10**9), " (0: evaluate only at the end)"),
    "log_every": (_upto(0, 10**9), " (0: at most 2,000 rows of log.csv)"),
    "threads": (_upto(1, MAX_THREADS), " (torch threads of the run)"),
    "lr_g": (RATE, ""), "lr_d": (RATE, ""), "beta1": (FRACTION, " (Adam's momentum)"), "beta2": (FRACTION, ""),
    "n_dis": (_upto(1, 1000), " (discriminator updates per generator update)"),
    "ema": (FRACTION, " (0 turns the EMA off; 0.999 is usual)"),
    "latent_dim": (WIDTH, ""), "g_hidden": (WIDTH, ""), "d_hidden": (WIDTH, ""), "g_layers": (DEPTH, ""), "d_layers": (DEPTH, ""),
    "d_maxout": (_upto(1, 64), " (1: LeakyReLU instead of maxout)"), "g_ch": (WIDTH, ""), "d_ch": (WIDTH, ""),
    "g_emb_dim": (WIDTH, ""), "d_emb_dim": (WIDTH, ""), "g_hidden_dim": (WIDTH, ""),
    "d_filter_sizes": (SIZES, ""), "d_num_filters": (SIZES, ""), "d_dropout": (FRACTION, ""), "d_l2": (WEIGHT, ""),
    "gp_weight": (WEIGHT, ""), "r1_gamma": (WEIGHT, ""), "grad_clip": (WEIGHT, " (0: no clipping)"),
    "gumbel_beta_max": (RATE, " (the final inverse temperature)"), "rollouts": (_upto(1, 1024), ""),
    "rollout_update_rate": (FRACTION, ""), "organ_lambda": (Range("float", 0, high=1, high_open=False, words="in [0, 1]"), ""),
    "pretrain_g_steps": (_upto(0, 10**9), ""), "pretrain_d_steps": (_upto(0, 10**9), ""),
    "adv_weight": (WEIGHT, " (conditional tasks: the adversarial term's weight beside L1; the l1 objective is 0)"),
}


def check_ranges(cfg: Mapping[str, Any]) -> None:
    """UserError (one line, the key, its range and the value) unless every numeric setting is in range.

    ``inf`` and ``nan`` (any case) are never a setting: an infinite learning rate would be
    recorded as the method's divergence, not as the input error it is."""
    if "amp" in cfg:
        from ganbench.core.device import check_amp

        check_amp(cfg["amp"])
    if "lr_decay" in cfg:
        from ganbench.engine.schedule import check_lr_decay

        check_lr_decay(cfg["lr_decay"])
    for key, value in cfg.items():
        if key in RANGES:
            rule, why = RANGES[key]
            if not rule.holds(value):
                raise UserError(f"{key} must be {rule.words}{why}, got {value!r}: change it (--set {key}=VALUE)")
        elif isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{key} must be a finite number, got {value!r}: change it (--set {key}=VALUE)")
        elif isinstance(value, list) and any(isinstance(v, float) and not math.isfinite(v) for v in value):
            raise UserError(f"{key} must hold finite numbers, got {value!r}: change it (--set {key}=[...])")


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
        try:
            out[key] = parse_value(raw.strip())  # a later --set of the same key wins, as later options do
        except UserError as exc:  # name the key: "--set lr_d=NaN: ..." says which setting to fix
            raise UserError(f"--set {key}={raw.strip()}: {exc}") from None
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


def config_hash(cfg: Mapping[str, Any], data: Mapping[str, str] | None = None) -> str:
    """Stable short hash of a run's identity: the semantic part of its config (keys of
    :data:`ADDED_KEYS` at a legacy value left out, so that configs from before they existed keep
    their hash) and, where the task reads user files, their checksums ``data`` (``{name: sha256}``,
    :meth:`ganbench.core.task.Task.data_identity`). No data, the hash of every release-1 record."""
    plugin_off = {k: off for k, off in new_remedy_keys().items() if k not in ADDED_KEYS}
    semantic = {k: v for k, v in cfg.items() if k not in NON_SEMANTIC and not _legacy(k, v, cfg)
                and not (k in plugin_off and _same(v, plugin_off[k]))}
    identity = {"config": semantic, "data": dict(data)} if data else semantic
    blob = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _legacy(key: str, value: Any, cfg: Mapping[str, Any]) -> bool:
    """Whether ``value`` is one of ``key``'s legacy values, of the same type (``True`` is not ``1``),
    in a config of a family that did not hold the key before it was added."""
    added = ADDED_KEYS.get(key)
    return (added is not None and any(_same(value, old) for old in added.legacy)
            and not any(mark in cfg for mark in added.hashed_with))


def _same(value: Any, old: Any) -> bool:
    return type(value) is type(old) and value == old
