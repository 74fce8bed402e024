"""Protocols: which runs may be ranked in one table.

A leaderboard that ranks a 1,000-step run beside a 50,000-step one, or a fine-tune whose
pre-training it does not count beside a model trained from scratch, compares budgets, not methods.
Here every record gets the *protocol* it was trained and scored under, and a table ranks one
protocol only:

* **budget**: the training steps, with the steps of the run whose generator snapshot it started
  from (``init_g``) added and named, since that pre-training is part of what the result cost;
* **what the task's budgets fix**: the settings a task declares with its named budgets
  (``TaskSpec.budget_settings``, e.g. the nets and rate schedule of the toy tasks' ``default``) —
  the task decides what its protocol holds fixed, and a run that changes one of them trained under
  another protocol;
* **evaluation**: the main metric's comparability key (extractor, sample count, reference;
  :mod:`ganbench.reporting.comparability`).

A protocol whose budget and fixed settings are those of one of the task's named budgets (``--budget
default``, ``quick``, ...) is *named* by it; the task's ``default`` comes first. Any other is
*custom* (``steps=5000``). Within a protocol, a row is a method: the objective and the settings
that differ from that objective's defaults under this protocol, remedies first (``ns+pack=2``,
``ns[lr_g=0.0001]``): the label says only what differs within its table.

*Exploratory* rows never enter a named protocol's ranking: the runs under a custom protocol (a step
count, nets or schedule none of the task's budgets has: probes, budget studies, fine-tunes).
Tags are not what makes a run exploratory: a tag is how a variant is stored beside its method's
default run (two runs of one objective and seed need two names), so a tagged run with a remedy or
another setting at a named protocol is ranked there, named by its settings; a tag on a run whose
settings are the method's defaults only names it (it is that method's row; the tag is listed).
``tags_apart`` (``--tags-apart``) shows the tagged variants of a named protocol in a table apart.

The task specs and objective defaults come from the registries; a record of a task or objective
that is not installed here (a plugin) keeps what its record says (its steps and stored variant)
and is treated as custom.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ganbench.core.config import NON_SEMANTIC
from ganbench.reporting.comparability import canonical, metric_key

DEFAULT = "default"
MAX_PRETRAIN_DEPTH = 8  # snapshot of a snapshot of ...: a cycle or a deep chain stops here


@dataclass(frozen=True)
class Protocol:
    """What one table holds fixed. ``budgets``: the task's named budgets it is (empty: custom)."""

    task: str
    version: str
    steps: int  # training steps, pre-training from a snapshot included
    settings: tuple[tuple[str, str], ...] = ()  # (key, canonical JSON) of what the task's budgets fix
    pretrain: tuple[tuple[str, int], ...] = ()  # (source run label, its steps) of the snapshot it started from
    budgets: tuple[str, ...] = ()
    order: int = 1_000  # position of its first budget in the task's spec (default first); custom last
    evaluation: tuple = ()  # the main metric's comparability key ((detail, json), ...)
    eval_label: str = ""  # what sets its evaluation apart from another protocol of the same training, if any
    unknown_task: bool = False  # the task is not installed here: its budgets cannot be told, each step count ranks

    @property
    def named(self) -> bool:
        """Ranked in the main tables: one of the task's named budgets (or, for a task not installed
        here, whatever it recorded: nothing can show it exploratory)."""
        return bool(self.budgets) or self.unknown_task

    @property
    def is_default(self) -> bool:
        return DEFAULT in self.budgets

    @property
    def name(self) -> str:
        base = " = ".join(self.budgets) if self.budgets else f"steps={self.steps}"
        if self.pretrain:
            base += " from " + " + ".join(label for label, _ in self.pretrain)
        return f"{base} · {self.eval_label}" if self.eval_label else base

    def describe(self) -> str:
        """``20,000 steps; fixed: g_hidden=400, ...``: what the table's header says it fixes."""
        if self.pretrain:
            own = self.steps - sum(s for _, s in self.pretrain)
            chain = " + ".join(f"{s:,} ({label})" for label, s in self.pretrain)
            parts = [f"{self.steps:,} steps = {chain} + {own:,} own"]
        else:
            parts = [f"{self.steps:,} steps"]
        if self.settings:
            parts.append("fixed: " + ", ".join(f"{k}={_text(v)}" for k, v in self.settings))
        return "; ".join(parts)

    def training_key(self) -> tuple:
        """What its runs were trained under (the evaluation aside)."""
        return self.task, self.version, self.steps, self.settings, self.pretrain

    def sort_key(self) -> tuple:
        return (not self.named, self.order, -self.steps if self.unknown_task else self.steps, self.settings,
                self.pretrain, self.eval_label != "", self.evaluation)


