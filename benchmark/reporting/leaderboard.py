"""The leaderboard people read: tables + significance + rank intervals + the cross-task summary +
the methods × domains matrix + equal compute + published rows + stability, built once.

:func:`build_leaderboard` gathers everything a report shows from the run records (tables from
:mod:`ganbench.reporting.tables`, tests from :mod:`ganbench.reporting.stats`, rank intervals from
:mod:`ganbench.reporting.ranking`, the summary over equal task sets from
:mod:`ganbench.reporting.aggregate`, the matrix from :mod:`ganbench.reporting.matrix`, the compute view
from :mod:`ganbench.reporting.compute`, published rows from :mod:`ganbench.reporting.published`, the
stability summary from :mod:`ganbench.reporting.stability`), so the Markdown and JSON here and the
HTML of :mod:`ganbench.reporting.html` cannot disagree. Published rows are added after our rows,
marked, and never enter a mean, a rank, a bold "best" or a test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ganbench.reporting import markdown_sections as sections
from ganbench.reporting.aggregate import Aggregate, cross_task_summary
from ganbench.reporting.compute import equal_compute
from ganbench.reporting.matrix import Matrix, build_matrix
from ganbench.reporting.published import Published, PublishedRow, load_published
from ganbench.reporting.ranking import rank_tasks
from ganbench.reporting.sensitivity import markdown_lines as sensitivity_lines, sensitivity_report
from ganbench.reporting.tables import ARROW, TaskTable, build_tables, row_labels, to_json, to_markdown
from ganbench.reporting.stability import StabilitySummary, collapse_note, fmt_collapse, fmt_rate, fmt_spread, stability_summary
from ganbench.reporting.stats import ALPHA, TESTS, compare_to_best


@dataclass
class Leaderboard:
    records: list[dict]
    tables: list[TaskTable]
    comparisons: dict  # (task, version) -> {row label: Comparison}
    published: Published
    stability: StabilitySummary
    test: str = "welch"
    records_by_table: dict = field(default_factory=dict)  # (task, version) -> records
    rankings: dict = field(default_factory=dict)  # (task, version) -> TaskRanking
    summary: Aggregate | None = None  # the cross-task summary over equal task sets
    matrix: Matrix | None = None
    compute: dict = field(default_factory=dict)  # (task, version) -> TaskCompute
    sensitivity: dict = field(default_factory=dict)  # the protocol-sensitivity panel (reporting/sensitivity.py)

    def published_for(self, table: TaskTable) -> list[tuple[PublishedRow, dict, dict]]:
        """(row, {column label: value} placed under our columns, {label: value} shown as a note)."""
        out = []
        for prow in self.published.for_task(table.task):
            placed, rest = prow.split(c.metric for c in table.columns)
            by_col = {}
            for col in table.columns:  # the first column of a metric gets the published value
                if col.metric in placed and not any(c.metric == col.metric for c in table.columns if c.label in by_col):
                    by_col[col.label] = placed[col.metric][1]
            out.append((prow, by_col, rest))
        return out

    def tasks_without_runs(self) -> list[str]:
        ours = {t.task for t in self.tables}
        return [t for t in self.published.tasks() if t not in ours]


def build_leaderboard(records: list[dict], test: str = "welch", published: Published | None = None,
                      excluded: list[dict] = (), compare: list[str] | None = None) -> Leaderboard:
    """``excluded``: records two of which claim one run (:class:`ganbench.core.records.LoadedRecords`),
    named in their task's notes and never used. ``compare``: the methods of the cross-task summary
    (default: the largest block of methods that all ran the same tasks)."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}")
    tables = build_tables(records, excluded)
    by_table = defaultdict(list)
    for r in records:
        by_table[(r["task"]["name"], str(r["task"]["version"]))].append(r)
    comparisons = {(t.task, t.version): compare_to_best(t, test) for t in tables}
    ranked = rank_tasks(tables)
    summary = cross_task_summary(ranked, compare)
    matrix = build_matrix(ranked, records, [m.label for m in summary.methods] if summary else [],
                          row_labels=row_labels(tables))
    return Leaderboard(records, tables, comparisons, published or load_published(), stability_summary(records), test,
                       dict(by_table), {(r.task, r.version): r for r in ranked}, summary, matrix,
                       {(t.task, t.version): equal_compute(t, by_table[(t.task, t.version)]) for t in tables},
                       sensitivity_report(records))


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _cite_key(prow: PublishedRow) -> str:
    return prow.source


