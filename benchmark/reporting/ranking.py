"""Per table: how sure is each method's rank? Bootstrap rank intervals over seeds, the methods that
are defensibly first, a normalised score comparable across tasks, and the seeds that would
separate neighbours.

A rank column is a point estimate from three seeds or so; read as a verdict it crowns noise. Here
each method's seeds are resampled with replacement, the methods re-ranked on the main metric in
every resample, and the 2.5 and 97.5 percentiles of a method's ranks are its 95% rank interval; a
method whose interval reaches rank 1 is *defensibly first*.

**Which bootstrap.** Where every ranked method has the same seeds and the seeds pair them (the same
start per seed, :func:`ganbench.reporting.stats.pairs_by_seed`), whole seeds are resampled across
methods jointly (the paired design); otherwise each method's seeds independently.

**Exact, not Monte Carlo.** A bootstrap over n seeds has only C(2n−1, n) distinct resamples (10 for
3 seeds, 126 for 5), each with a multinomial probability, so the bootstrap distribution of the ranks
is computed exactly: for the joint design by enumerating the resamples of the seeds; for the
independent design from each method's exact distribution of resampled means, the number of methods
beating it being a Poisson-binomial count. The printed intervals therefore do not depend on a
random seed. Beyond :data:`EXACT_LIMIT` resamples per method (n > 9 seeds) a Monte Carlo bootstrap
of :data:`RESAMPLES` draws is used and its error is stated. The per-resample ranks the cross-task
views need are drawn by Monte Carlo (:data:`RESAMPLES`, fixed seed) from the same design.

**Few seeds.** With n seeds the bootstrap's spread is (n−1)/n of the sample's (it understates it),
and with 3 seeds a method has 10 possible resampled means: such intervals are crude, and the report
says so.

Diverged runs are results, not missing data: a diverged seed (and a finished seed whose main
metric is not finite) counts as the table's worst observed value. Crashed (``failed``) runs say
nothing about the method and are left out. A row with a single seed has no spread to resample: its
interval is every rank. The normalised score of a method is 1 − (rank − 1)/(k − 1) among the k
methods ranked in the table (1 first, 0 last), comparable across tasks. Ties share the better rank.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations_with_replacement

import numpy as np

from ganbench.reporting.stats import SeedsNeeded, pairs_by_seed, seeds_needed

RESAMPLES = 20_000
EXACT_LIMIT = 50_000  # distinct resamples per method up to which the bootstrap is enumerated
CONFIDENCE = 0.95
SEED = 20_240_611  # fixed: the Monte Carlo parts give the same numbers for the same records
CRUDE_SEEDS = 3  # at or below this many seeds the report calls its intervals crude
TIE = 1e-10


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, higher score first, ties sharing the better rank (1, 1, 3).
    Means of one multiset summed in another order differ in the last bits: such differences
    (relative 1e-10) are ties, not wins."""
    s = np.asarray(scores, dtype=float)
    a, b = s[..., :, None], s[..., None, :]  # b[j] beats a[i]
    beats = (b - a) > TIE * (np.abs(a) + np.abs(b))
    return 1 + beats.sum(axis=-1)


def normalise(ranks, k: int):
    """Rank among k methods -> [0, 1], 1 = first (None for k < 2: no comparison on the task)."""
    return (k - np.asarray(ranks, dtype=float)) / (k - 1)


