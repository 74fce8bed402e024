"""Re-evaluation of finished runs under other evaluation protocols (the protocol-sensitivity panel).

A leaderboard ranks methods under one protocol. Whether its order survives the choices users argue
about — half or twice the samples, the train split as reference, another feature space, another
sampling temperature — is answered by scoring the *same trained generators* again under each
choice. The choices are declared by the domains (:class:`~ganbench.core.protocol.ProtocolVariant`
in each ``DOMAIN``); this module applies them without knowing any domain.

For every run record with status ``ok`` whose run folder holds ``checkpoint.pt``, the generator is
rebuilt from the record's config (``task.build_models``), its trained weights loaded (the EMA copy
when the run kept one, as the runner evaluated it), and the task's main metric — only it, for
speed — evaluated under each variant with the runner's evaluation seed (the run's seed). The
results go to ``<run folder>/sensitivity.json``, written atomically after every variant, so an
interrupted pass resumes where it stopped and a second pass computes only what is missing (a
variant is recomputed only when its resolved protocol, or the run itself, changed).

``sensitivity.json``::

    {"schema": "ganbench.sensitivity/1", "run_id", "task": {"name", "version"}, "objective", "seed",
     "config_hash", "record_finished", "checkpoint_step", "main_metric", "direction",
     "default": {"protocol": {...}, "value"},
     "variants": {name: {"axis", "summary", "protocol": {...}, "value", "direction", "details",
                         "seconds", "device"} | {..., "error"}},
     "skipped": {name: why}}

``protocol`` is the whole evaluation protocol after the variant is applied: ``metric``,
``n_samples``, ``seed`` and, where the task's domain varies them, ``reference_split``,
``extractor`` and ``temperature``. Only finished runs are re-scored: a diverged or failed run has
no main metric to vary. The process computes with the run's thread count, as the runner did, so
a variant that changes nothing would give the record's value bit for bit (the tests check it).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.core.protocol import ProtocolVariant

SCHEMA = "ganbench.sensitivity/1"
FILE = "sensitivity.json"


# --- which variants -------------------------------------------------------------------------------
def declared_variants(task_name: str) -> tuple[ProtocolVariant, ...]:
    """The protocol variants the task's domain declares (none for a name no domain claims)."""
    from ganbench.domains import domain_of

    domain = domain_of(task_name)
    variants = tuple(domain.protocol_variants) if domain is not None else ()
    names = [v.name for v in variants]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"domain {domain.name!r} declares protocol variant(s) {', '.join(dup)} twice")
    return variants


def check_selection(wanted: Iterable[str] | None) -> list[str] | None:
    """``--variants`` validated against every declared variant name and axis: None (the default set),
    or the names; an unknown word is a UserError listing the known ones."""
    if wanted is None:
        return None
    words = [w.strip() for w in wanted if w and w.strip()]
    if not words:
        raise UserError("--variants is empty: give variant names or axes (e.g. samples-half,temperature), "
                        "'default' or 'all'")
    from ganbench.domains import declared

    known = {"default", "all"}
    for domain in declared():
        for v in domain.protocol_variants:
            known |= {v.name, v.axis}
    unknown = [w for w in words if w not in known]
    if unknown:
        raise UserError(f"unknown protocol variant {', '.join(unknown)}: choose from {', '.join(sorted(known))}")
    return words


def select(variants: Iterable[ProtocolVariant], wanted: list[str] | None) -> list[ProtocolVariant]:
    """The variants ``wanted`` names (a name, an axis, ``default`` or ``all``); None: the default set."""
    words = set(wanted or ["default"])
    return [v for v in variants
            if "all" in words or v.name in words or v.axis in words or ("default" in words and v.default)]


# --- one variant on one task -------------------------------------------------------------------------
@dataclass
class Plan:
    """A variant resolved for one run: the protocol it evaluates under, or why it cannot."""

    variant: ProtocolVariant
    protocol: dict
    skip: str | None = None


