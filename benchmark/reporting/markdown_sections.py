"""The Markdown of the report's judgement sections: per-task rank intervals, the cross-task summary
over equal task sets, the methods × domains matrix, and the equal-compute tables.

Numbers come from :class:`ganbench.reporting.leaderboard.Leaderboard` (built once, so the Markdown,
the HTML and the JSON cannot disagree); this module only lays them out. User strings (method
labels, task names) go through :func:`md`.
"""

from __future__ import annotations

from ganbench.reporting.aggregate import Aggregate, fmt_score
from ganbench.reporting.compute import MethodCompute, TaskCompute
from ganbench.reporting.fmt import ARROW, md, num as _num
from ganbench.reporting.matrix import Matrix, fmt_cell
from ganbench.reporting.ranking import TaskRanking, fmt_interval, fmt_normalised
from ganbench.reporting.stats import ALPHA, POWER

NORMALISED = ("normalised score = 1 − (rank − 1)/(k − 1) among the k methods ranked on the task "
              "(1 first, 0 last, whatever the metric's units)")
# the cross-task summary re-ranks each task among the compared methods (reporting/aggregate.py)
SUMMARY_NORMALISED = ("normalised score 1 − (rank − 1)/(k − 1), ranked among the k compared methods only "
                      "(1 first, 0 last: another method of a task never moves them)")
DIVERGED_RULE = ("a diverged seed, or a finished one whose main metric is not finite, counts as the task's worst "
                 "observed value{worst}; crashed runs are left out")


def diverged_rule(worst: float | None = None) -> str:
    return DIVERGED_RULE.format(worst=f" ({_num(worst, 3)})" if worst is not None else "")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"] + \
           ["| " + " | ".join(r) + " |" for r in rows]


def _firsts(labels: list[str]) -> str:
    return ", ".join(f"**{md(x)}**" for x in labels) or "none"


def seeds_text(r: TaskRanking, m) -> str:
    if m.next_label is None:
        return ""
    return f"vs {md(m.next_label)}: {m.next_seeds.short()}"


def ranking_lines(r: TaskRanking) -> list[str]:
    """The block under a table: rank intervals, defensibly first, seeds to separate neighbours."""
    if not r.methods:
        why = "; ".join(f"{md(lab)}: {md(w)}" for lab, w in r.unranked)
        return ["**Rank intervals**: nothing ranked" + (f" ({why})" if why else "") + ".", ""]
    out = [f"**Rank intervals** on `{md(r.column)}` {ARROW[r.direction]}: 95% bootstrap over seeds ({md(r.how())}; "
           f"{diverged_rule(r.worst)}; one seed gives every rank). "
           f"Defensibly first (interval reaches 1): {_firsts(r.defensibly_first())}.", ""]
    rows = []
    for m in r.methods:
        seeds = str(len(m.outcomes)) + (f" ({m.n_worst} as worst)" if m.n_worst else "")
        rows.append([str(m.rank), md(m.label), fmt_interval(m), f"{100 * m.p_first:.0f}%",
                     fmt_normalised(m.normalised, m.normalised_interval), seeds, seeds_text(r, m)])
    out += _table(["rank", "method", "95% rank interval", "P(first)", "normalised score [95%]", "seeds",
                   "seeds to separate from the next"], rows)
    out += ["", f"Seeds to separate: a post-hoc plug-in figure — how many seeds per method (pairs, in a paired "
                f"design) a two-sided t-test at {ALPHA} needs for {POWER:.0%} power *if* the observed difference and "
                f"spread were the truth, which with few seeds they are not; printed as an order of magnitude (∞: equal "
                f"means; — : too few seeds or no spread). {NORMALISED.capitalize()}."]
    if r.unranked:
        out.append("Unranked: " + "; ".join(f"{md(lab)} ({md(w)})" for lab, w in r.unranked) + ".")
    out.append("")
    return out


