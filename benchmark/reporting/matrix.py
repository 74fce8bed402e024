"""Where each loss is good: methods × domains, each cell the method's normalised score on the
domain with its bootstrap interval, beside its divergence rate and the domain's collapse metric.

A cell averages the per-task normalised score (:mod:`ganbench.reporting.ranking`: rank scaled to
[0, 1] among the methods ranked on the task) over the domain's tasks, and only for a method that ran
every one of them: a method that ran some shows those tasks' scores apart, never a mean over fewer
tasks. The interval takes resample b of every task of the domain jointly; a method is *first on
the domain* (★) when, among the methods with a full cell, its rank interval on those resampled
means reaches 1. Divergence rate and collapse come from the stability summary
(:mod:`ganbench.reporting.stability`) run on the domain's records alone. Domains are the registered
declarations (:func:`ganbench.domains.domain_of`), in report order; a task no domain claims is
shown under its name's prefix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ganbench.core.records import run_label
from ganbench.reporting.ranking import CONFIDENCE, TaskRanking, competition_ranks, percentile_interval
from ganbench.reporting.stability import MethodStability, report_domains, stability_summary


@dataclass
class MatrixCell:
    score: float | None = None  # mean normalised score over every task of the domain (None: not all ran)
    interval: tuple[float, float] | None = None
    first: bool = False  # rank interval among the full cells of the domain reaches 1
    partial: list[tuple[str, float, tuple[float, float]]] = field(default_factory=list)  # (task, score, interval)
    skipped: list[str] = field(default_factory=list)  # the domain's tasks the method did not run
    stability: MethodStability | None = None
    collapse: list[tuple[str, float, int]] = field(default_factory=list)  # (label, mean, runs)
    collapse_labels: list[str] = field(default_factory=list)  # the domain's collapse columns, in order

    @property
    def ran(self) -> bool:
        return self.score is not None or bool(self.partial) or self.stability is not None


@dataclass
class Matrix:
    methods: list[str]
    domains: list[str]
    tasks: dict[str, list[str]]  # domain -> its comparable task keys
    cells: dict[tuple[str, str], MatrixCell]
    collapse_labels: dict[str, list[str]]  # domain -> its collapse columns (label with arrow)

    def cell(self, method: str, domain: str) -> MatrixCell:
        return self.cells.get((method, domain)) or MatrixCell()


def _labelled(records: list[dict], row_labels: dict | None = None) -> list[dict]:
    """Records carrying their table row's label as ``row_label``, which the stability summary names
    them by instead of objective[tag]. ``row_labels`` maps (task, version, objective, tag, config
    hash) to the label the tables gave the row (:func:`ganbench.reporting.tables.row_labels`, which
    tells apart one method at two budgets); a record it does not name is labelled as a table would
    label it alone (:func:`ganbench.core.records.run_label`: a variant without a tag is a row of its own)."""
    out = []
    for rec in records:
        label = (row_labels or {}).get((rec["task"]["name"], str(rec["task"]["version"]), rec["objective"],
                                        rec.get("tag"), rec.get("config_hash")))
        out.append({**rec, "row_label": label if label is not None else run_label(rec)})
    return out


def _domain_order(names: set[str]) -> list[str]:
    declared = [d.name for d in report_domains()]
    return [d for d in declared if d in names] + sorted(n for n in names if n not in declared)


def build_matrix(rankings: list[TaskRanking], records: list[dict], method_order: list[str] = (),
                 confidence: float = CONFIDENCE, row_labels: dict | None = None) -> Matrix:
    """The matrix of every ranked method over the domains of ``rankings``; ``method_order`` puts
    those methods first (the cross-task summary's order), the rest alphabetically; ``row_labels``:
    the tables' label of each record (see :func:`_labelled`)."""
    by_domain: dict[str, list[TaskRanking]] = defaultdict(list)
    for r in rankings:
        by_domain[r.domain].append(r)
    domains = _domain_order(set(by_domain))
    labels = {m.label for r in rankings for m in r.methods}
    methods = [m for m in method_order if m in labels] + sorted(labels - set(method_order))
    recs_by_domain: dict[str, list[dict]] = defaultdict(list)
    for rec in _labelled(records, row_labels):
        recs_by_domain[rec["task"]["name"].split("/", 1)[0]].append(rec)
    cells: dict[tuple[str, str], MatrixCell] = {}
    tasks: dict[str, list[str]] = {}
    collapse_labels: dict[str, list[str]] = {}
    for d in domains:
        comparable = [r for r in by_domain[d] if r.comparable]
        tasks[d] = [r.key for r in comparable]
        st = stability_summary(recs_by_domain.get(d, []))
        cols = [c for c in st.columns if c.domain == d]
        collapse_labels[d] = [c.header.split(": ", 1)[-1] for c in cols]
        stab = {m.method: m for m in st.methods}
        full, boots = [], []
        for method in methods:
            cell = MatrixCell(stability=stab.get(method), collapse_labels=collapse_labels[d])
            if cell.stability is not None:
                cell.collapse = [(lab, *cell.stability.collapse[c.header]) for lab, c in zip(collapse_labels[d], cols)
                                 if c.header in cell.stability.collapse]
            ran = [(r, r.index(method)) for r in comparable if r.index(method) is not None]
            cell.skipped = [r.key for r in comparable if r.index(method) is None]
            if ran and not cell.skipped:
                n = min(r.boot_normalised.shape[0] for r, _ in ran)
                boot = sum(r.boot_normalised[:n, i] for r, i in ran) / len(ran)
                cell.score = sum(r.methods[i].normalised for r, i in ran) / len(ran)
                cell.interval = percentile_interval(boot, confidence)
                full.append(method)
                boots.append(boot)
            else:
                cell.partial = [(r.key, r.methods[i].normalised, r.methods[i].normalised_interval) for r, i in ran]
            if cell.ran:
                cells[(method, d)] = cell
        if len(full) >= 2:
            n = min(len(b) for b in boots)
            ranks = competition_ranks(np.stack([b[:n] for b in boots], axis=1))
            for j, method in enumerate(full):
                cells[(method, d)].first = percentile_interval(ranks[:, j], confidence)[0] == 1
        elif len(full) == 1:
            cells[(full[0], d)].first = True
    return Matrix(methods, domains, tasks, cells, collapse_labels)


def fmt_score(cell: MatrixCell) -> str:
    """``0.83 [0.50, 1.00] ★``, or the tasks a method ran when it did not run all of the domain's."""
    if cell.score is not None:
        return f"{cell.score:.2f} [{cell.interval[0]:.2f}, {cell.interval[1]:.2f}]" + (" ★" if cell.first else "")
    if cell.partial:
        return ("only " + ", ".join(f"{t}: {s:.2f}" for t, s, _ in cell.partial)
                + f" (skipped {', '.join(cell.skipped)})")
    return "—"


def fmt_stability(cell: MatrixCell) -> str:
    """``0% (0/6) · 0.950``: divergence rate, then the domain's collapse metrics in the order of
    :attr:`Matrix.collapse_labels` (the column header names them)."""
    st = cell.stability
    rate = st.divergence_rate if st is not None else None
    parts = ["—" if rate is None else f"{100 * rate:.0f}% ({st.diverged}/{st.ok + st.diverged})"]
    found = {label: mean for label, mean, _ in cell.collapse}
    parts += [f"{found[label]:.3f}" if label in found else "—" for label in cell.collapse_labels]
    return " · ".join(parts)


def fmt_cell(cell: MatrixCell) -> str:
    """One line: ``0.83 [0.50, 1.00] ★ · 0% (0/6) · 0.950``."""
    return f"{fmt_score(cell)} · {fmt_stability(cell)}"