def default_protocol(task, G, seed: int) -> dict:
    """The protocol the runner evaluated the run under (what the record's main metric value means):
    the metric, sample count and seed, and those of the reference split, extractor and temperature
    that the task's domain varies (a toy task has no split to name)."""
    spec = task.spec
    knobs = {k for v in declared_variants(spec.name) for k in v.settings}
    proto = {"metric": spec.main_metric, "n_samples": int(spec.eval_samples), "seed": int(seed)}
    if "reference_split" in knobs:
        proto["reference_split"] = spec.reference_split
    if "extractor" in knobs and getattr(task, "default_extractor", None):
        proto["extractor"] = task.default_extractor
    if "temperature" in knobs and isinstance(getattr(G, "temperature", None), (int, float)):
        proto["temperature"] = float(G.temperature)
    return proto


def plan(task, G, variant: ProtocolVariant, default: dict) -> Plan:
    """``variant``'s protocol for ``task`` (its settings applied to ``default``), or the reason to skip it."""
    from ganbench.core.domain import resolve

    s, proto = variant.settings, dict(default)
    if "samples" in s:
        proto["n_samples"] = max(2, int(round(task.spec.eval_samples * float(s["samples"]))))
    if "reference_split" in s:
        proto["reference_split"] = str(s["reference_split"])
    if "extractor" in s:
        proto["extractor"] = str(s["extractor"])
    if "temperature" in s:
        if not hasattr(G, "temperature_scaled"):
            return Plan(variant, proto, "the generator has no sampling temperature")
        proto["temperature"] = float(s["temperature"])
    if "metric" in s:
        alt = s["metric"].get(default["metric"])
        if alt is None:
            return Plan(variant, proto, f"no alternative to {default['metric']} in this variant")
        if alt not in task.spec.metrics:
            return Plan(variant, proto, f"the task has no metric {alt}")
        proto["metric"] = alt
    if proto == default:
        return Plan(variant, proto, "the task's default protocol already")
    if variant.available:
        why = resolve(variant.available)(task)
        if why:
            return Plan(variant, proto, str(why))
    return Plan(variant, proto)


def task_view(task, protocol: dict):
    """``task`` itself, or a shallow copy whose spec names another reference split (the data it
    holds is shared, not reloaded)."""
    if protocol.get("reference_split", task.spec.reference_split) == task.spec.reference_split:
        return task
    view = copy.copy(task)
    view.spec = dataclasses.replace(task.spec, reference_split=protocol["reference_split"])
    return view


def evaluate_plan(task, G, p: Plan, default: dict, device=None):
    """The main metric (``p.protocol['metric']``) of ``G`` under the plan's protocol: a MetricValue."""
    from ganbench.engine.evaluator import evaluate_generator

    proto = p.protocol
    view = task_view(task, proto)
    if proto.get("reference_split", task.spec.reference_split) != task.spec.reference_split:
        try:
            view.reference_samples(2)
        except (KeyError, FileNotFoundError) as exc:
            raise UserError(f"{task.spec.name} has no {proto['reference_split']} split to compare against ({exc})") from None
    options = {"extractor": proto["extractor"]} if proto.get("extractor") != default.get("extractor") else None
    scaled = (G.temperature_scaled(proto["temperature"]) if proto.get("temperature") != default.get("temperature")
              else nullcontext())
    with scaled:
        values = evaluate_generator(view, G, proto["n_samples"], seed=proto["seed"], metric_names=[proto["metric"]],
                                    options=options, device=device)
    return values[proto["metric"]]


