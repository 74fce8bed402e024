"""Per task: how sure is each method's rank? Bootstrap rank intervals over seeds, the methods that
are defensibly first, a normalised score comparable across tasks, and the seeds that would
separate neighbours.

A leaderboard's rank column is a point estimate from three seeds or so; reading it as a verdict
crowns noise. Here each method's seeds are resampled with replacement (within the method, 2,000
times, from a fixed random seed so a report is reproducible), the methods are re-ranked on the
task's main metric in every resample, and the 2.5 and 97.5 percentiles of a method's ranks are its
95% rank interval. A method whose interval reaches rank 1 is *defensibly first*: the seeds cannot
rule out that it is the best. Two methods with the same seeds share first place; two far apart do
not.

Diverged runs are results, not missing data: a diverged seed (and a finished seed whose main
metric is not finite, e.g. an FCD of too few valid molecules) counts as the task's worst observed
value of the main metric (the worst finite value of any method's seed). A method whose seeds all
diverged therefore ranks last, tied. Crashed (``failed``) runs say nothing about the method and
are left out; a row with no finished or diverged seed is unranked, as is one whose finished runs
measured the main metric under other settings (another column of the table). A row with a single
seed has no spread to resample: its interval is every rank (it cannot be ruled out, nor placed).

The normalised score of a method on a task is its rank scaled to [0, 1] among the k methods ranked
on the task, 1 − (rank − 1)/(k − 1): 1 first, 0 last, whatever the metric's units or direction, so
it can be read across tasks and averaged over a common set of them (:mod:`ganbench.reporting.aggregate`).
Ties share the better rank (1, 1, 3).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from ganbench.reporting.stats import SeedsNeeded, seeds_needed

RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 20_240_611  # fixed: the same records always give the same intervals


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, higher score first, ties sharing the better rank (1, 1, 3).
    Means of one multiset summed in another order differ in the last bits: such differences
    (relative 1e-10) are ties, not wins."""
    s = np.asarray(scores, dtype=float)
    a, b = s[..., :, None], s[..., None, :]  # b[j] beats a[i]
    beats = (b - a) > 1e-10 * (np.abs(a) + np.abs(b))
    return 1 + beats.sum(axis=-1)


def normalise(ranks, k: int):
    """Rank among k methods -> [0, 1], 1 = first (None for k < 2: no comparison on the task)."""
    return (k - np.asarray(ranks, dtype=float)) / (k - 1)


def percentile_interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The empirical (inverted-CDF) percentile interval of bootstrap samples: for integer ranks it
    returns ranks that actually occurred."""
    lo, hi = np.quantile(samples, [(1 - confidence) / 2, 1 - (1 - confidence) / 2], method="inverted_cdf")
    return float(lo), float(hi)


@dataclass
class RankedMethod:
    label: str
    objective: str
    outcomes: list[float]  # per seed, in metric units; diverged/non-finite seeds as the task's worst value
    n_finished: int  # seeds with a finite main metric
    n_worst: int  # diverged seeds + finished seeds whose main metric is not finite
    mean: float  # mean of outcomes
    rank: int = 0
    interval: tuple[int, int] = (0, 0)
    mean_rank: float = math.nan  # mean over resamples
    p_first: float = math.nan  # fraction of resamples where it ranks first
    normalised: float | None = None
    normalised_interval: tuple[float, float] | None = None
    next_label: str | None = None  # the method ranked just below
    next_seeds: SeedsNeeded | None = None  # seeds per method to separate it from next_label

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
    boot_ranks: np.ndarray = field(default=None, repr=False)  # (resamples, methods)
    boot_normalised: np.ndarray = field(default=None, repr=False)  # (resamples, methods); None when k < 2
    key: str = ""  # how cross-task tables name the task ("task" or "task vN" when two versions are shown)

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


def _labels(table) -> list[str]:
    """Row labels, made unique: two rows of one label (same settings, another config hash, e.g.
    another step count) are two methods here, never merged or cherry-picked."""
    labels = [r.label for r in table.rows]
    return [f"{lab} ({r.config_hash[:8]})" if labels.count(lab) > 1 else lab for lab, r in zip(labels, table.rows)]


def rank_task(table, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE) -> TaskRanking:
    """The ranking of one :class:`~ganbench.reporting.tables.TaskTable` on its main column."""
    col = table.main_column
    direction = next((c.direction for c in table.columns if c.label == col), "max")
    sign = 1.0 if direction == "max" else -1.0
    finite = [v for r in table.rows for v in r.values.get(col, [])]
    out = TaskRanking(table.task, table.version, col, direction, [], resamples=resamples, key=table.task)
    if not finite:
        out.unranked = [(lab, f"no seed of the task has a finite `{col}`") for lab in _labels(table)]
        return out
    worst = sign * min(sign * v for v in finite)
    out.worst = worst
    for label, row in zip(_labels(table), table.rows):
        vals = list(row.values.get(col, []))
        cell = row.cells.get(col)
        n_nan = cell.n_nonfinite if cell else 0
        elsewhere = row.n_ok - len(vals) - n_nan  # finished, but its main metric sits in another column
        bad = n_nan + row.n_diverged
        if not vals and (elsewhere > 0 or not bad):
            why = (f"its finished runs measured `{table.main_metric}` under other settings" if elsewhere > 0
                   else "no finished or diverged seed" + (" (all failed)" if row.n_failed else ""))
            out.unranked.append((label, why))
            continue
        outcomes = vals + [worst] * bad
        out.methods.append(RankedMethod(label, row.objective, outcomes, len(vals), bad, sum(outcomes) / len(outcomes)))
    k = len(out.methods)
    if not k:
        return out
    out.methods.sort(key=lambda m: (-sign * m.mean, m.label))
    point = competition_ranks(np.array([sign * m.mean for m in out.methods]))
    rng = np.random.default_rng([seed, zlib.crc32(f"{table.task} v{table.version}".encode())])
    boot = np.empty((resamples, k))
    for j, m in enumerate(out.methods):
        arr = sign * np.asarray(m.outcomes, dtype=float)
        boot[:, j] = arr[rng.integers(0, len(arr), size=(resamples, len(arr)))].mean(axis=1)
    ranks = competition_ranks(boot)
    out.boot_ranks = ranks
    out.boot_normalised = normalise(ranks, k) if k >= 2 else None
    for j, m in enumerate(out.methods):
        m.rank = int(point[j])
        lo, hi = percentile_interval(ranks[:, j], confidence)
        m.interval = (1, k) if m.single else (int(lo), int(hi))
        m.mean_rank = float(ranks[:, j].mean())
        m.p_first = float((ranks[:, j] == 1).mean())
        if k >= 2:
            m.normalised = float(normalise(m.rank, k))
            m.normalised_interval = (float(normalise(m.interval[1], k)), float(normalise(m.interval[0], k)))
    for upper, lower in zip(out.methods, out.methods[1:]):
        upper.next_label, upper.next_seeds = lower.label, seeds_needed(upper.outcomes, lower.outcomes)
    return out


def rank_tasks(tables, resamples: int = RESAMPLES, seed: int = SEED) -> list[TaskRanking]:
    """One ranking per table; a task shown under two versions is keyed ``task vN``."""
    out = [rank_task(t, resamples, seed) for t in tables]
    names = [r.task for r in out]
    for r in out:
        if names.count(r.task) > 1:
            r.key = f"{r.task} v{r.version}"
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
