"""Leaderboard tables from run records: one table per protocol of a task, mean ± std over seeds.

Records are placed by :mod:`ganbench.reporting.protocols`: a table holds the runs of one task
version trained and scored under one protocol (budget with counted pre-training, what the task's
budgets fix, the main metric's evaluation), and a row is one method of it (objective and the
settings that differ from its defaults there; runs of one config hash and tag). Only runs with
status ``ok`` enter the means; diverged and failed runs are counted in their own columns. Values
are grouped by the comparability key of :mod:`ganbench.reporting.comparability`: a metric whose key
differs between rows gets one column per key, never a mixed one; provenance (a classifier's
measured accuracy, timings) never splits a column. Ranks use the main metric and its direction.

This module is data only: the Markdown (:mod:`ganbench.reporting.markdown`), HTML, CSV and JSON
are renderings of these tables.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from ganbench.reporting.comparability import differing, key_text, metric_key
from ganbench.reporting.fmt import ARROW, csv_safe, num, spread
from ganbench.reporting.protocols import Placement, Protocol, main_metric_key, place, with_evaluation


@dataclass
class Cell:
    mean: float
    std: float
    n: int  # finite values averaged
    n_nonfinite: int = 0

    def fmt(self, digits: int = 3) -> str:
        if self.n == 0:
            return "—" if not self.n_nonfinite else f"nan ({self.n_nonfinite})"
        text = f"{num(self.mean, digits)} ± {spread(self.std, self.mean, digits)}" if self.n > 1 else num(self.mean, digits)
        if self.n_nonfinite:
            text += f" ({self.n_nonfinite} nan)"
        return text


@dataclass
class Column:
    metric: str
    direction: str
    signature: tuple  # the comparability key of the numbers in this column
    label: str = ""

    @property
    def header(self) -> str:
        return f"{self.label or self.metric} {ARROW[self.direction]}"


@dataclass
class Row:
    objective: str
    tag: str | None
    config_hash: str
    seeds: list[int]
    n_ok: int
    n_diverged: int
    n_failed: int
    steps: int
    cells: dict[str, Cell] = field(default_factory=dict)  # column label -> cell
    rank: int | None = None
    diverged_steps: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)  # column label -> finite per-seed values
    by_seed: dict[str, dict[int, float]] = field(default_factory=dict)  # column label -> {seed: value} (finished runs)
    diverged_seeds: list[int] = field(default_factory=list)  # seeds that diverged (results, counted as worst)
    label: str = ""  # the method as its table names it: objective and what differs within the table
    variant: dict = field(default_factory=dict)  # those settings
    aliases: list[str] = field(default_factory=list)  # tags of runs whose settings are the method's defaults
    dirty: int = 0  # runs made from a tree with uncommitted changes to ganbench's own code

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.objective


@dataclass
class TaskTable:
    task: str
    version: str
    main_metric: str
    columns: list[Column]
    rows: list[Row]
    main_column: str  # label of the column ranks use
    notes: list[str] = field(default_factory=list)  # what the table leaves out and why (Markdown)
    protocol: Protocol | None = None
    exploratory: bool = False  # a custom protocol or tagged variants: never in a named protocol's ranking
    tagged: bool = False  # the tagged variants of a named protocol, shown apart (--tags-apart)
    records: list[dict] = field(default_factory=list)  # the records its rows hold

    @property
    def key(self) -> str:
        """Unique among the tables of a report: task, version, protocol (and "tags")."""
        base = f"{self.task} v{self.version}"
        if self.protocol is None:
            return base
        return f"{base} · {self.protocol.name}" + (" · tags" if self.tagged else "")

    @property
    def protocol_name(self) -> str:
        return "" if self.protocol is None else self.protocol.name + (" (tagged variants)" if self.tagged else "")


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def row_key(rec: dict) -> tuple:
    return rec["objective"], rec.get("tag") or None, rec["config_hash"]


def build_tables(records: Iterable[dict], excluded: Iterable[dict] = (), tags_apart: bool = False) -> list[TaskTable]:
    """One table per (task, version, protocol): named protocols first (per task, the default
    first), then the exploratory ones. ``excluded``: valid records left out because two different
    records claim one run (:class:`ganbench.core.records.LoadedRecords`); never averaged, named in
    the notes of their task's first table. ``tags_apart``: tagged variants of a named protocol get a table
    of their own, apart from their protocol's ranking."""
    records = list(records)
    groups: dict[tuple, list[tuple[dict, Placement]]] = defaultdict(list)
    for rec in records:
        p = place(rec, tags_apart)
        tagged = p.exploratory and p.training.named
        groups[(rec["task"]["name"], str(rec["task"]["version"]), p.training, tagged)].append((rec, p))
    tables = []
    for (task, version, training, tagged), members in groups.items():
        for protocol, part in _split_by_evaluation(training, members):
            tables.append(_task_table(task, version, part, protocol, exploratory=tagged or not protocol.named,
                                      tagged=tagged))
    tables.sort(key=lambda t: (t.exploratory, t.task, t.version, t.protocol.sort_key(), t.tagged))
    left_out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in excluded:
        left_out[(rec["task"]["name"], str(rec["task"]["version"]))].append(rec)
    noted = set()
    for t in tables:
        if (t.task, t.version) in left_out and (t.task, t.version) not in noted:
            t.notes = excluded_notes(left_out[(t.task, t.version)]) + t.notes
            noted.add((t.task, t.version))
    return tables


