"""Rank intervals, defensibly first, seeds to separate, and the cross-task aggregate, on cases with
known answers."""

import math
from statistics import NormalDist

import numpy as np
import pytest

from ganbench.core.errors import UserError
from ganbench.reporting.aggregate import aggregate, cross_task_summary, largest_block
from ganbench.reporting.ranking import competition_ranks, rank_task, rank_tasks
from ganbench.reporting.stats import seeds_needed, seeds_needed_normal
from ganbench.reporting.tables import build_tables


def rec(task, objective, seed, value, status="ok", direction="max", start=None):
    """A record of a made-up task. ``start``: the generator setting that fixes a seed's start; by
    default each objective has its own, so methods do not pair by seed (the independent design)."""
    metrics = {"m": {"value": value, "direction": direction}} if status == "ok" else {}
    return {"schema": "ganbench.run/1", "run_id": f"{task}-{objective}-{seed}", "seed": seed, "tag": None,
            "task": {"name": task, "version": "1", "main_metric": "m"}, "objective": objective,
            "config": {"steps": 10, "g_start": objective if start is None else start}, "config_hash": "h",
            "status": status, "metrics": metrics,
            "diverged": {"step": 3, "reason": "nan"} if status == "diverged" else None}


def runs(task, objective, values, direction="max", start=None):
    return [rec(task, objective, s, v, direction=direction, start=start) for s, v in enumerate(values)]


def ranking(records):
    (table,) = build_tables(records)
    return rank_task(table)


def by_label(r):
    return {m.label: m for m in r.methods}


# --- per task ------------------------------------------------------------------------------------
def test_identical_methods_overlap_and_are_both_defensibly_first():
    r = ranking(runs("t/a", "x", [1.0, 2.0, 3.0, 2.5]) + runs("t/a", "y", [1.0, 2.0, 3.0, 2.5]))
    x, y = by_label(r)["x"], by_label(r)["y"]
    assert x.rank == y.rank == 1  # equal means tie
    assert x.interval == y.interval == (1, 2)  # each is first in some resamples, second in others
    assert sorted(r.defensibly_first()) == ["x", "y"]
    assert 0.3 < x.p_first < 0.8 and 0.3 < y.p_first < 0.8
    assert x.next_seeds.n is None and x.next_seeds.short() == "∞"  # equal means: no number of seeds separates them


def test_well_separated_methods_get_disjoint_intervals_and_one_first():
    r = ranking(runs("t/a", "good", [10.0, 11.0, 12.0]) + runs("t/a", "mid", [5.0, 6.0, 7.0])
                + runs("t/a", "bad", [1.0, 2.0, 3.0]))
    m = by_label(r)
    assert [x.label for x in r.methods] == ["good", "mid", "bad"]
    assert (m["good"].interval, m["mid"].interval, m["bad"].interval) == ((1, 1), (2, 2), (3, 3))
    assert r.defensibly_first() == ["good"] and m["good"].p_first == pytest.approx(1.0, abs=1e-12)
    assert m["good"].normalised == 1.0 and m["mid"].normalised == 0.5 and m["bad"].normalised == 0.0


def test_lower_is_better_ranks_the_smallest_first():
    r = ranking(runs("t/a", "low", [1.0, 1.1, 0.9], "min") + runs("t/a", "high", [9.0, 9.5, 8.5], "min"))
    assert r.defensibly_first() == ["low"] and r.direction == "min"


def test_intervals_are_reproducible_and_cover_the_noise():
    recs = runs("t/a", "x", [1.0, 2.0, 3.0]) + runs("t/a", "y", [1.5, 2.5, 3.5]) + runs("t/a", "z", [0.0, 4.0, 2.0])
    a, b = ranking(recs), ranking(recs)
    assert [(m.label, m.interval, m.p_first) for m in a.methods] == [(m.label, m.interval, m.p_first) for m in b.methods]
    assert all(m.interval[0] <= m.rank <= m.interval[1] for m in a.methods)


def test_diverged_seeds_count_as_the_worst_value_and_crashes_are_left_out():
    recs = (runs("t/a", "steady", [5.0, 5.2, 4.8]) + runs("t/a", "fragile", [6.0, 6.2])
            + [rec("t/a", "fragile", 2, None, status="diverged")]
            + [rec("t/a", "gone", s, None, status="diverged") for s in range(3)]
            + [rec("t/a", "crash", 0, None, status="failed")])
    r = ranking(recs)
    m = by_label(r)
    assert r.worst == 4.8  # the worst finished seed of the task
    assert m["fragile"].outcomes == [6.0, 6.2, 4.8] and m["fragile"].n_worst == 1
    assert m["gone"].outcomes == [4.8] * 3 and m["gone"].rank == len(r.methods)  # all diverged: last, ranked
    assert r.unranked == [("crash", "no finished or diverged seed (all failed)")]
    # with a diverged seed the fragile method is no longer sure to beat the steady one
    assert m["fragile"].interval[1] >= 2 and m["steady"].first