def percentile_interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The empirical (inverted-CDF) percentile interval of bootstrap samples."""
    lo, hi = np.quantile(samples, [(1 - confidence) / 2, 1 - (1 - confidence) / 2], method="inverted_cdf")
    return float(lo), float(hi)


def pmf_interval(pmf: np.ndarray, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """The inverted-CDF percentile interval of a rank distribution ``pmf[r - 1] = P(rank = r)``."""
    cdf = np.cumsum(pmf)
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    slack = 1e-12  # a cdf summed from exact probabilities may miss a quantile by round-off
    lo = int(np.searchsorted(cdf, lo_q - slack, side="left")) + 1
    hi = int(np.searchsorted(cdf, hi_q - slack, side="left")) + 1
    return min(lo, len(pmf)), min(hi, len(pmf))


@lru_cache(maxsize=16)
def resamples_of(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct bootstrap resample of n items as counts (rows of length n) with its probability."""
    from math import factorial

    counts, probs = [], []
    total = n ** n
    for combo in combinations_with_replacement(range(n), n):
        c = np.bincount(combo, minlength=n)
        ways = factorial(n)
        for x in c:
            ways //= factorial(int(x))
        counts.append(c)
        probs.append(ways / total)
    return np.array(counts, dtype=float), np.array(probs)


def n_resamples(n: int) -> int:
    return math.comb(2 * n - 1, n)


@dataclass
class RankedMethod:
    label: str
    objective: str
    outcomes: list[float]  # per seed, in metric units; diverged/non-finite seeds as the table's worst value
    n_finished: int  # seeds with a finite main metric
    n_worst: int  # diverged seeds + finished seeds whose main metric is not finite
    mean: float  # mean of outcomes
    seeds: list[int] = field(default_factory=list)  # the seed of each outcome
    rank: int = 0
    interval: tuple[int, int] = (0, 0)
    mean_rank: float = math.nan
    p_first: float = math.nan  # bootstrap probability of ranking first
    normalised: float | None = None
    normalised_interval: tuple[float, float] | None = None
    next_label: str | None = None  # the method ranked just below
    next_seeds: SeedsNeeded | None = None  # seeds to separate it from next_label

    @property
    def single(self) -> bool:
        return len(self.outcomes) < 2

    @property
    def first(self) -> bool:
        return self.interval[0] == 1


@dataclass
class TaskRanking:
    task: str
    version: str
    column: str  # the main metric column ranks use
    direction: str
    methods: list[RankedMethod]  # in order of the point rank
    unranked: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    worst: float | None = None  # the value a diverged seed counts as
    resamples: int = RESAMPLES
    boot_ranks: np.ndarray = field(default=None, repr=False)  # (resamples, methods): Monte Carlo draws
    boot_normalised: np.ndarray = field(default=None, repr=False)
    key: str = ""  # how cross-task tables name it ("task", or with its protocol / version)
    design: str = "independent"  # "paired" (whole seeds resampled across methods) or "independent"
    exact: bool = True  # intervals from the exact bootstrap distribution (else Monte Carlo)
    min_seeds: int = 0
    table_key: str = ""

    @property
    def domain(self) -> str:
        return self.task.split("/", 1)[0]

    def defensibly_first(self) -> list[str]:
        return [m.label for m in self.methods if m.first]

    def index(self, label: str) -> int | None:
        return next((i for i, m in enumerate(self.methods) if m.label == label), None)

    @property
    def comparable(self) -> bool:
        """Has a normalised score: at least two methods ranked."""
        return len(self.methods) >= 2

    @property
    def crude(self) -> bool:
        return 0 < self.min_seeds <= CRUDE_SEEDS

    def how(self) -> str:
        """How the intervals were computed, in words (the report's caption)."""
        design = ("whole seeds resampled across methods (paired: every method has these seeds and the same start per "
                  "seed)" if self.design == "paired" else "seeds resampled within each method")
        how = "exact bootstrap distribution (every distinct resample, no random draws)" if self.exact else \
            (f"Monte Carlo, {self.resamples:,} resamples (an endpoint may move by one rank when its tail probability "
             f"is within about {100 * 2 * math.sqrt(0.025 * 0.975 / self.resamples):.1f} percentage points of 2.5%)")
        crude = (f"; with {self.min_seeds} seeds the bootstrap has {n_resamples(self.min_seeds)} distinct resamples per "
                 f"method and understates the spread by the factor {math.sqrt((self.min_seeds - 1) / self.min_seeds):.2f}: "
                 f"read these intervals as crude") if self.crude else ""
        return f"{design}; {how}{crude}"