def _split_by_evaluation(training: Protocol, members: list[tuple[dict, Placement]]):
    """The protocol's records split by how their main metric was evaluated: runs of one training
    protocol scored with another extractor, sample count or reference are another protocol."""
    keys_of_row: dict[tuple, Counter] = defaultdict(Counter)
    for rec, _ in members:
        k = main_metric_key(rec)
        if k is not None and rec["status"] == "ok":
            keys_of_row[row_key(rec)][k] += 1
    overall = Counter()
    for c in keys_of_row.values():
        overall.update(c)
    common = overall.most_common(1)[0][0] if overall else ()
    parts: dict[tuple, list] = defaultdict(list)
    for rec, p in members:
        k = main_metric_key(rec) if rec["status"] == "ok" else None
        if k is None:  # a diverged or failed run: with its row's evaluation (it was not evaluated)
            row_keys = keys_of_row.get(row_key(rec))
            k = row_keys.most_common(1)[0][0] if row_keys else common
        parts[k].append((rec, p))
    all_keys = list(parts)
    for k in sorted(parts, key=lambda k: (k != common, str(k))):
        label = "" if len(all_keys) == 1 or k == common else differing(k, all_keys)
        yield with_evaluation(training, k, label), parts[k]


def excluded_notes(excluded: list[dict]) -> list[str]:
    """One line per run claimed by two different records: the run and both files."""
    from ganbench.core.records import run_label

    runs: dict[tuple, list[dict]] = defaultdict(list)
    for rec in excluded:
        runs[(run_label(rec), rec["config_hash"], rec["seed"])].append(rec)
    return [f"left out: {md_text(label)} seed {seed} (config `{md_text(chash)}`), {len(recs)} different records of "
            f"this one run (" + ", ".join(f"`{md_text(r.get('_path', '?'))}`" for r in recs) + "); neither is "
            f"averaged: keep the right one and move the other out of the results folder"
            for (label, chash, seed), recs in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))]


def md_text(text) -> str:
    """User text inside a Markdown table note: one line, no table or code breaks."""
    from ganbench.core.records import one_line

    return one_line(str(text)).replace("|", "\\|").replace("`", "'")