def test_a_single_seed_gives_every_rank():
    r = ranking(runs("t/a", "one", [100.0]) + runs("t/a", "x", [1.0, 2.0, 3.0]) + runs("t/a", "y", [4.0, 5.0, 6.0]))
    m = by_label(r)
    assert m["one"].interval == (1, 3) and m["one"].first and m["one"].single
    assert m["one"].next_seeds.n is None and "1 seed" in m["one"].next_seeds.short()


def test_no_finite_value_in_the_task_ranks_nothing():
    r = ranking([rec("t/a", "x", s, None, status="diverged") for s in range(2)] + [rec("t/a", "y", 0, float("nan"))])
    assert r.methods == [] and {lab for lab, _ in r.unranked} == {"x", "y"}


def test_competition_ranks_share_ties_and_ignore_rounding():
    assert competition_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [1, 4, 1, 3]
    a = np.array([0.1, 0.2, 0.3]).mean()
    b = np.array([0.3, 0.2, 0.1]).mean()
    assert competition_ranks(np.array([a, b])).tolist() == [1, 1]


# --- seeds to separate ---------------------------------------------------------------------------
def test_normal_approximation_matches_the_closed_form():
    z = NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8)
    assert seeds_needed_normal(1.0, 1.0, 1.0) == pytest.approx(2 * z * z / 1.0, rel=1e-9)  # 15.70
    assert seeds_needed_normal(0.5, 2.0, 1.0) == pytest.approx(z * z * 5 / 0.25, rel=1e-9)
    assert seeds_needed_normal(0.0, 1.0, 1.0) == math.inf


@pytest.mark.parametrize("d, n", [(0.5, 64), (0.8, 26), (1.0, 17)])
def test_t_test_seeds_match_the_power_tables(d, n):
    """Cohen (1988) Table 2.4.1 / G*Power: two-sided alpha 0.05, power 0.8, n per group."""
    a = [-1.0, 0.0, 1.0]  # std 1
    b = [x + d for x in a]
    got = seeds_needed(a, b)
    assert got.n == n and got.effect == pytest.approx(d)
    assert got.n >= math.ceil(seeds_needed_normal(d, 1.0, 1.0))  # the t-test never needs fewer than the z-test


def test_seeds_needed_edge_cases():
    assert seeds_needed([1.0, 1.0], [2.0, 2.0]).short() == "— (no seed variation)"
    assert seeds_needed([1.0], [2.0, 3.0]).short() == "— (1 seed)"
    assert seeds_needed([0.0, 10.0, 20.0], [1000.0, 1010.0, 1020.0]).n == 2  # far apart: the minimum


# --- across tasks --------------------------------------------------------------------------------
def three_tasks():
    """a, b ran t/1..t/3; c ran t/1 and t/2 only (and is first on both); d ran t/3 only."""
    recs = []
    for task in ("t/1", "t/2", "t/3"):
        recs += runs(task, "a", [10.0, 10.5, 11.0]) + runs(task, "b", [1.0, 1.5, 2.0])
    for task in ("t/1", "t/2"):
        recs += runs(task, "c", [20.0, 20.5, 21.0])
    recs += runs("t/3", "d", [5.0, 5.5, 6.0])
    return rank_tasks(build_tables(recs))


def test_the_aggregate_refuses_unequal_task_sets():
    rankings = three_tasks()
    with pytest.raises(UserError, match="unequal task sets: c did not run t/3"):
        aggregate(rankings, ["a", "b", "c"], ["t/1", "t/2", "t/3"])
    with pytest.raises(UserError, match="never ran one task together"):
        cross_task_summary(rankings, ["c", "d"])
    with pytest.raises(UserError, match="did you mean"):
        cross_task_summary(rankings, ["a", "bb"])


def test_the_summary_compares_only_over_tasks_every_method_ran():
    rankings = three_tasks()
    # a, b, c over t/1, t/2 and a, b over t/1..t/3 both have 6 cells: the tie goes to more tasks
    assert largest_block(rankings) == (["a", "b"], ["t/1", "t/2", "t/3"])
    more = build_tables([r for t in ("t/1", "t/2") for x, v in (("a", 3.0), ("b", 2.0), ("c", 1.0), ("e", 0.0))
                         for r in runs(t, x, [v, v + 0.5])] + runs("t/3", "a", [1.0, 2.0]) + runs("t/3", "b", [1.0, 2.0]))
    assert largest_block(rank_tasks(more)) == (["a", "b", "c", "e"], ["t/1", "t/2"])  # 8 cells beat 2 x 3
    agg = cross_task_summary(rankings, ["a", "b", "c"])
    assert agg.tasks == ["t/1", "t/2"] and agg.missing == {"d": ["t/1", "t/2"]}
    assert all(set(m.per_task) == {"t/1", "t/2"} for m in agg.methods)
    assert [m.label for m in agg.methods] == ["c", "a", "b"] and agg.defensibly_first() == ["c"]
    assert [m.rank_interval for m in agg.methods] == [(1, 1), (2, 2), (3, 3)]
    named = cross_task_summary(rankings, ["a", "b"])
    assert named.tasks == ["t/1", "t/2", "t/3"] and named.chosen == "named"
    assert set(named.missing) == {"c", "d"} and named.missing["c"] == ["t/3"]
    (a,) = [m for m in named.methods if m.label == "a"]
    # ranks among the compared methods only: a is 2nd of the task's three on t/1 and t/2 (behind c,
    # which this summary leaves out) and 1st on t/3, so among {a, b} it is first everywhere
    assert a.score == pytest.approx(1.0) and a.per_task == {"t/1": 1.0, "t/2": 1.0, "t/3": 1.0}
    (b,) = [m for m in named.methods if m.label == "b"]
    assert b.score == pytest.approx(0.0) and named.defensibly_first() == ["a"]