class MarkdownExtras:
    """The hooks :func:`ganbench.reporting.tables.to_markdown` calls to add our columns, rows and sections."""

    def __init__(self, lb: Leaderboard):
        self.lb = lb

    def header(self, t: TaskTable) -> list[str]:
        return [f"vs best: p ({'Welch' if self.lb.test == 'welch' else 'Mann–Whitney'})"]

    def cells(self, t: TaskTable, row) -> list[str]:
        comp = self.lb.comparisons.get((t.task, t.version), {}).get(row.label)
        return [_md(comp.short()) if comp else "—"]

    def rows(self, t: TaskTable) -> list[list[str]]:
        out = []
        for prow, by_col, _ in self.lb.published_for(t):
            if not by_col:
                continue
            cells = ["published", f"*{_md(prow.method)}* [{_cite_key(prow)}, {prow.status}]", "—", "—", "—", "—", "—"]
            cells += [by_col[c.label].fmt() if c.label in by_col else "—" for c in t.columns]
            cells += ["—"]
            out.append(cells)
        return out

    def notes(self, t: TaskTable) -> list[str]:
        lines = [f"- vs best: two-sided {TESTS[self.lb.test]} over seeds of `{t.main_column}` between the rank-1 row "
                 f"and each other row; ✓ marks p < {ALPHA} (significant), n/a says why a test could not run."]
        pubs = self.lb.published_for(t)
        if pubs:
            sources = {}
            for prow, by_col, rest in pubs:
                sources.setdefault(prow.source, prow)
            lines.append("- *published* rows are values from the literature, never part of our means, ranks or tests; "
                         "[source, verified/recalled/measured]:")
            for key, prow in sources.items():
                url = f" <{prow.url}>" if prow.url else ""
                notes = {p.note for p, _, _ in pubs if p.source == key and p.note}
                lines.append(f"  - [{key}] {_md(prow.citation)}{url}" + (f" — {_md('; '.join(sorted(notes)))}" if notes else ""))
            other = [(prow, rest) for prow, _, rest in pubs if rest]
            if other:
                lines.append("- published values without a comparable column here: " + "; ".join(
                    f"*{_md(prow.method)}* [{prow.source}, {prow.status}] "
                    + ", ".join(f"{_md(k)} {v.fmt()}" for k, v in rest.items()) for prow, rest in other))
        return lines

    def sections(self, t: TaskTable) -> list[str]:
        r = self.lb.rankings.get((t.task, t.version))
        return sections.ranking_lines(r) if r is not None else []

    def appendix(self) -> list[str]:
        lb = self.lb
        summary = sections.summary_lines(lb.summary) if len(lb.tables) > 1 else []  # one task: its own ranking says it
        return (summary + sections.matrix_lines(lb.matrix)
                + sections.compute_lines([lb.compute[(t.task, t.version)] for t in lb.tables])
                + sensitivity_markdown(lb) + stability_markdown(lb) + published_only_markdown(lb))


def sensitivity_markdown(lb: Leaderboard) -> list[str]:
    """Each task's ranking re-computed under the protocol knobs (``ganbench sensitivity``), with τ."""
    if not lb.sensitivity.get("tasks"):
        return []
    return (["## Protocol sensitivity", "",
             "Each task's ranking recomputed from the same trained generators under another evaluation protocol "
             "(`ganbench sensitivity`): Kendall's τ against the default ranking, methods whose rank moves in **bold** "
             "(▲ better, ▼ worse).", ""] + sensitivity_lines(lb.sensitivity, heading="###"))


def stability_markdown(lb: Leaderboard) -> list[str]:
    st = lb.stability
    if not st.methods:
        return []
    out = ["## Stability across domains", "",
           "Per method over every task and seed it ran: divergence rate = diverged / (finished + diverged) runs; "
           "seed spread = seed-to-seed std of each task's main metric / |that task's mean over all methods|, averaged "
           "over the tasks with ≥ 2 finished seeds (lower is steadier); mode collapse = the domain's diversity metric "
           f"over finished runs ({collapse_note()}).", ""]
    head = ["method", "tasks", "runs", "diverged", "failed", "seed spread"] + [c.header for c in st.columns]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    for m in st.methods:
        cells = [_md(m.method), str(len(m.tasks)), str(m.runs), fmt_rate(m), str(m.failed), fmt_spread(m)]
        cells += [fmt_collapse(m, c) for c in st.columns]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def published_only_markdown(lb: Leaderboard) -> list[str]:
    tasks = lb.tasks_without_runs()
    if not tasks:
        return []
    out = ["## Published results for tasks without runs here", "",
           "Shown for reference until runs of these tasks are recorded; [source, verified/recalled/measured].", ""]
    for task in tasks:
        rows = lb.published.for_task(task)
        out += [f"### {task}", ""]
        for source in dict.fromkeys(r.source for r in rows):
            group = [r for r in rows if r.source == source]
            labels = list(dict.fromkeys(k for r in group for k in r.values))
            first = group[0]
            note = f" — {_md(first.note)}" if first.note else ""
            url = f" <{first.url}>" if first.url else ""
            out += [f"[{source}] {_md(first.citation)}{url}{note}", ""]
            out.append("| method | status | " + " | ".join(_md(x) for x in labels) + " |")
            out.append("|---|---|" + "|".join("---" for _ in labels) + "|")
            for r in group:
                out.append(f"| {_md(r.method)} | {r.status} | " + " | ".join(r.values[x].fmt() if x in r.values else "—"
                                                                       for x in labels) + " |")
            out.append("")
    return out


def leaderboard_markdown(records: list[dict], source: str = "", command: str = "", test: str = "welch",
                         excluded: list[dict] = (), compare: list[str] | None = None) -> str:
    lb = build_leaderboard(records, test, excluded=excluded, compare=compare)
    return to_markdown(lb.tables, records, source=source, command=command, extras=MarkdownExtras(lb))


def leaderboard_json(lb: Leaderboard, problems: list | None = None) -> str:
    """The tables (long format) and every judgement the Markdown shows: per task rank intervals,
    defensibly first, seeds to separate neighbours, normalised scores; the cross-task summary;
    the matrix; the equal-compute view. ``summary`` lists every method: compared ones with their
    aggregate, the others with the compared tasks they skipped."""
    from ganbench.reporting import report_json

    return to_json(lb.tables, problems, {**report_json.payload(lb), "sensitivity": lb.sensitivity})


__all__ = ["Leaderboard", "build_leaderboard", "leaderboard_markdown", "leaderboard_json", "MarkdownExtras", "ARROW"]