def _task_table(task: str, version: str, members: list[tuple[dict, Placement]], protocol: Protocol,
                exploratory: bool, tagged: bool) -> TaskTable:
    recs = [rec for rec, _ in members]
    main_metric = next((r["task"].get("main_metric") for r in recs if r["task"].get("main_metric")), None)
    # columns: one per (metric, comparability key), from the runs that finished
    keys: dict[str, dict[tuple, str]] = defaultdict(dict)
    order: list[str] = []
    for rec in recs:
        if rec["status"] != "ok":
            continue
        for name, m in rec["metrics"].items():
            if name not in order:
                order.append(name)
            keys[name].setdefault(metric_key(m), m["direction"])
    columns: list[Column] = []
    for name in order:
        variants = list(keys[name].items())
        for sig, direction in variants:
            label = name if len(variants) == 1 else f"{name} ({differing(sig, [s for s, _ in variants])})"
            columns.append(Column(name, direction, sig, label))
    if main_metric is None and columns:
        main_metric = columns[0].metric
    main_cols = [c for c in columns if c.metric == main_metric]
    main_column = main_cols[0].label if main_cols else (main_metric or "")

    grouped: dict[tuple, list[tuple[dict, Placement]]] = defaultdict(list)
    for rec, p in members:
        grouped[row_key(rec)].append((rec, p))
    rows = []
    for (objective, tag, chash), runs in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        rs = [r for r, _ in runs]
        placement = runs[0][1]
        ok = [r for r in rs if r["status"] == "ok"]
        row = Row(objective, tag, chash, sorted(r["seed"] for r in rs), len(ok),
                  sum(r["status"] == "diverged" for r in rs), sum(r["status"] == "failed" for r in rs),
                  int(rs[0]["config"].get("steps", 0)), label=placement.label, variant=dict(placement.variant),
                  aliases=[placement.alias] if placement.alias else [], dirty=sum(_dirty(r) for r in rs))
        row.diverged_steps = sorted(int(r["diverged"]["step"]) for r in rs if r["status"] == "diverged"
                                    and isinstance(r.get("diverged"), dict) and "step" in r["diverged"])
        row.diverged_seeds = sorted(r["seed"] for r in rs if r["status"] == "diverged")
        row.errors = sorted({r.get("error") or "" for r in rs if r["status"] == "failed"})
        for col in columns:
            pairs = [(r["seed"], _float(r["metrics"][col.metric]["value"])) for r in ok
                     if col.metric in r["metrics"] and metric_key(r["metrics"][col.metric]) == col.signature]
            if not pairs:
                continue
            finite = [v for _, v in pairs if math.isfinite(v)]
            n = len(finite)
            mean = sum(finite) / n if n else float("nan")
            std = math.sqrt(sum((v - mean) ** 2 for v in finite) / (n - 1)) if n > 1 else 0.0
            row.cells[col.label] = Cell(mean, std, n, len(pairs) - n)
            row.values[col.label] = finite
            row.by_seed[col.label] = {s: v for s, v in pairs}
        rows.append(row)
    _disambiguate(rows)
    if main_cols:  # rank on the main metric (direction-aware); rows without a finite value rank last
        sign = -1.0 if main_cols[0].direction == "max" else 1.0
        keyed = [(sign * r.cells[main_column].mean if main_column in r.cells and r.cells[main_column].n else math.inf, r)
                 for r in rows]
        keyed.sort(key=lambda kr: kr[0])
        prev, rank = None, 0
        for i, (k, r) in enumerate(keyed):
            if k != prev:
                rank, prev = i + 1, k
            r.rank = rank
        rows = [r for _, r in keyed]
    table = TaskTable(task, version, main_metric or "", columns, rows, main_column, protocol=protocol,
                      exploratory=exploratory, tagged=tagged, records=recs)
    aliased = [f"{md_text(r.label)}: runs tagged " + ", ".join(f"`{md_text(a)}`" for a in r.aliases)
               for r in rows if r.aliases]
    if aliased:
        table.notes.append("tags that only name a method's default settings under this protocol: " + "; ".join(aliased))
    return table


def short_names(tables: list[TaskTable]) -> dict[str, str]:
    """Table key -> how cross-task views and the API name it: the task alone for its first named
    protocol table (its default when it has one; its first table when it has no named one), the
    others with their protocol; with the version when a task is shown under two versions."""
    per_task: dict[str, list[TaskTable]] = defaultdict(list)
    for t in tables:
        per_task[t.task].append(t)
    out = {}
    for task, mine in per_task.items():
        versions = {t.version for t in mine}
        for version in versions:
            same = [t for t in mine if t.version == version]
            first = next((t for t in same if not t.exploratory), same[0])
            for t in same:
                name = task + (f" v{version}" if len(versions) > 1 else "")
                out[t.key] = name if t is first else f"{name} · {t.protocol_name}"
    return out


def _dirty(rec: dict) -> bool:
    prov = rec.get("provenance") if isinstance(rec.get("provenance"), dict) else {}
    return bool(prov.get("git_dirty"))


def row_labels(tables: list[TaskTable]) -> dict[tuple, str]:
    """(task, version, objective, tag, config hash) -> the label of the row its records fill, for the
    views that read records themselves (stability in the matrix) and must name rows as the tables do."""
    return {(t.task, t.version, r.objective, r.tag, r.config_hash): r.label for t in tables for r in t.rows}


def _disambiguate(rows: list[Row]) -> None:
    """Rows that would share a label (two tags naming one method's defaults, one setting written two
    ways) get their tag, else the start of their config hash: tests, rank intervals and the
    cross-task summary key on the label, so two rows never share one."""
    by_label: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_label[r.label].append(r)
    for same in by_label.values():
        if len(same) < 2:
            continue
        tags = [r.tag for r in same]
        for r in same:
            extra = r.tag if (r.tag and tags.count(r.tag) == 1) else f"config {r.config_hash[:8]}"
            r.label = f"{r.label[:-1]},{extra}]" if r.label.endswith("]") else f"{r.label}[{extra}]"


def best_rows(table: TaskTable) -> dict[str, set[int]]:
    """Column label -> indices of the rows holding its best mean (bold in the renderings)."""
    best: dict[str, set[int]] = {}
    for col in table.columns:
        vals = [(i, r.cells[col.label].mean) for i, r in enumerate(table.rows)
                if col.label in r.cells and r.cells[col.label].n]
        if not vals:
            continue
        target = max(v for _, v in vals) if col.direction == "max" else min(v for _, v in vals)
        best[col.label] = {i for i, v in vals if v == target}
    return best


def column_lines(table: TaskTable) -> list[str]:
    """``- `fid` ↓: extractor=..., n=...`` per column: what produced its numbers."""
    out = []
    for col in table.columns:
        text = key_text(col.signature)
        out.append(f"- `{col.label}` {ARROW[col.direction]}: {text}" if text else f"- `{col.label}` {ARROW[col.direction]}")
    return out


