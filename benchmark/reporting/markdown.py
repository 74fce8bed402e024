"""The leaderboard in Markdown: per task and protocol a table, what produced its numbers, the tests
and rank intervals under it; exploratory runs apart; then the cross-task sections.

A rendering of :class:`ganbench.reporting.leaderboard.Leaderboard` (or, for the table printed at the
end of ``ganbench run``, of bare :class:`~ganbench.reporting.tables.TaskTable` s): it computes
nothing. User text goes through :func:`ganbench.reporting.fmt.md`.
"""

from __future__ import annotations

from ganbench.reporting import markdown_sections as sections
from ganbench.reporting.fmt import md
from ganbench.reporting.stats import ALPHA
from ganbench.reporting.tables import TaskTable, best_rows, code_line, column_lines, hardware_line

INTRO = ("Each table ranks one **protocol** of a task: the same training budget (pre-training from another run's "
         "snapshot counted), the settings the task's budgets fix, and the same evaluation of the main metric (★). "
         "Named protocols (a task's budgets: `default` first) come first; runs under any other protocol are under "
         "*Exploratory runs*, never in a named protocol's ranking. A row is a method: its objective, the remedies it "
         "runs with, and the other settings that differ from its defaults under the table's protocol. Mean ± sample std over seeds of the "
         "runs that finished (`ok`); diverged and failed runs are counted, never averaged. ↑ higher is better, ↓ lower is "
         "better; **bold** is the best in its column. Each table lists what produced its numbers.")


def heading(t: TaskTable) -> str:
    proto = f" · protocol `{md(t.protocol_name)}`" if t.protocol is not None else ""
    return f"{md(t.task)} (v{md(t.version)}){proto} — main metric `{md(t.main_metric)}`"


def table_lines(t: TaskTable, extras=None) -> list[str]:
    """The table of ``t`` and its "computed on" notes; ``extras`` (a :class:`MarkdownExtras`) adds the
    test columns, published rows and notes."""
    out = []
    if t.protocol is not None:
        out += [f"Protocol: {md(t.protocol.describe())}.", ""]
    head = ["rank", "method", "runs ok", "seeds", "diverged", "failed"]
    head += [c.header + (" ★" if c.label == t.main_column else "") for c in t.columns]
    head += extras.header(t) if extras is not None else []
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---" for _ in head) + "|")
    best = best_rows(t)
    for i, r in enumerate(t.rows):
        div = str(r.n_diverged) + (f" (at {', '.join(map(str, r.diverged_steps))})" if r.diverged_steps else "")
        cells = [str(r.rank) if r.rank is not None else "—", md(r.label), str(r.n_ok), ",".join(map(str, r.seeds)),
                 div, str(r.n_failed)]
        for c in t.columns:
            text = r.cells[c.label].fmt() if c.label in r.cells else "—"
            if i in best.get(c.label, ()) and len(t.rows) > 1:
                text = f"**{text}**"
            cells.append(text)
        cells += extras.cells(t, r) if extras is not None else []
        out.append("| " + " | ".join(cells) + " |")
    for cells in (extras.rows(t) if extras is not None else []):
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "Computed on:"]
    out += column_lines(t)
    out.append(hardware_line(t.records))
    out.append(code_line(t.records))
    out.append("- config hashes: " + ", ".join(f"{md(r.label)}: `{r.config_hash}`" for r in t.rows))
    errs = [f"{md(r.label)}: {md(e)}" for r in t.rows for e in r.errors if e]
    if errs:
        out.append("- failures: " + "; ".join(errs))
    out += [f"- {note}" for note in t.notes]
    out += extras.notes(t) if extras is not None else []
    out.append("")
    return out


def to_markdown(tables: list[TaskTable], records: list[dict] = (), source: str = "", command: str = "") -> str:
    """The tables (no tests) and, for several of them, the cross-task summary over equal task sets:
    what ``ganbench run`` prints at its end."""
    from ganbench.reporting.aggregate import cross_task_summary
    from ganbench.reporting.ranking import rank_tasks

    out = ["# ganbench leaderboard", ""]
    if command:
        out += [f"Made by `{md(command)}`" + (f" from the run records in `{md(source)}`." if source else "."), ""]
    out += [INTRO, ""]
    for t in tables:
        out += [f"## {heading(t)}", ""] + table_lines(t)
    main = [t for t in tables if not t.exploratory] or tables  # a user's own short runs: all of them
    if len(main) > 1:
        out += sections.summary_lines(cross_task_summary(rank_tasks(main)))
    return "\n".join(out)


