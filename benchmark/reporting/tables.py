"""Leaderboard tables from run records: mean ± std over seeds and ranks, per task.

Records are grouped by (task, task version, objective, tag, config hash): runs under different
configs or task versions are never averaged together. Only runs with status ``ok`` enter the
means; diverged and failed runs are counted in their own columns. A metric whose provenance
(sample count, feature extractor, reference) differs between groups of one task gets one column
per provenance instead of one mixed column. Ranks use each task's main metric and its direction.
There is no cross-task mean rank here: averaging each method over the tasks it happened to run
compares different things; :mod:`ganbench.reporting.aggregate` compares methods over equal task sets.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from ganbench.core.config import variant_label
from ganbench.core.records import method_and_variant

ARROW = {"max": "↑", "min": "↓"}
# per-run details that do not affect comparability: counts of what one run's samples contained, and
# where a run's own samples were held when scored ("memory" in records from before the evaluator
# streamed them, "generator" since: the same samples of the same generator, not another protocol)
VOLATILE_DETAILS = frozenset({"std", "seconds", "time_s", "run", "empty_hypotheses", "empty_sentences", "unknown_words",
                              "samples_from"})


@dataclass
class Cell:
    mean: float
    std: float
    n: int  # finite values averaged
    n_nonfinite: int = 0

    def fmt(self, digits: int = 3) -> str:
        if self.n == 0:
            return "—" if not self.n_nonfinite else f"nan ({self.n_nonfinite})"
        text = f"{_num(self.mean, digits)} ± {_num(self.std, digits)}" if self.n > 1 else _num(self.mean, digits)
        if self.n_nonfinite:
            text += f" ({self.n_nonfinite} nan)"
        return text


def _num(x: float, digits: int) -> str:
    if not math.isfinite(x):
        return repr(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 10 ** -(digits)):
        return f"{x:.{digits}g}"
    return f"{x:.{digits}f}"


@dataclass
class Column:
    metric: str
    direction: str
    signature: tuple  # provenance of the numbers in this column
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
    values: dict[str, list[float]] = field(default_factory=dict)  # column label -> finite per-seed values (significance tests)
    variant: str = ""  # the settings that differ from the task's defaults, e.g. "g_arch=my-mlp,ema=0.999"
    method: str = ""  # the objective with the remedies it runs with ("ns+pack=2"; records.method_and_variant)
    qualifier: str = ""  # what tells apart rows the above would label alike (their budgets: "steps=1000")

    @property
    def label(self) -> str:
        """The objective, then the user's tag if any, else the settings that make the run a variant
        (architecture, regularisers, learning rates), then what still tells it from another row of
        its table (:func:`_disambiguate`): two rows never share a label."""
        suffix = ",".join(s for s in (self.tag or self.variant, self.qualifier) if s)
        method = self.method or self.objective
        return f"{method}[{suffix}]" if suffix else method


@dataclass
class TaskTable:
    task: str
    version: str
    main_metric: str
    columns: list[Column]
    rows: list[Row]
    main_column: str  # label of the column ranks use
    notes: list[str] = field(default_factory=list)  # what the table leaves out and why (Markdown)


def _signature(details: dict) -> tuple:
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in details.items()
                        if k not in VOLATILE_DETAILS and k not in ("value", "direction")))


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def build_tables(records: Iterable[dict], excluded: Iterable[dict] = ()) -> list[TaskTable]:
    """One table per (task, task version). ``excluded``: valid records left out because two
    different records claim one run (see :class:`ganbench.core.records.LoadedRecords`); they are
    never averaged, and the table of their task says which runs they are and where."""
    by_task: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in records:
        by_task[(rec["task"]["name"], str(rec["task"]["version"]))].append(rec)
    left_out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in excluded:
        left_out[(rec["task"]["name"], str(rec["task"]["version"]))].append(rec)
    tables = []
    for (task, version), recs in sorted(by_task.items()):
        table = _task_table(task, version, recs)
        table.notes = excluded_notes(left_out.get((task, version), []))
        tables.append(table)
    return tables


def excluded_notes(excluded: list[dict]) -> list[str]:
    """One line per run claimed by two different records: the run and both files."""
    from ganbench.core.records import run_label

    runs: dict[tuple, list[dict]] = defaultdict(list)
    for rec in excluded:
        runs[(run_label(rec), rec["config_hash"], rec["seed"])].append(rec)
    return [f"left out: {_md_text(label)} seed {seed} (config `{_md_text(chash)}`), {len(recs)} different records of "
            f"this one run (" + ", ".join(f"`{_md_text(r.get('_path', '?'))}`" for r in recs) + "); neither is "
            f"averaged: keep the right one and move the other out of the results folder"
            for (label, chash, seed), recs in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))]


def _md_text(text) -> str:
    """User text inside a Markdown table note: one line, no table or code breaks."""
    from ganbench.core.records import one_line

    return one_line(str(text)).replace("|", "\\|").replace("`", "'")


def _task_table(task: str, version: str, recs: list[dict]) -> TaskTable:
    main_metric = next((r["task"].get("main_metric") for r in recs if r["task"].get("main_metric")), None)
    # columns: one per (metric, provenance signature)
    sigs: dict[str, dict[tuple, str]] = defaultdict(dict)
    order: list[str] = []
    for rec in recs:
        for name, m in rec["metrics"].items():
            if name not in order:
                order.append(name)
            sigs[name].setdefault(_signature({k: v for k, v in m.items()}), m["direction"])
    columns: list[Column] = []
    for name in order:
        variants = list(sigs[name].items())
        for i, (sig, direction) in enumerate(variants):
            label = name if len(variants) == 1 else f"{name} ({_differing(sig, [s for s, _ in variants])})"
            columns.append(Column(name, direction, sig, label))
    if main_metric is None and columns:
        main_metric = columns[0].metric
    main_cols = [c for c in columns if c.metric == main_metric]
    main_column = main_cols[0].label if main_cols else (main_metric or "")

    groups: dict[tuple, list[dict]] = defaultdict(list)
    for rec in recs:
        groups[(rec["objective"], rec.get("tag"), rec["config_hash"])].append(rec)
    rows = []
    for (objective, tag, chash), runs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        ok = [r for r in runs if r["status"] == "ok"]
        method, variant = method_and_variant(runs[0])
        row = Row(objective, tag, chash, sorted(r["seed"] for r in runs), len(ok),
                  sum(r["status"] == "diverged" for r in runs), sum(r["status"] == "failed" for r in runs),
                  int(runs[0]["config"].get("steps", 0)), variant=variant_label(variant), method=method)
        row.diverged_steps = sorted(int(r["diverged"]["step"]) for r in runs if r["status"] == "diverged"
                                    and isinstance(r.get("diverged"), dict) and "step" in r["diverged"])
        row.errors = sorted({r.get("error") or "" for r in runs if r["status"] == "failed"})
        for col in columns:
            vals = [_float(r["metrics"][col.metric]["value"]) for r in ok
                    if col.metric in r["metrics"] and _signature(r["metrics"][col.metric]) == col.signature]
            if not vals:
                continue
            finite = [v for v in vals if math.isfinite(v)]
            n = len(finite)
            mean = sum(finite) / n if n else float("nan")
            std = math.sqrt(sum((v - mean) ** 2 for v in finite) / (n - 1)) if n > 1 else 0.0
            row.cells[col.label] = Cell(mean, std, n, len(vals) - n)
            row.values[col.label] = finite
        rows.append(row)
    _disambiguate(rows)
    # rank on the main metric (direction-aware); rows without a finite value rank last
    if main_cols:
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
    return TaskTable(task, version, main_metric or "", columns, rows, main_column)


def row_labels(tables: list[TaskTable]) -> dict[tuple, str]:
    """(task, version, objective, tag, config hash) -> the label of the row its records fill, for the
    views that read records themselves (stability in the matrix) and must name rows as the tables do."""
    return {(t.task, t.version, r.objective, r.tag, r.config_hash): r.label for t in tables for r in t.rows}


def _disambiguate(rows: list[Row]) -> None:
    """Give rows that would share a label a qualifier: their step count where that tells them apart
    (the same method at two budgets, e.g. a suite's short runs beside the default ones; the budget
    is not a variant setting), else the start of their config hash. Significance tests, rank
    intervals and the cross-task summary key on the label, so two rows must never share one."""
    by_label: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_label[r.label].append(r)
    for same in by_label.values():
        if len(same) < 2:
            continue
        by_steps = len({r.steps for r in same}) == len(same)
        for r in same:
            r.qualifier = f"steps={r.steps}" if by_steps else f"config {r.config_hash[:8]}"


def _differing(sig: tuple, all_sigs: list[tuple]) -> str:
    common = set.intersection(*(set(s) for s in all_sigs))
    parts = [f"{k}={json.loads(v)}" for k, v in sig if (k, v) not in common]
    return ", ".join(parts) or "variant"


def _best_labels(table: TaskTable) -> dict[str, set[int]]:
    best: dict[str, set[int]] = {}
    for col in table.columns:
        vals = [(i, r.cells[col.label].mean) for i, r in enumerate(table.rows)
                if col.label in r.cells and r.cells[col.label].n]
        if not vals:
            continue
        target = max(v for _, v in vals) if col.direction == "max" else min(v for _, v in vals)
        best[col.label] = {i for i, v in vals if v == target}
    return best


def _details_line(table: TaskTable, records: list[dict]) -> list[str]:
    lines = []
    for col in table.columns:
        details = {k: json.loads(v) for k, v in col.signature}
        text = ", ".join(f"{k}={v}" for k, v in details.items())
        lines.append(f"- `{col.label}` {ARROW[col.direction]}: {text}" if text else f"- `{col.label}` {ARROW[col.direction]}")
    return lines


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


def to_markdown(tables: list[TaskTable], records: list[dict], source: str = "", command: str = "",
                extras: Any = None) -> str:
    """The leaderboard in Markdown. ``extras`` (optional) adds to it without changing the rest: its
    ``header(table)``/``cells(table, row)`` add trailing columns, ``rows(table)`` adds full rows after
    ours (published values), ``notes(table)`` adds lines under the table, ``sections(table)`` (if
    present) adds blocks after them, ``appendix()`` adds sections at the end (see
    :mod:`ganbench.reporting.leaderboard`)."""
    out = ["# ganbench leaderboard", ""]
    if command:
        out += [f"Made by `{command}`" + (f" from the run records in `{source}`." if source else "."), ""]
    out += ["Mean ± sample std over seeds of the runs that finished (`ok`); diverged and failed runs are counted, "
            "never averaged. ↑ higher is better, ↓ lower is better; **bold** is the best in its column; rank uses "
            "the task's main metric (★). Each table lists what produced its numbers.", ""]
    by_task = defaultdict(list)
    for r in records:
        by_task[(r["task"]["name"], str(r["task"]["version"]))].append(r)
    for t in tables:
        recs = by_task[(t.task, t.version)]
        out.append(f"## {t.task} (v{t.version}) — main metric `{t.main_metric}`")
        out.append("")
        head = ["rank", "method", "runs ok", "seeds", "diverged", "failed", "steps"]
        head += [c.header + (" ★" if c.label == t.main_column else "") for c in t.columns]
        head += extras.header(t) if extras is not None else []
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---" for _ in head) + "|")
        best = _best_labels(t)
        for i, r in enumerate(t.rows):
            div = str(r.n_diverged) + (f" (at {', '.join(map(str, r.diverged_steps))})" if r.diverged_steps else "")
            cells = [str(r.rank) if r.rank is not None else "—", r.label, str(r.n_ok), ",".join(map(str, r.seeds)),
                     div, str(r.n_failed), str(r.steps)]
            for c in t.columns:
                text = r.cells[c.label].fmt() if c.label in r.cells else "—"
                if i in best.get(c.label, ()) and len(t.rows) > 1:
                    text = f"**{text}**"
                cells.append(text)
            cells += extras.cells(t, r) if extras is not None else []
            out.append("| " + " | ".join(cells) + " |")
        for cells in (extras.rows(t) if extras is not None else []):
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        out.append("Computed on:")
        out += _details_line(t, recs)
        out.append(hardware_line(recs))
        hashes = ", ".join(f"{r.label}: `{r.config_hash}`" for r in t.rows)
        out.append(f"- config hashes: {hashes}")
        errs = [f"{r.label}: {e}" for r in t.rows for e in r.errors if e]
        if errs:
            out.append("- failures: " + "; ".join(errs))
        out += [f"- {note}" for note in t.notes]
        out += extras.notes(t) if extras is not None else []
        out.append("")
        out += extras.sections(t) if hasattr(extras, "sections") else []
    out += extras.appendix() if extras is not None else _summary(tables)
    return "\n".join(out)


def _summary(tables: list[TaskTable]) -> list[str]:
    """The cross-task summary over equal task sets, for a plain table report of several tasks
    (``ganbench run`` of two tasks); the full report adds it among its other sections."""
    if len(tables) < 2:
        return []
    from ganbench.reporting.aggregate import cross_task_summary
    from ganbench.reporting.markdown_sections import summary_lines
    from ganbench.reporting.ranking import rank_tasks

    return summary_lines(cross_task_summary(rank_tasks(tables)))


def to_rows(tables: list[TaskTable]) -> list[dict]:
    """Long format: one row per (task, method, metric column)."""
    rows = []
    for t in tables:
        for r in t.rows:
            for c in t.columns:
                cell = r.cells.get(c.label)
                rows.append({
                    "task": t.task, "task_version": t.version, "method": r.label, "objective": r.objective,
                    "tag": r.tag or "", "config_hash": r.config_hash, "rank": r.rank, "metric": c.metric,
                    "column": c.label, "direction": c.direction, "main": c.label == t.main_column,
                    "mean": cell.mean if cell else None, "std": cell.std if cell else None,
                    "n": cell.n if cell else 0, "n_nonfinite": cell.n_nonfinite if cell else 0,
                    "runs_ok": r.n_ok, "diverged": r.n_diverged, "failed": r.n_failed,
                    "seeds": " ".join(map(str, r.seeds)), "steps": r.steps,
                    "computed_on": "; ".join(f"{k}={json.loads(v)}" for k, v in c.signature),
                })
    return rows


def to_csv(tables: list[TaskTable]) -> str:
    rows = to_rows(tables)
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
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
        "tables": [{"task": t.task, "version": t.version, "main_metric": t.main_metric,
                    "rows": [clean_json(row) for row in to_rows([t])], "notes": t.notes}
                   for t in tables],
        **clean_json(extra or {}),
        "skipped_files": [{"path": str(p), "reason": why} for p, why in (problems or [])],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)