def summary_lines(agg: Aggregate | None) -> list[str]:
    out = ["## Across tasks: like with like", ""]
    if agg is None:
        return out + ["No two methods were ranked on the same two tasks: nothing to compare across tasks. "
                      "(A mean over the tasks each method happened to run would compare different things.)", ""]
    how = ("the methods named by --compare" if agg.chosen == "named"
           else "the largest block of these records in which every method ran every task")
    out += [f"{len(agg.methods)} methods over the {len(agg.tasks)} tasks every one of them ran ({how}). Score = mean "
            f"over those tasks of the per-task {SUMMARY_NORMALISED}; intervals: 95% bootstrap, seeds resampled within every "
            f"task jointly ({agg.resamples} resamples). A method that skipped one of these tasks is listed below, "
            f"never averaged over fewer tasks. Defensibly first overall: {_firsts(agg.defensibly_first())}.", ""]
    rows = []
    for m in agg.methods:
        rows.append([str(m.rank), f"{m.rank_interval[0]}" if m.rank_interval[0] == m.rank_interval[1]
                     else f"{m.rank_interval[0]}–{m.rank_interval[1]}", md(m.label), fmt_score(m.score, m.interval),
                     f"{100 * m.p_first:.0f}%"] + [f"{m.per_task[t]:.2f}" for t in agg.tasks])
    out += _table(["rank", "95% rank interval", "method", "score [95%]", "P(first)"] + [md(t) for t in agg.tasks], rows)
    if agg.single_seed:
        out += ["", "One seed on some task (its spread is unknown, the interval understated): "
                + ", ".join(md(m) for m in agg.single_seed) + "."]
    if agg.missing:
        out += ["", "Not compared (missing from these tasks):", ""]
        out += _table(["method", "skipped"], [[md(m), ", ".join(md(t) for t in skipped) or "—"]
                                             for m, skipped in agg.missing.items()])
    out.append("")
    return out


MATRIX_PARTS = ["score [95%]", "diverged"]  # a matrix cell's parts before the domain's collapse metrics


def matrix_lines(mx: Matrix) -> list[str]:
    if not mx.methods:
        return []
    out = ["## Where each loss is good", "",
           f"Methods × domains. Cell: the method's mean {NORMALISED}, over the domain's tasks, with its 95% bootstrap "
           "interval (seeds resampled within every task jointly); shown only for a method that ran every task of the "
           "domain, else the tasks it ran are listed apart (never a mean over fewer tasks). ★: defensibly first on the "
           "domain (its rank interval among the full cells reaches 1). Then the divergence rate on the domain's runs and "
           "the domain's mode-collapse metric over finished runs (stability summary).", ""]
    head = ["method"]
    for d in mx.domains:
        n = len(mx.tasks[d])
        head.append(md(f"{d} ({n} task{'s' if n != 1 else ''}): " + " · ".join(MATRIX_PARTS + mx.collapse_labels[d])))
    rows = [[md(m)] + [md(fmt_cell(mx.cell(m, d))) if mx.cell(m, d).ran else "not run" for d in mx.domains]
            for m in mx.methods]
    out += _table(head, rows)
    tasks = [f"{md(d)}: {', '.join(md(t) for t in mx.tasks[d]) or 'none with two ranked methods'}" for d in mx.domains]
    out += ["", "Tasks: " + "; ".join(tasks) + ".", ""]
    return out


def compute_caption(tc: TaskCompute) -> str:
    parts = []
    if tc.periodic == 0:
        parts.append("no periodic evaluations (run with `--set eval_every=N` for curves): each run's point is its "
                     "final evaluation")
    if tc.estimated:
        parts.append("seconds of periodic evaluations estimated as step × (wall_time_s / steps completed) of the run")
    if tc.shared_phase:
        parts.append("† k/n: k of the method's n runs loaded their MLE pre-training from a snapshot another run computed "
                     "(same task, seed and settings); their training seconds leave that phase out, so `train s`, `s/step` "
                     "and the matched-seconds column understate what the method costs from scratch")
    return "; ".join(parts)


def at_text(mc: MethodCompute, budget, axis: int) -> str:
    value, n = mc.at(budget, axis)
    if value is None:
        return "—"
    return _num(value, 3) + (f" ({n}/{len(mc.runs)} runs)" if n != len(mc.runs) else "")


def compute_head(tc: TaskCompute) -> list[str]:
    steps = f"at ≤ {tc.matched_steps:g} steps" if tc.matched_steps else "at matched steps"
    secs = f"at ≤ {tc.matched_seconds:.1f} s" if tc.matched_seconds else "at matched seconds (no time recorded)"
    return ["steps", "train s", "s/step", steps, secs, "at the end"]


