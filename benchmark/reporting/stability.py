"""How stable is each method across domains? Divergence, seed-to-seed spread, mode collapse.

"GANs are unstable and collapse" is usually said, rarely measured. Per method (objective, plus its
tag when a sweep varied hyper-parameters), over every task and seed it ran on:

* **divergence rate**: diverged runs / (finished + diverged) runs (a run diverges when a loss or a
  parameter becomes NaN/inf; crashed runs are counted apart as *failed*, they say nothing about
  the method);
* **seed spread**: the seed-to-seed std of the task's main metric divided by the task's scale
  (|mean main metric over every finished run of the task, all methods|), averaged over the tasks
  where the method has ≥ 2 finished seeds. A coefficient of variation whose denominator is the
  same for every method of a task, so it does not reward a method for scoring near zero;
* **mode collapse**: the task domain's diversity metric, averaged over the method's finished runs.
  Each domain declares its own (``Domain.collapse`` in its package, e.g. the toy's fraction of modes
  covered or the text's Self-BLEU); this module only reads the declarations, so a new domain gets
  its columns without an edit here.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from ganbench.core.domain import Domain
from ganbench.core.registry import Registry
from ganbench.domains import declared


def report_domains(registry: Registry | None = None) -> list[Domain]:
    """The registered domains in the order of cross-domain report tables (rank, then registry order)."""
    return sorted(declared(registry), key=lambda d: d.report_rank)


def collapse_note(registry: Registry | None = None) -> str:
    """What each domain's collapse columns are, for the reports' explanation of the table."""
    return "; ".join(d.collapse_note for d in report_domains(registry) if d.collapse and d.collapse_note)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _label(rec: dict) -> str:
    """The run's method as a table row names it: the label a view attached (``row_label``, see
    :func:`ganbench.reporting.matrix._labelled`), else its run label (objective, its remedies, tag)."""
    from ganbench.core.records import run_label

    if rec.get("row_label"):
        return rec["row_label"]
    return run_label(rec) if rec.get("tag") or rec.get("variant") else rec["objective"]


@dataclass
class CollapseColumn:
    domain: str
    label: str
    direction: str
    metric: str  # the metric name found in the records
    per: str | None = None  # a detail of the value to divide by (CollapseMetric.per)

    @property
    def header(self) -> str:
        return f"{self.domain}: {self.label} {'↑' if self.direction == 'max' else '↓'}"


@dataclass
class MethodStability:
    method: str
    runs: int = 0
    ok: int = 0
    diverged: int = 0
    failed: int = 0
    tasks: set = field(default_factory=set)
    spreads: dict = field(default_factory=dict)  # task -> normalised seed std
    collapse: dict = field(default_factory=dict)  # column header -> (mean, n runs)

    @property
    def divergence_rate(self) -> float | None:
        denom = self.ok + self.diverged
        return self.diverged / denom if denom else None

    @property
    def seed_spread(self) -> float | None:
        vals = [v for v in self.spreads.values() if math.isfinite(v)]
        return sum(vals) / len(vals) if vals else None


@dataclass
class StabilitySummary:
    methods: list[MethodStability]
    columns: list[CollapseColumn]
    task_scale: dict  # task -> |mean main metric| used to normalise the spreads


def _collapse_value(rec: dict, col: CollapseColumn) -> float:
    m = rec["metrics"].get(col.metric) or {}
    value = _float(m.get("value"))
    if col.per:  # e.g. modes covered out of the task's number of modes
        per = _float(m.get(col.per))
        value = value / per if math.isfinite(per) and per > 0 else float("nan")
    return value


def stability_summary(records: Iterable[dict], domains: Registry | None = None) -> StabilitySummary:
    """The summary over ``records``; ``domains`` is the domain registry to ask (default: DOMAINS)."""
    records = list(records)
    # the collapse columns that have data, per domain in report order
    names_by_domain: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        names_by_domain[rec["task"]["name"].split("/", 1)[0]].update(rec.get("metrics", {}))
    columns = []
    for domain in report_domains(domains):
        present = {_norm(n): n for n in names_by_domain.get(domain.name, ())}
        for spec in domain.collapse:
            found = next((present[_norm(a)] for a in spec.accepted if _norm(a) in present), None)
            if found:
                columns.append(CollapseColumn(domain.name, spec.label, spec.direction, found, spec.per))

    by_task: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        by_task[f"{rec['task']['name']} v{rec['task']['version']}"].append(rec)
    task_scale = {}
    for task, recs in by_task.items():
        main = recs[0]["task"].get("main_metric")
        vals = [_float(r["metrics"].get(main, {}).get("value")) for r in recs if r["status"] == "ok"]
        vals = [v for v in vals if math.isfinite(v)]
        task_scale[task] = abs(sum(vals) / len(vals)) if vals else float("nan")

    methods: dict[str, MethodStability] = {}
    groups: dict[tuple, list[float]] = defaultdict(list)
    collapse: dict[tuple[str, str], list[float]] = defaultdict(list)
    for task, recs in by_task.items():
        for rec in recs:
            label = _label(rec)
            ms = methods.setdefault(label, MethodStability(label))
            ms.runs += 1
            ms.tasks.add(task)
            status = rec["status"]
            ms.ok += status == "ok"
            ms.diverged += status == "diverged"
            ms.failed += status == "failed"
            if status != "ok":
                continue
            main = rec["task"].get("main_metric")
            v = _float(rec["metrics"].get(main, {}).get("value"))
            if math.isfinite(v):
                groups[(label, task, rec["config_hash"])].append(v)
            domain = rec["task"]["name"].split("/", 1)[0]
            for col in columns:
                if col.domain == domain and col.metric in rec["metrics"]:
                    cv = _collapse_value(rec, col)
                    if math.isfinite(cv):
                        collapse[(label, col.header)].append(cv)
    for (label, task, _), vals in groups.items():
        scale = task_scale.get(task, float("nan"))
        if len(vals) < 2 or not math.isfinite(scale) or scale == 0:
            continue
        mean = sum(vals) / len(vals)
        std = math.sqrt(sum((x - mean) ** 2 for x in vals) / (len(vals) - 1))
        prev = methods[label].spreads.get(task)
        methods[label].spreads[task] = std / scale if prev is None else max(prev, std / scale)
    for (label, header), vals in collapse.items():
        methods[label].collapse[header] = (sum(vals) / len(vals), len(vals))
    ordered = sorted(methods.values(), key=lambda m: (m.divergence_rate if m.divergence_rate is not None else 2.0,
                                                      m.seed_spread if m.seed_spread is not None else math.inf,
                                                      m.method))
    return StabilitySummary(ordered, columns, task_scale)


def fmt_rate(m: MethodStability) -> str:
    r = m.divergence_rate
    return "—" if r is None else f"{100 * r:.0f}% ({m.diverged}/{m.ok + m.diverged})"


def fmt_spread(m: MethodStability) -> str:
    s = m.seed_spread
    return "—" if s is None else f"{s:.3f} ({len(m.spreads)} task{'s' if len(m.spreads) != 1 else ''})"


def fmt_collapse(m: MethodStability, col: CollapseColumn) -> str:
    if col.header not in m.collapse:
        return "—"
    mean, n = m.collapse[col.header]
    return f"{mean:.3f} (n={n})"