# --- one run ---------------------------------------------------------------------------------------------
def load_generator(task, record: dict, checkpoint: Path, device):
    """The run's trained generator on ``device``: built from its config as the trainer built it, the
    checkpoint's EMA weights when the run kept them (what the runner evaluated), else ``G``.
    ``init_g`` (the file training *started* from) is left out: the checkpoint holds the trained
    weights, and the starting file may be gone. Returns (G, checkpoint step)."""
    import torch

    from ganbench.engine.checkpoint import load_checkpoint

    cfg, seed = dict(record["config"]), int(record["seed"])
    if cfg.get("init_g"):
        cfg["init_g"] = ""
    ck = load_checkpoint(checkpoint)
    if ck.get("config_hash") not in (None, record.get("config_hash")) or int(ck.get("seed", seed)) != seed:
        raise UserError(f"{checkpoint} was written by another run than {record['run_id']} "
                        f"(config hash {ck.get('config_hash')}, record {record.get('config_hash')})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G, _ = task.build_models({**cfg, "seed": seed})
    ema = ck.get("G_ema") or {}
    G.load_state_dict(ema if ema else ck["G"])
    G = G.to(device)
    if ema:
        G.eval()  # the trainer's EMA copy is in eval mode; a plain G is evaluated as training left it
    return G, int(ck.get("step", -1))


def _metric_value(record: dict, metric: str):
    m = record.get("metrics", {}).get(metric)
    return m.get("value") if isinstance(m, dict) else None


def _identity(record: dict, step: int) -> dict:
    return {"run_id": record["run_id"], "config_hash": record.get("config_hash"),
            "record_finished": record.get("finished"), "checkpoint_step": step}


def read_sensitivity(run_dir: Path) -> dict | None:
    """The run folder's ``sensitivity.json`` (None if absent or not one: it is then recomputed)."""
    path = Path(run_dir) / FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None


def _write(path: Path, doc: dict) -> None:
    """Atomically, NaN/inf as strings (the records' JSON conventions)."""
    from ganbench.core.records import write_record

    write_record(path, doc, replace=True)


@dataclass
class RunResult:
    """What one run's pass did: variants computed now, kept from before, skipped (why), failed (why)."""

    run_id: str
    computed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    path: Path | None = None
    error: str | None = None  # the whole run could not be re-evaluated

    def line(self, said: set | None = None) -> str:
        """One line; a skip whose reason is in ``said`` (already printed for an earlier run) is named only."""
        if self.error:
            return f"{self.run_id}: not re-evaluated, {self.error}"
        parts = [f"{len(self.computed)} computed" + (f" ({', '.join(self.computed)})" if self.computed else "")]
        if self.kept:
            parts.append(f"{len(self.kept)} already there")
        if self.skipped:
            said = set() if said is None else said
            parts.append(f"{len(self.skipped)} skipped (" + "; ".join(
                k if (k, v) in said else f"{k}: {v}" for k, v in self.skipped.items()) + ")")
            said.update(self.skipped.items())
        if self.failed:
            parts.append(f"{len(self.failed)} FAILED (" + "; ".join(f"{k}: {v}" for k, v in self.failed.items()) + ")")
        return f"{self.run_id}: " + ", ".join(parts) + f", {self.seconds:.1f}s"


def reevaluate_run(task, record: dict, run_dir: Path, variants: list[ProtocolVariant], device) -> RunResult:
    """Evaluate one run's generator under ``variants``; ``<run_dir>/sensitivity.json`` is updated
    after each one (see the module docstring)."""
    from ganbench.engine.threads import apply_threads, run_threads

    started = time.perf_counter()
    out = RunResult(record["run_id"], path=Path(run_dir) / FILE)
    apply_threads(run_threads(record["config"]))  # the run's numerics: its thread count, as the runner evaluated
    G, step = load_generator(task, record, Path(run_dir) / "checkpoint.pt", device)
    default = default_protocol(task, G, record["seed"])
    main = task.spec.main_metric
    direction = (record.get("metrics", {}).get(main) or {}).get("direction")
    ident = _identity(record, step)
    old = read_sensitivity(run_dir)
    same_run = old is not None and all(old.get(k) == v for k, v in ident.items()) and old.get("default", {}).get("protocol") == default
    doc = {"schema": SCHEMA, **ident, "task": {"name": task.spec.name, "version": str(task.spec.version)},
           "objective": record["objective"], "tag": record.get("tag"), "seed": record["seed"], "main_metric": main,
           "direction": direction, "default": {"protocol": default, "value": _metric_value(record, main)},
           "variants": dict(old["variants"]) if same_run else {}, "skipped": {}}
    for variant in variants:
        p = plan(task, G, variant, default)
        if p.skip:
            out.skipped[variant.name] = doc["skipped"][variant.name] = p.skip
            doc["variants"].pop(variant.name, None)
            continue
        before = doc["variants"].get(variant.name)
        if before is not None and before.get("protocol") == p.protocol and "error" not in before:
            out.kept.append(variant.name)
            continue
        t0 = time.perf_counter()
        entry = {"axis": variant.axis, "summary": variant.summary, "protocol": p.protocol}
        try:
            value = evaluate_plan(task, G, p, default, device)
        except (UserError, ImportError) as exc:  # weights, a split, a library this machine lacks: a skip
            out.skipped[variant.name] = doc["skipped"][variant.name] = str(exc).splitlines()[0][:300]
            doc["variants"].pop(variant.name, None)
            continue
        except Exception as exc:  # noqa: BLE001 - the metric failed on these samples: a result to show, not a crash
            entry.update({"error": f"{exc.__class__.__name__}: {exc}"[:500], "traceback": traceback.format_exc(limit=6)})
            out.failed[variant.name] = entry["error"].splitlines()[0][:200]
        else:
            entry.update({"value": value.value, "direction": value.direction, "details": value.details})
            out.computed.append(variant.name)
        entry.update({"seconds": round(time.perf_counter() - t0, 3), "device": str(device)})
        doc["variants"][variant.name] = entry
        _write(out.path, doc)
    _write(out.path, doc)  # the skips of this pass, and the document of a run with nothing to compute
    out.seconds = time.perf_counter() - started
    return out


# --- a results folder -----------------------------------------------------------------------------------
def runs_to_reevaluate(results: Path) -> tuple[list[tuple[dict, Path]], list[tuple[str, str]]]:
    """(record, run folder) of every finished run with a checkpoint; (run id, why) of the others that
    could have been (status ok, no checkpoint). Diverged and failed runs have no main metric to vary."""
    from ganbench.core.records import load_records

    results = Path(results)
    if results.exists() and not results.is_dir():
        raise UserError(f"results folder {results} is a file, not a folder: pass --results DIR (the folder of the records)")
    if not results.is_dir():
        raise UserError(f"results folder {results} does not exist: run `ganbench run ...` first or pass --results DIR")
    todo, missing = [], []
    for rec in load_records(results).records:
        if rec["status"] != "ok":
            continue
        run_dir = Path(rec["_path"]).with_suffix("")
        if (run_dir / "checkpoint.pt").is_file():
            todo.append((rec, run_dir))
        else:
            missing.append((rec["run_id"], f"no checkpoint.pt in {run_dir}"))
    return todo, missing


def reevaluate(results: str | Path, variants: Iterable[str] | None = None, device: str = "auto",
               data_dir: str | None = None, log: Callable[[str], None] | None = print) -> list[RunResult]:
    """Re-evaluate every finished run in ``results`` under the selected protocol variants
    (``variants``: names, axes, ``default`` or ``all``; None: each domain's default set), one line
    per run to ``log``. A task whose data is missing here is skipped with one line; its runs keep
    whatever they had."""
    from ganbench.core.device import resolve_device
    from ganbench.engine.runner import load_task

    wanted = check_selection(variants)
    dev = resolve_device(device)
    todo, missing = runs_to_reevaluate(Path(results))
    say = log or (lambda _line: None)
    for rid, why in missing:
        say(f"{rid}: not re-evaluated, {why}")
    out: list[RunResult] = []
    tasks: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    said: set = set()  # skip reasons printed already: named only after the first time
    for i, (rec, run_dir) in enumerate(todo, 1):
        name = rec["task"]["name"]
        result = RunResult(rec["run_id"])
        try:
            if name in unavailable:
                raise UserError(unavailable[name])
            if name not in tasks:
                tasks[name] = load_task(name, data_dir)
            task = tasks[name]
            if str(task.spec.version) != str(rec["task"]["version"]):
                raise UserError(f"recorded under {name} v{rec['task']['version']}, this ganbench has v{task.spec.version}")
            chosen = select(declared_variants(name), wanted)
            result = reevaluate_run(task, rec, run_dir, chosen, dev)
        except DataNotFoundError as exc:
            unavailable[name] = str(exc).splitlines()[0]
            result.error = unavailable[name]
        except UserError as exc:
            if name in unavailable:
                result.error = unavailable[name]
            else:
                result.error = str(exc).splitlines()[0]
        out.append(result)
        say(f"[{i}/{len(todo)}] {result.line(said)}")
    return out

