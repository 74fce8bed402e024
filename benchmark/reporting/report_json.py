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
        "task": r.task, "version": r.version, "key": r.key, "column": r.column, "direction": r.direction,
        "resamples": r.resamples, "worst_value": r.worst,
        "method": f"95% percentile bootstrap of ranks, seeds resampled within each method; {diverged_rule()}; "
                  f"{NORMALISED}",
        "defensibly_first": r.defensibly_first(),
        "rows": [{"method": m.label, "objective": m.objective, "rank": m.rank, "rank_interval": list(m.interval),
                  "mean_rank": m.mean_rank, "p_first": m.p_first, "defensibly_first": m.first,
                  "seeds": len(m.outcomes), "seeds_counted_worst": m.n_worst, "score": m.mean,
                  "normalised": m.normalised,
                  "normalised_interval": list(m.normalised_interval) if m.normalised_interval else None,
                  "next": m.next_label,
                  "seeds_to_separate_from_next": None if m.next_seeds is None else {
                      "n": m.next_seeds.n, "effect_size": m.next_seeds.effect, "note": m.next_seeds.note}}
                 for m in r.methods],
        "unranked": [{"method": lab, "why": why} for lab, why in r.unranked],
        "seeds_to_separate": f"per method, two-sided t-test at alpha {ALPHA}, power {POWER}, observed mean "
                             f"difference and pooled seed std (noncentral t); null n: equal means or unknown spread",
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


def payload(lb) -> dict:
    head, rows = summary(lb)
    return {"rankings": [ranking(lb.rankings[(t.task, t.version)]) for t in lb.tables],
            "aggregate": head, "summary": rows, "matrix": matrix(lb.matrix),
            "equal_compute": [compute(lb.compute[(t.task, t.version)]) for t in lb.tables]}