def _labels(table) -> list[str]:
    labels = [r.label for r in table.rows]
    return [f"{lab} ({r.config_hash[:8]})" if labels.count(lab) > 1 else lab for lab, r in zip(labels, table.rows)]


def rank_task(table, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE) -> TaskRanking:
    """The ranking of one :class:`~ganbench.reporting.tables.TaskTable` on its main column."""
    col = table.main_column
    direction = next((c.direction for c in table.columns if c.label == col), "max")
    sign = 1.0 if direction == "max" else -1.0
    finite = [v for r in table.rows for v in r.values.get(col, [])]
    key = getattr(table, "key", table.task)
    out = TaskRanking(table.task, table.version, col, direction, [], resamples=resamples, key=table.task, table_key=key)
    if not finite:
        out.unranked = [(lab, f"no seed of the table has a finite `{col}`") for lab in _labels(table)]
        return out
    worst = sign * min(sign * v for v in finite)
    out.worst = worst
    rows_of = {}
    for label, row in zip(_labels(table), table.rows):
        by_seed = dict(row.by_seed.get(col, {}))
        cell = row.cells.get(col)
        elsewhere = row.n_ok - len(by_seed)  # finished, but its main metric sits in another column
        outcome = {s: (v if math.isfinite(v) else worst) for s, v in by_seed.items()}
        for s in row.diverged_seeds:
            outcome.setdefault(s, worst)
        n_nan = cell.n_nonfinite if cell else 0
        if not any(math.isfinite(v) for v in by_seed.values()) and (elsewhere > 0 or not (n_nan or row.n_diverged)):
            why = (f"its finished runs measured `{table.main_metric}` under other settings" if elsewhere > 0
                   else "no finished or diverged seed" + (" (all failed)" if row.n_failed else ""))
            out.unranked.append((label, why))
            continue
        seeds = sorted(outcome)
        vals = [outcome[s] for s in seeds]
        m = RankedMethod(label, row.objective, vals, sum(math.isfinite(v) for v in by_seed.values()),
                         n_nan + len(row.diverged_seeds), sum(vals) / len(vals), seeds)
        out.methods.append(m)
        rows_of[label] = row
    k = len(out.methods)
    if not k:
        return out
    out.methods.sort(key=lambda m: (-sign * m.mean, m.label))
    out.min_seeds = min(len(m.outcomes) for m in out.methods)
    point = competition_ranks(np.array([sign * m.mean for m in out.methods]))
    seed_sets = {tuple(m.seeds) for m in out.methods}
    rows = [rows_of[m.label] for m in out.methods]
    paired = (k >= 2 and len(seed_sets) == 1 and len(out.methods[0].seeds) >= 2
              and all(pairs_by_seed(table, rows[0], r) for r in rows[1:]))
    out.design = "paired" if paired else "independent"
    scores = [sign * np.asarray(m.outcomes, dtype=float) for m in out.methods]
    pmfs, out.exact = (_exact_joint(scores) if paired else _exact_independent(scores))
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    out.boot_ranks = _monte_carlo(scores, paired, resamples, rng)
    out.boot_normalised = normalise(out.boot_ranks, k) if k >= 2 else None
    if pmfs is None:  # too many seeds to enumerate: the Monte Carlo draws give the distribution
        pmfs = [np.bincount(out.boot_ranks[:, j].astype(int) - 1, minlength=k) / resamples for j in range(k)]
    for j, m in enumerate(out.methods):
        m.rank = int(point[j])
        lo, hi = pmf_interval(pmfs[j], confidence)
        m.interval = (1, k) if m.single else (lo, hi)
        m.mean_rank = float(np.dot(np.arange(1, k + 1), pmfs[j]))
        m.p_first = float(pmfs[j][0])
        if k >= 2:
            m.normalised = float(normalise(m.rank, k))
            m.normalised_interval = (float(normalise(m.interval[1], k)), float(normalise(m.interval[0], k)))
    for upper, lower in zip(out.methods, out.methods[1:]):
        upper.next_label = lower.label
        if paired:
            upper.next_seeds = seeds_needed(upper.outcomes, lower.outcomes, paired=True)
        else:
            upper.next_seeds = seeds_needed(upper.outcomes, lower.outcomes)
    return out