def _text(js: str) -> str:
    value = json.loads(js)
    return value if isinstance(value, str) else json.dumps(value)


# --- what the registries know ---------------------------------------------------------------------
@lru_cache(maxsize=None)
def _spec(task: str):
    from ganbench.tasks import TASKS

    try:
        return TASKS.get(task).spec
    except Exception:  # noqa: BLE001 - a plugin task not installed here: its records keep what they say
        return None


@lru_cache(maxsize=None)
def _defaults(task: str, objective: str, budget: str | None, steps: int | None) -> dict | None:
    """The config ``objective`` resolves to on ``task`` at a named budget (or a bare step count)."""
    from ganbench.core.config import resolve
    from ganbench.objectives import build_objective

    spec = _spec(task)
    if spec is None:
        return None
    try:
        return resolve(spec, build_objective(objective), budget=budget, steps=steps)
    except Exception:  # noqa: BLE001 - an objective not installed here, or not for this task
        return _task_reference(task, budget, steps)


def _task_reference(task: str, budget: str | None, steps: int | None) -> dict | None:
    """The task's own layers of a config (no objective's): what places the records of an objective
    that is not installed here (a plugin's) in the task's protocols."""
    from ganbench.core.config import BASE_DEFAULTS

    spec = _spec(task)
    if spec is None:
        return None
    cfg = {**BASE_DEFAULTS, **{k: v for k, v in spec.defaults.items() if k not in ("per_objective", "relaxed")}}
    if budget is not None and budget in spec.budgets:
        cfg["steps"] = int(spec.budgets[budget])
        cfg.update(spec.budget_settings.get(budget, {}))
    if steps is not None:
        cfg["steps"] = int(steps)
    return cfg


@lru_cache(maxsize=None)
def _objective_known(name: str) -> bool:
    from ganbench.objectives import OBJECTIVES

    try:
        OBJECTIVES.get(name)
    except Exception:  # noqa: BLE001 - not registered, or its plugin does not import
        return False
    return True


@lru_cache(maxsize=None)
def fixed_keys(task: str) -> tuple[str, ...]:
    """The settings the task's named budgets fix (its protocol's settings besides the budget)."""
    spec = _spec(task)
    if spec is None:
        return ()
    return tuple(sorted({k for settings in spec.budget_settings.values() for k in settings}))


def _value(cfg: dict, key: str, reference: dict | None) -> Any:
    """``cfg[key]``; for a key the record predates (``ADDED_KEYS``), the value configs without it
    meant; for any other key it does not hold (a hand-made record), the reference's: what a record
    does not say cannot place it elsewhere."""
    from ganbench.core.config import ADDED_KEYS

    if key in cfg:
        return cfg[key]
    added = ADDED_KEYS.get(key)
    if added is not None:
        if reference is not None and reference.get(key) in added.legacy:
            return reference.get(key)
        return sorted(added.legacy, key=str)[0] if len(added.legacy) == 1 else None
    return reference.get(key) if reference is not None else None


def _same(a: Any, b: Any) -> bool:
    return canonical(a) == canonical(b)


# --- one record -------------------------------------------------------------------------------------
def _pretraining(rec: dict, depth: int = 0) -> tuple[tuple[str, int], ...]:
    """(label, steps) of the runs whose snapshots this run started from, oldest first: the record
    beside this one named by ``init_g``'s folder (``{seed}`` is this run's seed)."""
    from ganbench.core.records import read_record, run_label

    init = (rec.get("config") or {}).get("init_g")
    if not init or depth >= MAX_PRETRAIN_DEPTH or not rec.get("_path"):
        return ()
    folder = Path(str(init).replace("{seed}", str(rec.get("seed", 0)))).parent.name
    source = Path(rec["_path"]).parent / f"{folder}.json"
    try:
        src = read_record(source)
    except (ValueError, OSError):
        return (("snapshot " + folder + " (its record is not here: steps unknown)", 0),)
    src["_path"] = str(source)
    return _pretraining(src, depth + 1) + ((run_label(src), int(src["config"].get("steps", 0))),)


