"""Is the leader of a task really better? A two-sided test over seeds, best method vs each other.

A leaderboard that ranks by the mean alone crowns noise: with three seeds a GAN's score can move
more between seeds than between methods. For each task the best row (rank 1 on the main metric)
is compared with every other row on that metric's per-seed values, by Welch's t-test (unequal
variances; the default) or the Mann–Whitney U test (rank based; note that with 3 seeds a side
its smallest two-sided p-value is 0.1, so it can never reach 0.05). Both come from SciPy.

Cases the tests cannot answer are said, not guessed: fewer than two seeds on a side, or no
seed-to-seed variation at all on either side with different values.
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