def test_identical_methods_tie_across_tasks():
    recs = []
    for task in ("t/1", "t/2"):
        recs += runs(task, "x", [1.0, 2.0, 3.0]) + runs(task, "y", [1.0, 2.0, 3.0])
    agg = cross_task_summary(rank_tasks(build_tables(recs)))
    assert sorted(agg.defensibly_first()) == ["x", "y"]
    assert all(m.rank_interval == (1, 2) for m in agg.methods)


def test_nothing_to_compare_gives_no_summary():
    recs = runs("t/1", "x", [1.0, 2.0]) + runs("t/1", "y", [1.0, 2.0]) + runs("t/2", "z", [1.0, 2.0])
    assert cross_task_summary(rank_tasks(build_tables(recs))) is None


# --- the design and the exact bootstrap ------------------------------------------------------------
def brute_force_rank_pmfs(outcomes: list[list[float]], paired: bool) -> list[np.ndarray]:
    """Every ordered bootstrap draw enumerated (n^n per method, or n^n joint): the reference the
    exact computation must equal."""
    from itertools import product

    k = len(outcomes)
    pmfs = [np.zeros(k) for _ in range(k)]
    if paired:
        n = len(outcomes[0])
        draws = list(product(range(n), repeat=n))
        for d in draws:
            means = np.array([np.mean([o[i] for i in d]) for o in outcomes])
            ranks = competition_ranks(means)
            for j in range(k):
                pmfs[j][ranks[j] - 1] += 1 / len(draws)
        return pmfs
    per = [[np.mean([o[i] for i in d]) for d in product(range(len(o)), repeat=len(o))] for o in outcomes]
    total = np.prod([len(p) for p in per])
    for combo in product(*per):
        ranks = competition_ranks(np.array(combo))
        for j in range(k):
            pmfs[j][ranks[j] - 1] += 1 / total
    return pmfs


@pytest.mark.parametrize("paired", [False, True])
def test_the_exact_bootstrap_equals_brute_force_enumeration(paired):
    from ganbench.reporting.ranking import _exact_independent, _exact_joint

    outcomes = [[1.0, 2.5, 3.0], [2.0, 2.0, 2.6], [0.5, 3.5, 2.2]]
    got, exact = (_exact_joint if paired else _exact_independent)([np.array(o) for o in outcomes])
    want = brute_force_rank_pmfs(outcomes, paired)
    assert exact
    for g, w in zip(got, want):
        assert g == pytest.approx(w, abs=1e-12)


def test_intervals_do_not_depend_on_the_bootstrap_seed():
    recs = runs("t/a", "x", [1.0, 2.0, 3.2]) + runs("t/a", "y", [1.5, 2.2, 2.9]) + runs("t/a", "z", [0.0, 3.0, 2.0])
    (table,) = build_tables(recs)
    intervals = {s: [m.interval for m in rank_task(table, seed=s).methods] for s in (1, 2, 3, 4)}
    assert len({tuple(v) for v in intervals.values()}) == 1
    r = rank_task(table)
    assert r.exact and r.design == "independent" and r.crude and "crude" in r.how() and "10 distinct" in r.how()


def test_methods_that_share_each_seeds_start_are_resampled_jointly():
    """The same start per seed (same generator settings): whole seeds are resampled across methods,
    so a method that is better on every seed is first in every resample, however noisy the seeds."""
    noisy = [1.0, 9.0, 4.0, 7.0]
    recs = runs("t/a", "x", [v + 0.1 for v in noisy], start="g") + runs("t/a", "y", noisy, start="g")
    r = ranking(recs)
    m = by_label(r)
    assert r.design == "paired" and m["x"].interval == (1, 1) and m["y"].interval == (2, 2)
    independent = ranking(runs("t/a", "x", [v + 0.1 for v in noisy]) + runs("t/a", "y", noisy))
    assert independent.design == "independent" and by_label(independent)["y"].interval == (1, 2)