@dataclass
class Placement:
    """Where a record goes: its protocol (evaluation not yet known), its row label, whether exploratory."""

    training: Protocol
    label: str
    variant: dict = field(default_factory=dict)
    exploratory: bool = False
    alias: str | None = None  # the tag of a run whose settings are its method's defaults (it only names it)


def place(rec: dict, tags_apart: bool = False) -> Placement:
    """The training protocol (budget, pre-training, fixed settings, matching named budget) and row
    label of one record. Evaluation is added per table (:func:`with_evaluation`)."""
    task, version = rec["task"]["name"], str(rec["task"]["version"])
    cfg = rec.get("config") or {}
    pre = _pretraining(rec)
    steps = int(cfg.get("steps", 0)) + sum(s for _, s in pre)
    objective, tag = rec["objective"], rec.get("tag") or None
    spec = _spec(task)
    keys = fixed_keys(task)
    base = _defaults(task, objective, None, int(cfg.get("steps", 0)) or None)
    settings = tuple((k, json.dumps(canonical(_value(cfg, k, base)), sort_keys=True)) for k in keys)
    budgets, order, reference = [], 1_000, None
    if spec is not None and not pre:
        for i, (name, n) in enumerate(spec.budgets.items()):
            ref = _defaults(task, objective, name, None)
            if ref is None or int(n) != steps:
                continue
            if all(_same(_value(cfg, k, ref), ref.get(k)) for k in keys):
                budgets.append(name)
                order = min(order, 0 if name == DEFAULT else i + 1)
                reference = reference or ref
    protocol = Protocol(task, version, steps, settings, pre, tuple(budgets), order, unknown_task=spec is None)
    if reference is None:
        reference = base
    if reference is None or not _objective_known(objective):  # unknown here: the record's own account
        from ganbench.core.records import run_label

        return Placement(protocol, run_label(rec), dict(rec.get("variant") or {}), exploratory=not protocol.named)
    variant = _variant(cfg, reference, keys)
    method, rest = _method(objective, variant)
    label_variant = ",".join(f"{k}={_text(json.dumps(canonical(v), sort_keys=True))}" for k, v in sorted(rest.items()))
    label = f"{method}[{label_variant}]" if label_variant else method
    # a tag is how a variant is stored beside its method's default run: it names the row only when
    # the settings cannot (a custom protocol's tagged run keeps its tag, which says what it explored)
    if tag and not protocol.named:
        label = f"{method}[{tag}]"
    apart = bool(tag and variant and protocol.named and tags_apart)
    return Placement(protocol, label, variant, exploratory=apart or not protocol.named,
                     alias=tag if tag and not variant and protocol.named else None)


def _method(objective: str, variant: dict) -> tuple[str, dict]:
    """(the objective with the remedies the variant switches on, ``ns+pack=2``; the other settings)."""
    from ganbench.core.config import variant_label
    from ganbench.remedies import remedy_of_key

    keys = remedy_of_key()
    remedies = {k: v for k, v in variant.items() if k in keys}
    rest = {k: v for k, v in variant.items() if k not in keys}
    return objective + "".join(f"+{variant_label({k: v})}" for k, v in sorted(remedies.items())), rest


VARIANT_IGNORED = frozenset({"steps", "init_g"})  # the budget and the pre-training (the protocol's); cadence: NON_SEMANTIC


def _variant(cfg: dict, reference: dict, fixed: tuple[str, ...]) -> dict:
    """Settings of ``cfg`` that differ from ``reference`` (the objective's defaults under the
    protocol), leaving out what the protocol itself fixes and what is not a setting of the method."""
    out = {}
    for k in sorted(set(cfg) | set(reference)):
        if k in VARIANT_IGNORED or k in NON_SEMANTIC or k in fixed:
            continue
        mine = _value(cfg, k, reference)
        if not _same(mine, reference.get(k)):
            out[k] = mine
    return out


def with_evaluation(protocol: Protocol, main_key: tuple, label: str = "") -> Protocol:
    from dataclasses import replace

    return replace(protocol, evaluation=main_key, eval_label=label)


def main_metric_key(rec: dict) -> tuple | None:
    """The comparability key of the record's main metric (None: it has none, e.g. a diverged run)."""
    main = rec["task"].get("main_metric")
    m = (rec.get("metrics") or {}).get(main) if main else None
    return metric_key(m) if isinstance(m, dict) else None


__all__ = ["Protocol", "Placement", "place", "with_evaluation", "main_metric_key", "fixed_keys", "DEFAULT"]