def _beats(a: np.ndarray, b) -> np.ndarray:
    """Whether b beats a (strictly better beyond the tie tolerance)."""
    return (b - a) > TIE * (np.abs(a) + np.abs(b))


def _exact_joint(scores: list[np.ndarray]) -> tuple[list[np.ndarray] | None, bool]:
    """Rank distributions when whole seeds are resampled across methods (all share the seeds)."""
    n, k = len(scores[0]), len(scores)
    if n_resamples(n) > EXACT_LIMIT:
        return None, False
    counts, probs = resamples_of(n)
    means = np.stack([counts @ s / n for s in scores], axis=1)  # (resamples, methods)
    ranks = competition_ranks(means)
    return [np.bincount(ranks[:, j] - 1, weights=probs, minlength=k) for j in range(k)], True


def _mean_distribution(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts, probs = resamples_of(len(s))
    means = counts @ s / len(s)
    return means, probs


def _exact_independent(scores: list[np.ndarray]) -> tuple[list[np.ndarray] | None, bool]:
    """Rank distributions when each method's seeds are resampled independently: for each possible
    resampled mean of a method, the number of others beating it is Poisson-binomial."""
    k = len(scores)
    if any(n_resamples(len(s)) > EXACT_LIMIT for s in scores):
        return None, False
    dists = []
    for s in scores:
        means, probs = _mean_distribution(s)
        order = np.argsort(means, kind="mergesort")
        dists.append((means[order], np.cumsum(probs[order]), probs[order]))
    pmfs = []
    for j, (values, _, probs_j) in enumerate(dists):
        threshold = values + TIE * 2 * np.abs(values)  # b beats a when b - a > TIE (|a| + |b|), b ≈ a here
        count = np.zeros((len(values), k))  # P(exactly c others beat each value)
        count[:, 0] = 1.0
        for i, (means_i, cum_i, _) in enumerate(dists):
            if i == j:
                continue
            below = np.searchsorted(means_i, threshold, side="right")  # means of i not beating the value
            q = 1.0 - np.where(below > 0, cum_i[np.maximum(below - 1, 0)], 0.0)
            q = np.clip(q, 0.0, 1.0)[:, None]
            count[:, 1:] = count[:, 1:] * (1 - q) + count[:, :-1] * q
            count[:, :1] *= (1 - q)
        pmfs.append(probs_j @ count)
    return pmfs, True


def _monte_carlo(scores: list[np.ndarray], paired: bool, resamples: int, rng) -> np.ndarray:
    """(resamples, methods) ranks of bootstrap draws under the same design (for the cross-task views)."""
    k = len(scores)
    boot = np.empty((resamples, k))
    if paired:
        n = len(scores[0])
        idx = rng.integers(0, n, size=(resamples, n))
        for j, s in enumerate(scores):
            boot[:, j] = s[idx].mean(axis=1)
    else:
        for j, s in enumerate(scores):
            boot[:, j] = s[rng.integers(0, len(s), size=(resamples, len(s)))].mean(axis=1)
    return competition_ranks(boot)


def rank_tasks(tables, resamples: int = RESAMPLES, seed: int = SEED) -> list[TaskRanking]:
    """One ranking per table, keyed for the cross-task views by :func:`~ganbench.reporting.tables.short_names`."""
    from ganbench.reporting.tables import short_names

    out = [rank_task(t, resamples, seed) for t in tables]
    names = short_names(tables)
    for t, r in zip(tables, out):
        r.key = names[t.key]
    return out


def fmt_interval(m: RankedMethod) -> str:
    lo, hi = m.interval
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def fmt_normalised(value: float | None, interval: tuple[float, float] | None) -> str:
    if value is None:
        return "—"
    if interval is None:
        return f"{value:.2f}"
    return f"{value:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]"