def compute_cells(tc: TaskCompute, mc: MethodCompute) -> list[str]:
    """steps, train s, s/step, at the matched steps, at the matched seconds, at the end (plain text)."""
    final, n = mc.final()
    end = "—" if final is None else _num(final, 3) + (f" ({n}/{len(mc.runs)} runs)" if n != len(mc.runs) else "")
    shared = f" †{mc.shared_phase_runs}/{len(mc.runs)}" if mc.shared_phase_runs else ""
    return [f"{mc.steps:g}" if mc.steps else "—", (f"{mc.seconds:.1f}" if mc.seconds else "—") + shared,
            f"{mc.sec_per_step:.3g}" if mc.sec_per_step else "—", at_text(mc, tc.matched_steps, 0),
            at_text(mc, tc.matched_seconds, 1), end]


def compute_lines(computes: list[TaskCompute]) -> list[str]:
    if not any(tc.methods for tc in computes):
        return []
    out = ["## Equal compute", "",
           "Each task's main metric at matched compute: at the last evaluation at or before the smallest step budget of "
           "the task's methods, and before the smallest time budget (a method's slowest finished run, in wall-clock seconds "
           "of the training loop, on the hardware each task's table names), beside the compute each method used. A method that wins only by "
           "training longer or slower shows here.", ""]
    for tc in computes:
        if not tc.methods:
            continue
        out += [f"### {md(tc.key or tc.task)} — `{md(tc.metric)}` {ARROW[tc.direction]}", ""]
        rows = [[md(mc.label)] + compute_cells(tc, mc) for mc in tc.methods]
        out += _table(["method"] + compute_head(tc), rows)
        caption = compute_caption(tc)
        out += ([""] + [f"Note: {caption}."] if caption else []) + [""]
    return out


def drift_lines(drift) -> list[str]:
    """How far a fixed seed moved when committed runs were re-run on other machines (``ganbench reproduce``)."""
    if drift is None or not drift.tasks:
        return []
    out = ["## Across machines", "", md(drift.caption()), ""]
    out += _table(["task", "metric", "runs re-run", "machines (committed → here)", "largest move", "seed std",
                   "largest move / seed std", "bit-identical"], [[md(x) for x in row] for row in drift.rows()])
    return out + [""]


def sensitivity_lines(panel: dict) -> list[str]:
    """Each task's ranking re-computed under the protocol knobs (``ganbench sensitivity``), with τ."""
    from ganbench.reporting.sensitivity import markdown_lines

    if not panel.get("tasks"):
        return []
    return (["## Protocol sensitivity", "",
             "Each task's ranking recomputed from the same trained generators under another evaluation protocol "
             "(`ganbench sensitivity`): Kendall's τ against the default ranking, methods whose rank moves in **bold** "
             "(▲ better, ▼ worse).", ""] + markdown_lines(panel, heading="###"))


def stability_lines(st) -> list[str]:
    from ganbench.reporting.stability import collapse_note, fmt_collapse, fmt_rate, fmt_spread

    if not st.methods:
        return []
    out = ["## Stability across domains", "",
           "Per method over every task and seed it ran: divergence rate = diverged / (finished + diverged) runs; "
           "seed spread = seed-to-seed std of each task's main metric / |that task's mean over all methods|, averaged "
           "over the tasks with ≥ 2 finished seeds (lower is steadier); mode collapse = the domain's diversity metric "
           f"over finished runs ({collapse_note()}).", ""]
    head = ["method", "tasks", "runs", "diverged", "failed", "seed spread"] + [c.header for c in st.columns]
    rows = [[md(m.method), str(len(m.tasks)), str(m.runs), fmt_rate(m), str(m.failed), fmt_spread(m)]
            + [fmt_collapse(m, c) for c in st.columns] for m in st.methods]
    return out + _table(head, rows) + [""]


def published_only_lines(lb) -> list[str]:
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
            note = f" — {md(first.note)}" if first.note else ""
            url = f" <{first.url}>" if first.url else ""
            out += [f"[{source}] {md(first.citation)}{url}{note}", ""]
            out += _table(["method", "status"] + [md(x) for x in labels],
                          [[md(r.method), r.status] + [r.values[x].fmt() if x in r.values else "—" for x in labels]
                           for r in group])
            out.append("")
    return out


__all__ = ["drift_lines", "sensitivity_lines", "stability_lines", "published_only_lines", "ranking_lines", "summary_lines", "matrix_lines", "compute_lines", "compute_caption", "compute_head", "compute_cells", "diverged_rule"]
