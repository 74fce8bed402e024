"""The JSON of the report's judgements: what ``ganbench report --format json`` adds to the tables.

Plain dicts and lists of the numbers the Markdown and HTML show (rank intervals, defensibly
first, seeds to separate neighbours, normalised scores, the cross-task summary, the matrix, the
equal-compute view), with the rule behind each in a ``method`` string, so a reader of the JSON
alone knows what a number means.
"""

from __future__ import annotations

from ganbench.reporting.markdown_sections import NORMALISED, SUMMARY_NORMALISED, compute_caption, diverged_rule
from ganbench.reporting.stats import ALPHA, POWER


def ranking(r) -> dict:
    return {
        "task": r.task, "version": r.version, "key": r.key, "table": r.table_key, "column": r.column,
        "direction": r.direction, "design": r.design, "exact": r.exact,
        "resamples": None if r.exact else r.resamples, "worst_value": r.worst,
        "method": f"95% percentile bootstrap of ranks: {r.how()}; {diverged_rule()}; {NORMALISED}",
        "defensibly_first": r.defensibly_first(),
        "rows": [{"method": m.label, "objective": m.objective, "rank": m.rank, "rank_interval": list(m.interval),
                  "mean_rank": m.mean_rank, "p_first": m.p_first, "defensibly_first": m.first,
                  "seeds": len(m.outcomes), "seeds_counted_worst": m.n_worst, "score": m.mean,
                  "normalised": m.normalised,
                  "normalised_interval": list(m.normalised_interval) if m.normalised_interval else None,
                  "next": m.next_label,
                  "seeds_to_separate_from_next": None if m.next_seeds is None else {
                      "order_of_magnitude": m.next_seeds.short(), "paired": m.next_seeds.paired,
                      "effect_size": m.next_seeds.effect, "note": m.next_seeds.note}}
                 for m in r.methods],
        "unranked": [{"method": lab, "why": why} for lab, why in r.unranked],
        "seeds_to_separate": f"post-hoc plug-in: seeds (pairs, in a paired design) per method for a two-sided t-test at "
                             f"alpha {ALPHA} to have power {POWER} if the observed difference and spread were the truth "
                             f"(noncentral t); an order of magnitude; null: equal means or unknown spread",
    }


def summary(lb) -> tuple[dict | None, list[dict]]:
    agg = lb.summary
    if agg is None:
        return None, []
    head = {"tasks": agg.tasks, "chosen": agg.chosen, "resamples": agg.resamples,
            "defensibly_first": agg.defensibly_first(), "single_seed": agg.single_seed,
            "method": f"mean over these tasks (every compared method ran each) of the per-task {SUMMARY_NORMALISED}; "
                      "95% bootstrap with seeds resampled within every task jointly"}
    rows = [{"method": m.label, "compared": True, "score": m.score, "score_interval": list(m.interval), "rank": m.rank,
             "rank_interval": list(m.rank_interval), "p_first": m.p_first, "defensibly_first": m.first,
             "per_task": m.per_task} for m in agg.methods]
    rows += [{"method": m, "compared": False, "skipped": skipped} for m, skipped in agg.missing.items()]
    return head, rows


def matrix(mx) -> dict | None:
    if mx is None:
        return None
    cells = []
    for (method, domain), c in sorted(mx.cells.items()):
        st = c.stability
        cells.append({"method": method, "domain": domain, "score": c.score,
                      "interval": list(c.interval) if c.interval else None, "defensibly_first": c.first,
                      "partial": [{"task": t, "score": s, "interval": list(i) if i else None} for t, s, i in c.partial],
                      "skipped": c.skipped,
                      "divergence_rate": st.divergence_rate if st else None,
                      "diverged": st.diverged if st else None, "runs": st.runs if st else None,
                      "collapse": [{"metric": lab, "mean": mean, "runs": n} for lab, mean, n in c.collapse]})
    return {"methods": mx.methods, "domains": mx.domains, "tasks": mx.tasks, "collapse_metrics": mx.collapse_labels,
            "cells": cells}


def compute(tc) -> dict:
    methods = []
    for mc in tc.methods:
        at_steps, n_steps = mc.at(tc.matched_steps, 0)
        at_secs, n_secs = mc.at(tc.matched_seconds, 1)
        final, n_final = mc.final()
        methods.append({"method": mc.label, "steps": mc.steps, "seconds": mc.seconds, "seconds_per_step": mc.sec_per_step,
                        "at_matched_steps": at_steps, "runs_at_matched_steps": n_steps,
                        "at_matched_seconds": at_secs, "runs_at_matched_seconds": n_secs,
                        "final": final, "runs_final": n_final, "runs_with_shared_pretraining": mc.shared_phase_runs,
                        "curves": [{"seed": r.seed, "status": r.status, "shared_pretraining": r.shared_phase,
                                    "points": [{"step": s, "seconds": t, "value": v} for s, t, v in r.points]}
                                   for r in mc.runs]})
    return {"task": tc.task, "version": tc.version, "metric": tc.metric, "direction": tc.direction,
            "matched_steps": tc.matched_steps, "matched_seconds": tc.matched_seconds,
            "periodic_points": tc.periodic, "seconds_estimated": tc.estimated, "note": compute_caption(tc),
            "methods": methods}


def comparisons(lb) -> list[dict]:
    out = []
    for t in lb.tables:
        for label, c in lb.comparisons.get(t.key, {}).items():
            out.append({"table": t.key, "method": label, "best": c.best, "test": c.test, "paired": c.paired,
                        "n": c.n, "n_best": c.n_best, "p": c.p_value, "p_holm": c.p_adjusted,
                        "significant": c.significant, "note": c.note})
    return out


def drift(lb) -> dict | None:
    if lb.drift is None:
        return None
    return {"method": lb.drift.caption(), "sources": lb.drift.sources,
            "rows": [dict(zip(["task", "metric", "runs", "machines", "max_abs_delta", "seed_std", "max_delta_over_seed_std",
                               "identical"], row)) for row in lb.drift.rows()]}


def payload(lb) -> dict:
    head, rows = summary(lb)
    return {"rankings": [ranking(lb.rankings[t.key]) for t in lb.tables],
            "comparisons": comparisons(lb), "tests": "Holm-adjusted over each table's comparisons with its best row; "
                                                      "paired by seed where two rows start each seed alike",
            "aggregate": head, "summary": rows, "matrix": matrix(lb.matrix),
            "equal_compute": [compute(lb.compute[t.key]) for t in lb.tables], "across_machines": drift(lb)}