class MarkdownExtras:
    """What the full report adds to a table: the test against the best row, published rows, notes."""

    def __init__(self, lb):
        self.lb = lb

    def header(self, t: TaskTable) -> list[str]:
        return ["vs best: p (Holm-adjusted)", "test"]

    def cells(self, t: TaskTable, row) -> list[str]:
        comp = self.lb.comparisons.get(t.key, {}).get(row.label)
        if comp is None:
            return ["—", "—"]
        if comp.method == comp.best:
            return ["best", "—"]
        if comp.p_value is None:  # no test ran (its note says why)
            test = "—"
        else:
            test = f"{comp.test}, {comp.n} pairs" if comp.paired else f"{comp.test}, {comp.n_best} vs {comp.n} seeds"
        return [md(comp.short()), md(test)]

    def rows(self, t: TaskTable) -> list[list[str]]:
        out = []
        for prow, by_col, _ in self.lb.published_for(t):
            if not by_col:
                continue
            cells = ["published", f"*{md(prow.method)}* [{md(prow.source)}, {prow.status}]", "—", "—", "—", "—"]
            cells += [by_col[c.label].fmt() if c.label in by_col else "—" for c in t.columns]
            cells += ["—", "—"]
            out.append(cells)
        return out

    def notes(self, t: TaskTable) -> list[str]:
        lines = [f"- vs best: two-sided test over seeds of `{md(t.main_column)}` between the rank-1 row and each other "
                 f"row — the paired test where the two rows start each seed alike (same generator settings or "
                 f"snapshot: `test` says so and how many pairs), else the unpaired one; p-values Holm-adjusted over the "
                 f"table's comparisons, raw and adjusted shown; ✓ marks an adjusted p < {ALPHA}. The best row is chosen "
                 f"after seeing the data, which no correction undoes; n/a says why a test could not run."]
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
                lines.append(f"  - [{key}] {md(prow.citation)}{url}" + (f" — {md('; '.join(sorted(notes)))}" if notes else ""))
            other = [(prow, rest) for prow, _, rest in pubs if rest]
            if other:
                lines.append("- published values without a comparable column here: " + "; ".join(
                    f"*{md(prow.method)}* [{prow.source}, {prow.status}] "
                    + ", ".join(f"{md(k)} {v.fmt()}" for k, v in rest.items()) for prow, rest in other))
        drift = self.lb.drift.for_table(t) if self.lb.drift is not None else None
        if drift:
            lines.append(f"- across machines: {md(drift)}")
        return lines


def render_markdown(lb, source: str = "", command: str = "") -> str:
    """The full report of a :class:`~ganbench.reporting.leaderboard.Leaderboard`."""
    extras = MarkdownExtras(lb)
    out = ["# ganbench leaderboard", ""]
    if command:
        out += [f"Made by `{md(command)}`" + (f" from the run records in `{md(source)}`." if source else "."), ""]
    out += [INTRO, ""]
    for t in lb.main_tables:
        out += [f"## {heading(t)}", ""] + table_lines(t, extras)
        r = lb.ranking(t)
        out += sections.ranking_lines(r) if r is not None else []
    explore = lb.exploratory_tables
    if explore:
        out += ["## Exploratory runs", "",
                "Runs under a protocol that is none of their task's named budgets (another step count, other fixed "
                "settings, pre-training from a snapshot) and, with `--tags-apart`, the tagged variants of a named "
                "protocol. Each table still holds one protocol; none of these rows takes part in a named protocol's "
                "ranking, the cross-task summary or the matrix.", ""]
        for t in explore:
            out += [f"### {heading(t)}", ""] + table_lines(t, extras)
            r = lb.ranking(t)
            out += sections.ranking_lines(r) if r is not None else []
    if len(lb.compared_tables) > 1:
        out += sections.summary_lines(lb.summary)
    out += sections.matrix_lines(lb.matrix)
    out += sections.compute_lines([lb.compute[t.key] for t in lb.main_tables])
    out += sections.drift_lines(lb.drift)
    out += sections.sensitivity_lines(lb.sensitivity)
    out += sections.stability_lines(lb.stability)
    out += sections.published_only_lines(lb)
    return "\n".join(out)


__all__ = ["render_markdown", "to_markdown", "table_lines", "heading", "MarkdownExtras"]