def hardware(record: dict) -> tuple[str, str]:
    """(device, precision) a record ran on: the device kind with its model (``cuda (NVIDIA H200)``,
    ``cpu (AMD EPYC)``: CPU models differ in their float kernels, so the same seed gives slightly
    different numbers on two of them, and in speed), and ``fp32``/``bf16``/``fp16``. A record from
    before devices were recorded ran on the CPU in fp32, the only way ganbench ran then, on a model
    it did not record."""
    prov = record.get("provenance") if isinstance(record.get("provenance"), dict) else {}
    kind = str(prov.get("device") or "cpu").split(":")[0]
    name = prov.get("device_name")
    device = f"{kind} ({name})" if name else f"{kind} (model not recorded)" if kind == "cpu" else kind
    return device, str(prov.get("precision") or "fp32")


def hardware_line(records: list[dict]) -> str:
    """The devices and precisions of a table's runs; flagged when they are not all one, since the
    last digits of its rows then differ for reasons that are not the methods'."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in records:
        counts[hardware(r)] += 1
    if len(counts) <= 1:
        device, precision = next(iter(counts), ("cpu", "fp32"))
        return f"- device: {device}, {precision}"
    parts = "; ".join(f"{d}, {p}: {n} run{'s' if n != 1 else ''}" for (d, p), n in sorted(counts.items()))
    return f"- device: MIXED ({parts}): its rows ran on different hardware or precision"


def code_line(records: list[dict]) -> str:
    """Which code made the table's runs: commits, and how many came from uncommitted changes to
    ganbench's own files (``dirty``: that code cannot be recovered from the repository)."""
    commits: Counter = Counter()
    dirty = 0
    for r in records:
        prov = r.get("provenance") if isinstance(r.get("provenance"), dict) else {}
        commits[str(prov.get("git_commit") or "unknown")[:10]] += 1
        dirty += bool(prov.get("git_dirty"))
    text = ", ".join(f"`{c}` ({n})" for c, n in commits.most_common(4)) + (" …" if len(commits) > 4 else "")
    flag = f"; **{dirty} of {len(records)} runs dirty** (made from uncommitted changes: code not recoverable)" if dirty else ""
    return f"- code: {text}{flag}"


def to_rows(tables: list[TaskTable]) -> list[dict]:
    """Long format: one row per (task, protocol, method, metric column)."""
    rows = []
    for t in tables:
        for r in t.rows:
            for c in t.columns:
                cell = r.cells.get(c.label)
                rows.append({
                    "task": t.task, "task_version": t.version, "protocol": t.protocol_name,
                    "protocol_fixes": t.protocol.describe() if t.protocol else "", "exploratory": t.exploratory,
                    "method": r.label, "objective": r.objective,
                    "tag": r.tag or "", "config_hash": r.config_hash, "rank": r.rank, "metric": c.metric,
                    "column": c.label, "direction": c.direction, "main": c.label == t.main_column,
                    "mean": cell.mean if cell else None, "std": cell.std if cell else None,
                    "n": cell.n if cell else 0, "n_nonfinite": cell.n_nonfinite if cell else 0,
                    "runs_ok": r.n_ok, "diverged": r.n_diverged, "failed": r.n_failed,
                    "seeds": " ".join(map(str, r.seeds)), "steps": r.steps, "dirty_runs": r.dirty,
                    "computed_on": key_text(c.signature).replace(", ", "; "),
                })
    return rows


def to_csv(tables: list[TaskTable]) -> str:
    return rows_csv(to_rows(tables))


def rows_csv(rows: list[dict]) -> str:
    """Dict rows as CSV text, every cell a spreadsheet would run as a formula written as text."""
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def clean_json(x):
    """JSON without NaN/inf (not JSON): a non-finite number becomes null, in nested data too."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: clean_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean_json(v) for v in x]
    return x


def to_json(tables: list[TaskTable], problems: list | None = None, extra: dict | None = None) -> str:
    """The tables in long format; ``extra`` adds top-level keys (the leaderboard's rankings,
    cross-task summary, matrix and compute view: :func:`ganbench.reporting.leaderboard.leaderboard_json`)."""
    data = {
        "tables": [{"task": t.task, "version": t.version, "key": t.key, "protocol": t.protocol_name,
                    "protocol_fixes": t.protocol.describe() if t.protocol else "", "exploratory": t.exploratory,
                    "main_metric": t.main_metric, "rows": [clean_json(row) for row in to_rows([t])], "notes": t.notes}
                   for t in tables],
        **clean_json(extra or {}),
        "skipped_files": [{"path": str(p), "reason": why} for p, why in (problems or [])],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)
