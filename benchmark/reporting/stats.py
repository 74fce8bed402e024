"""Is the leader of a task really better? A two-sided test over seeds, best method vs each other.

A leaderboard that ranks by the mean alone crowns noise: with three seeds a GAN's score can move
more between seeds than between methods. For each task the best row (rank 1 on the main metric)
is compared with every other row on that metric's per-seed values, by Welch's t-test (unequal
variances; the default) or the Mann–Whitney U test (rank based; note that with 3 seeds a side
its smallest two-sided p-value is 0.1, so it can never reach 0.05). Both come from SciPy.

Cases the tests cannot answer are said, not guessed: fewer than two seeds on a side, or no
seed-to-seed variation at all on either side with different values.

The other side of the question: how many seeds *would* tell two methods apart, if their means and
spreads were the ones observed (:func:`seeds_needed`, a power analysis of the same two-sided test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

TESTS = {"welch": "Welch's t-test", "mannwhitney": "Mann–Whitney U test"}
ALPHA = 0.05


@dataclass
class Comparison:
    method: str  # the row compared with the best
    best: str  # the best row of the task
    test: str
    n: int
    n_best: int
    p_value: float | None  # None when the test cannot be run (see note)
    significant: bool | None
    note: str = ""

    def short(self) -> str:
        """Table cell: ``best``, ``p=0.012 ✓`` (significant), ``p=0.31`` or ``n/a (why)``."""
        if self.method == self.best:
            return "best"
        if self.p_value is None:
            return f"n/a ({self.note})"
        return f"p={_p(self.p_value)}" + (" ✓" if self.significant else "")


def _p(p: float) -> str:
    return f"{p:.2f}" if p >= 0.1 else f"{p:.3g}"  # 0.0498 must not print as 0.05


def p_value(a: Sequence[float], b: Sequence[float], test: str = "welch") -> tuple[float | None, str]:
    """Two-sided p-value of "a and b have the same mean (welch) / distribution (mannwhitney)"."""
    from scipy import stats

    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}: choose {', '.join(TESTS)}")
    a, b = [float(x) for x in a], [float(x) for x in b]
    if len(a) < 2 or len(b) < 2:
        return None, f"{min(len(a), len(b))} seed" + ("" if min(len(a), len(b)) == 1 else "s")
    if len(set(a)) == 1 and len(set(b)) == 1:
        return (1.0, "identical") if a[0] == b[0] else (None, "no seed variation")
    if test == "welch":
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    else:
        p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    return (p, "") if math.isfinite(p) else (None, "undefined")


def compare_to_best(table, test: str = "welch", alpha: float = ALPHA) -> dict[str, Comparison]:
    """{row label: Comparison with the best row} on the table's main column (rows need ``values``)."""
    col = table.main_column
    ranked = [r for r in table.rows if r.rank is not None and col in r.cells and r.cells[col].n]
    if not ranked:
        return {}
    best = min(ranked, key=lambda r: r.rank)
    ref = best.values.get(col, [])
    out = {}
    for row in table.rows:
        vals = row.values.get(col, [])
        if row is best:
            out[row.label] = Comparison(row.label, best.label, test, len(vals), len(ref), None, None, "best")
            continue
        if not vals:
            out[row.label] = Comparison(row.label, best.label, test, 0, len(ref), None, None, "no finished run")
            continue
        p, note = p_value(ref, vals, test)
        out[row.label] = Comparison(row.label, best.label, test, len(vals), len(ref), p,
                                    None if p is None else p < alpha, note)
    return out


# --- how many seeds would separate two methods ----------------------------------------------------
POWER = 0.8


@dataclass
class SeedsNeeded:
    """Seeds per method that a two-sided test at ``alpha`` needs to tell two methods apart with
    ``power``, if their true means and spreads were the ones observed. ``n`` is None when no number
    of seeds can (equal means: ``note`` "equal means") or the spread is unknown (``note`` says why)."""

    n: int | None
    effect: float | None  # |mean difference| / pooled std (Cohen's d)
    note: str = ""

    def short(self) -> str:
        if self.n is not None:
            return str(self.n)
        return "∞" if self.note == "equal means" else f"— ({self.note})"


def seeds_needed_normal(diff: float, sd_a: float, sd_b: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """Seeds per method by the normal approximation, n = (z_{1-α/2} + z_{power})² (s_a² + s_b²) / Δ²
    (unrounded; inf when Δ = 0). The t-test needs a seed or two more when n is small: see
    :func:`seeds_needed`."""
    from scipy.stats import norm

    if diff == 0:
        return math.inf
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return z * z * (sd_a ** 2 + sd_b ** 2) / (diff * diff)


def _t_power(n: int, d: float, alpha: float) -> float:
    """Power of the two-sided two-sample t-test, n per group, standardised effect d (noncentral t)."""
    from scipy.stats import nct, t

    df = 2 * n - 2
    crit = t.ppf(1 - alpha / 2, df)
    nc = d * math.sqrt(n / 2)
    return float(nct.sf(crit, df, nc) + nct.cdf(-crit, df, nc))


def seeds_needed(a: Sequence[float], b: Sequence[float], alpha: float = ALPHA, power: float = POWER) -> SeedsNeeded:
    """Smallest seeds per method n ≥ 2 at which a two-sided two-sample t-test at ``alpha`` has
    ``power`` against the observed mean difference, with the pooled std sqrt((s_a² + s_b²)/2) of
    the observed seeds (equal n per method: Welch's and Student's tests then coincide in df up to
    the variance ratio). Exact power from the noncentral t distribution, searched upward from the
    normal approximation (which never asks for more)."""
    a, b = [float(x) for x in a], [float(x) for x in b]
    if len(a) < 2 or len(b) < 2:
        return SeedsNeeded(None, None, f"{min(len(a), len(b))} seed" + ("" if min(len(a), len(b)) == 1 else "s"))
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
    diff = abs(ma - mb)
    if diff == 0 or diff <= 1e-12 * max(abs(ma), abs(mb)):
        return SeedsNeeded(None, 0.0, "equal means")
    pooled = math.sqrt((va + vb) / 2)
    if pooled == 0:
        return SeedsNeeded(None, math.inf, "no seed variation")
    d = diff / pooled
    approx = seeds_needed_normal(diff, math.sqrt(va), math.sqrt(vb), alpha, power)
    if approx > 10_000:  # the t and normal answers differ by less than a seed here
        return SeedsNeeded(math.ceil(approx), d)
    n = max(2, math.floor(approx))
    while _t_power(n, d, alpha) < power:
        n += 1
    return SeedsNeeded(n, d)
