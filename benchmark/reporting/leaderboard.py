"""The leaderboard people read: per-protocol tables + tests that fit the design + rank intervals +
the cross-task summary + the methods × domains matrix + equal compute + published rows + stability
+ how far numbers move across machines, built once.

:func:`build_leaderboard` gathers everything a report shows from the run records (tables from
:mod:`ganbench.reporting.tables`, one per protocol, tests from :mod:`ganbench.reporting.stats`, rank
intervals from :mod:`ganbench.reporting.ranking`, the summary over equal task sets from
:mod:`ganbench.reporting.aggregate`, the matrix from :mod:`ganbench.reporting.matrix`, the compute
view from :mod:`ganbench.reporting.compute`, published rows from :mod:`ganbench.reporting.published`,
the stability summary from :mod:`ganbench.reporting.stability`, the cross-machine drift from
:mod:`ganbench.reporting.drift`), so the Markdown (:mod:`ganbench.reporting.markdown`), the JSON and
CSV data and the HTML of :mod:`ganbench.reporting.html` cannot disagree. Published rows are added
to a task's default-protocol table, marked, and never enter a mean, a rank, a bold "best" or a test.

The cross-task summary and the matrix read the named-protocol tables only (exploratory runs never
rank there); the matrix reads, per task, its named-protocol table that ranks the most methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ganbench.reporting.aggregate import Aggregate, cross_task_summary
from ganbench.reporting.compute import equal_compute
from ganbench.reporting.drift import Drift, load_drift
from ganbench.reporting.matrix import Matrix, build_matrix
from ganbench.reporting.published import Published, PublishedRow, load_published
from ganbench.reporting.ranking import TaskRanking, rank_tasks
from ganbench.reporting.sensitivity import sensitivity_report
from ganbench.reporting.stability import StabilitySummary, stability_summary
from ganbench.reporting.stats import compare_to_best, family
from ganbench.reporting.tables import TaskTable, build_tables, row_labels


@dataclass
class Leaderboard:
    records: list[dict]
    tables: list[TaskTable]
    comparisons: dict  # table key -> {row label: Comparison}
    published: Published
    stability: StabilitySummary
    test: str = "t"
    rankings: dict = field(default_factory=dict)  # table key -> TaskRanking
    summary: Aggregate | None = None  # the cross-task summary over equal task sets
    matrix: Matrix | None = None
    compute: dict = field(default_factory=dict)  # table key -> TaskCompute
    sensitivity: dict = field(default_factory=dict)  # the protocol-sensitivity panel (reporting/sensitivity.py)
    drift: Drift | None = None  # `ganbench reproduce` outputs found beside the records

    @property
    def main_tables(self) -> list[TaskTable]:
        return [t for t in self.tables if not t.exploratory]

    @property
    def compared_tables(self) -> list[TaskTable]:
        """The tables the cross-task views read: the named protocols (all tables when none is named)."""
        return self.main_tables or self.tables

    @property
    def exploratory_tables(self) -> list[TaskTable]:
        return [t for t in self.tables if t.exploratory]

    def ranking(self, table: TaskTable) -> TaskRanking | None:
        return self.rankings.get(table.key)

    def published_for(self, table: TaskTable) -> list[tuple[PublishedRow, dict, dict]]:
        """(row, {column label: value} placed under our columns, {label: value} shown as a note);
        only on the task's first named-protocol table (its default when it has one)."""
        if table is not self._published_table(table.task):
            return []
        out = []
        for prow in self.published.for_task(table.task):
            placed, rest = prow.split(c.metric for c in table.columns)
            by_col = {}
            for col in table.columns:  # the first column of a metric gets the published value
                if col.metric in placed and not any(c.metric == col.metric for c in table.columns if c.label in by_col):
                    by_col[col.label] = placed[col.metric][1]
            out.append((prow, by_col, rest))
        return out

    def _published_table(self, task: str) -> TaskTable | None:
        mine = [t for t in self.main_tables if t.task == task]
        return next((t for t in mine if t.protocol is not None and t.protocol.is_default), mine[0] if mine else None)

    def tasks_without_runs(self) -> list[str]:
        ours = {t.task for t in self.tables}
        return [t for t in self.published.tasks() if t not in ours]


def matrix_tables(tables: list[TaskTable], rankings: dict) -> list[TaskTable]:
    """Per task, the named-protocol table that ranks the most methods (ties: the first in order);
    every table is a candidate when none is named (a folder of exploratory runs only)."""
    best: dict[tuple, TaskTable] = {}
    named = any(not t.exploratory for t in tables)
    for t in tables:
        if t.exploratory and named:
            continue
        r = rankings.get(t.key)
        k = (t.task, t.version)
        if k not in best or (r is not None and len(r.methods) > len(rankings[best[k].key].methods)):
            best[k] = t
    return list(best.values())


def build_leaderboard(records: list[dict], test: str = "t", published: Published | None = None,
                      excluded: list[dict] = (), compare: list[str] | None = None, tags_apart: bool = False,
                      drift: Drift | None = None, source=None) -> Leaderboard:
    """``excluded``: records two of which claim one run (:class:`ganbench.core.records.LoadedRecords`),
    named in their task's notes and never used. ``compare``: the methods of the cross-task summary
    (default: the largest block of methods that all ran the same tasks). ``tags_apart``: tagged
    variants of a named protocol are shown apart, as exploratory runs. ``drift``: cross-machine re-runs (default: those found
    under ``source``, the results folder)."""
    family(test)  # an unknown test name fails here
    tables = build_tables(records, excluded, tags_apart)
    comparisons = {t.key: compare_to_best(t, test) for t in tables}
    ranked = rank_tasks(tables)
    rankings = {r.table_key: r for r in ranked}
    # the cross-task views read the named protocols; a folder of exploratory runs only (a user's own
    # short runs) is compared over those
    main = [rankings[t.key] for t in tables if not t.exploratory] or [rankings[t.key] for t in tables]
    summary = cross_task_summary(main, compare)
    in_matrix = matrix_tables(tables, rankings)
    labels = row_labels(in_matrix)
    matrix = build_matrix([rankings[t.key] for t in in_matrix], [r for t in in_matrix for r in t.records],
                          [m.label for m in summary.methods] if summary else [], row_labels=labels)
    if drift is None and source is not None:
        drift = load_drift(source)
    return Leaderboard(records, tables, comparisons, published or load_published(), stability_summary(records), test,
                       rankings, summary, matrix, {t.key: equal_compute(t, t.records) for t in tables},
                       sensitivity_report(records), drift)


def leaderboard_markdown(records: list[dict], source: str = "", command: str = "", test: str = "t",
                         excluded: list[dict] = (), compare: list[str] | None = None, tags_apart: bool = False) -> str:
    from ganbench.reporting.markdown import render_markdown

    lb = build_leaderboard(records, test, excluded=excluded, compare=compare, tags_apart=tags_apart,
                           source=source or None)
    return render_markdown(lb, source=source, command=command)


def leaderboard_json(lb: Leaderboard, problems: list | None = None) -> str:
    """The tables (long format) and every judgement the Markdown shows: per table rank intervals,
    defensibly first, tests, seeds to separate neighbours, normalised scores; the cross-task summary;
    the matrix; the equal-compute view; the cross-machine drift."""
    from ganbench.reporting import report_json
    from ganbench.reporting.tables import to_json

    return to_json(lb.tables, problems, {**report_json.payload(lb), "sensitivity": lb.sensitivity})


__all__ = ["Leaderboard", "build_leaderboard", "leaderboard_markdown", "leaderboard_json", "matrix_tables"]
