"""Is the leader of a table really better? Tests that fit the design, corrected for their number.

**Design.** Runs of two methods *pair by seed* when the same seed gives them the same start: the
same generator snapshot (``init_g``: every loss fine-tuned from one seed's MLE model) or the same
generator settings (``seed_everything(seed)`` then the same nets: identical initial weights and the
same first data). Their per-seed results then correlate (0.99 across the text/coco losses), and an
unpaired test throws that away: the pairs' differences are what varies. Paired comparisons use the
seeds both rows finished; anything else is compared unpaired.

**Tests** (SciPy), per family chosen with ``--test``: ``t`` (default) — the paired t-test where the
design pairs, Welch's t-test otherwise; ``rank`` — the Wilcoxon signed-rank test where it pairs,
the Mann–Whitney U test otherwise (with 3 seeds a side their smallest two-sided p-values are 0.25
and 0.1: they can never reach 0.05 there). ``welch`` and ``mannwhitney`` are the old names of the
two families.

**Many tests.** Each table compares its best row (rank 1 on the main metric) with every other row;
the p-values of that family are Holm-adjusted (step-down, strong control of the family-wise error),
and ✓ marks an adjusted p below 0.05; raw and adjusted p are both shown. The best row is chosen
after seeing the data, which no correction undoes: the tests say whether the others are
distinguishable from it, not that it is the best method.

Cases a test cannot answer are said, not guessed: fewer than two seeds (pairs) on a side, or no
variation at all with different values.

**Seeds needed** to separate two methods is a post-hoc plug-in power figure: it takes the observed
difference and spread as the truth, which with 3 seeds they are not. It is printed as an order of
magnitude (``≈ 4``, ``≈ 40``, ``hundreds``, ``> 1,000``) with that assumption, never as 5 digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

ALPHA = 0.05
POWER = 0.8
FAMILIES = {"t": ("paired t-test", "Welch's t-test"), "rank": ("Wilcoxon signed-rank test", "Mann–Whitney U test")}
ALIASES = {"welch": "t", "mannwhitney": "rank"}
TESTS = {**{k: f"{p} (paired by seed) / {u} (unpaired)" for k, (p, u) in FAMILIES.items()},
         **{old: f"{FAMILIES[new][0]} (paired by seed) / {FAMILIES[new][1]} (unpaired)" for old, new in ALIASES.items()}}
START_KEYS = ("latent_dim", "init_g")  # with every g_* setting: what makes one seed's initial generator


def family(test: str) -> str:
    if test in FAMILIES:
        return test
    if test in ALIASES:
        return ALIASES[test]
    raise ValueError(f"unknown test {test!r}: choose {', '.join(list(FAMILIES) + list(ALIASES))}")


def test_name(test: str, paired: bool) -> str:
    return FAMILIES[family(test)][0 if paired else 1]


@dataclass
class Comparison:
    method: str  # the row compared with the best
    best: str  # the best row of the table
    test: str  # the test's name (paired or not)
    n: int
    n_best: int
    p_value: float | None  # None when the test cannot be run (see note)
    significant: bool | None  # on the Holm-adjusted p
    note: str = ""
    paired: bool = False
    p_adjusted: float | None = None

    def short(self) -> str:
        """Table cell: ``best``, ``p=0.012 (Holm 0.036) ✓``, ``p=0.31 (Holm 0.62)`` or ``n/a (why)``."""
        if self.method == self.best:
            return "best"
        if self.p_value is None:
            return f"n/a ({self.note})"
        adj = f" (Holm {fmt_p(self.p_adjusted)})" if self.p_adjusted is not None else ""
        return f"p={fmt_p(self.p_value)}{adj}" + (" ✓" if self.significant else "")


def fmt_p(p: float) -> str:
    return f"{p:.2f}" if p >= 0.1 else f"{p:.2g}"  # 0.0498 must not print as 0.05


def _seeds(n: int) -> str:
    return f"{n} seed" + ("" if n == 1 else "s")


def p_value(a: Sequence[float], b: Sequence[float], test: str = "t", paired: bool = False) -> tuple[float | None, str]:
    """Two-sided p-value of "a and b do not differ" (paired: ``a[i]`` and ``b[i]`` are one seed)."""
    from scipy import stats

    fam = family(test)
    a, b = [float(x) for x in a], [float(x) for x in b]
    if paired:
        if len(a) != len(b):
            raise ValueError("paired samples must have one value per seed on both sides")
        if len(a) < 2:
            return None, _seeds(len(a)) + " in common"
        diffs = [x - y for x, y in zip(a, b)]
        if len(set(diffs)) == 1:
            return (1.0, "identical") if diffs[0] == 0 else (None, "the same difference on every seed")
        if fam == "t":
            p = float(stats.ttest_rel(a, b).pvalue)
        else:
            if all(d == 0 for d in diffs):
                return 1.0, "identical"
            p = float(stats.wilcoxon(a, b, zero_method="zsplit", alternative="two-sided").pvalue)
        return (p, "") if math.isfinite(p) else (None, "undefined")
    if len(a) < 2 or len(b) < 2:
        return None, _seeds(min(len(a), len(b)))
    if len(set(a)) == 1 and len(set(b)) == 1:
        return (1.0, "identical") if a[0] == b[0] else (None, "no seed variation")
    if fam == "t":
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    else:
        p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    return (p, "") if math.isfinite(p) else (None, "undefined")


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given): the i-th smallest of m is
    multiplied by (m − i), made monotone, capped at 1."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def start_signature(rec: dict) -> tuple:
    """What one seed's start depends on: the generator's settings and the snapshot it starts from."""
    cfg = rec.get("config") or {}
    keys = sorted(k for k in cfg if k.startswith("g_") or k in START_KEYS)
    return tuple((k, repr(cfg[k])) for k in keys)


def pairs_by_seed(table, a, b) -> bool:
    """Whether rows ``a`` and ``b`` of ``table`` start each seed alike (same start signature)."""
    sig = {}
    for rec in table.records:
        key = (rec["objective"], rec.get("tag") or None, rec["config_hash"])
        sig.setdefault(key, set()).add(start_signature(rec))
    sa = sig.get((a.objective, a.tag, a.config_hash), set())
    sb = sig.get((b.objective, b.tag, b.config_hash), set())
    return len(sa) == 1 and sa == sb


def compare_to_best(table, test: str = "t", alpha: float = ALPHA) -> dict[str, Comparison]:
    """{row label: Comparison with the best row} on the table's main column, Holm-adjusted."""
    col = table.main_column
    ranked = [r for r in table.rows if r.rank is not None and col in r.cells and r.cells[col].n]
    if not ranked:
        return {}
    best = min(ranked, key=lambda r: r.rank)
    out: dict[str, Comparison] = {}
    for row in table.rows:
        if row is best:
            out[row.label] = Comparison(row.label, best.label, "", len(row.values.get(col, [])),
                                        len(best.values.get(col, [])), None, None, "best")
            continue
        mine = {s: v for s, v in row.by_seed.get(col, {}).items() if math.isfinite(v)}
        ref = {s: v for s, v in best.by_seed.get(col, {}).items() if math.isfinite(v)}
        if not mine:
            out[row.label] = Comparison(row.label, best.label, "", 0, len(ref), None, None, "no finished run")
            continue
        common = sorted(set(mine) & set(ref))
        paired = pairs_by_seed(table, best, row) and len(common) >= 2
        if paired:
            p, note = p_value([ref[s] for s in common], [mine[s] for s in common], test, paired=True)
            n, n_best = len(common), len(common)
        else:
            p, note = p_value(list(ref.values()), list(mine.values()), test)
            n, n_best = len(mine), len(ref)
        out[row.label] = Comparison(row.label, best.label, test_name(test, paired), n, n_best, p, None, note, paired)
    tested = [c for c in out.values() if c.p_value is not None]
    for c, adj in zip(tested, holm([c.p_value for c in tested])):
        c.p_adjusted = adj
        c.significant = adj < alpha
    return out


# --- how many seeds would separate two methods ----------------------------------------------------
@dataclass
class SeedsNeeded:
    """Seeds per method that a two-sided test at ``alpha`` needs to tell two methods apart with
    ``power``, if their true difference and spread were the ones observed (a plug-in estimate).
    ``n`` is None when no number of seeds can (equal means) or the spread is unknown (``note``)."""

    n: int | None
    effect: float | None  # standardised difference (Cohen's d, or d_z of the paired differences)
    note: str = ""
    paired: bool = False

    def short(self) -> str:
        if self.n is not None:
            return order_of_magnitude(self.n) + (" pairs" if self.paired else "")
        return "∞" if self.note == "equal means" else f"— ({self.note})"


def order_of_magnitude(n: int) -> str:
    """``≈ 4``, ``≈ 40``, ``hundreds``, ``> 1,000``: as precise as a plug-in power figure is."""
    if n < 10:
        return f"≈ {n}"
    if n < 100:
        return f"≈ {int(round(n, -1))}"
    if n < 1000:
        return "hundreds"
    return "> 1,000"


def seeds_needed_normal(diff: float, sd_a: float, sd_b: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """Seeds per method by the normal approximation, n = (z_{1-α/2} + z_{power})² (s_a² + s_b²) / Δ²
    (unrounded; inf when Δ = 0). The t-test needs a seed or two more when n is small: see
    :func:`seeds_needed`."""
    from scipy.stats import norm

    if diff == 0:
        return math.inf
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return z * z * (sd_a ** 2 + sd_b ** 2) / (diff * diff)


def _t_power(n: int, d: float, alpha: float, paired: bool = False) -> float:
    """Power of the two-sided t-test: two samples of n (effect d), or n pairs (effect d_z)."""
    from scipy.stats import nct, t

    df = n - 1 if paired else 2 * n - 2
    crit = t.ppf(1 - alpha / 2, df)
    nc = d * math.sqrt(n) if paired else d * math.sqrt(n / 2)
    return float(nct.sf(crit, df, nc) + nct.cdf(-crit, df, nc))


def _var(x: list[float]) -> float:
    m = sum(x) / len(x)
    return sum((v - m) ** 2 for v in x) / (len(x) - 1)


def seeds_needed(a: Sequence[float], b: Sequence[float], alpha: float = ALPHA, power: float = POWER,
                 paired: bool = False) -> SeedsNeeded:
    """Smallest n ≥ 2 at which a two-sided t-test at ``alpha`` has ``power`` against the observed
    difference: unpaired, seeds per method with the pooled std sqrt((s_a² + s_b²)/2); paired, pairs
    with the std of the per-seed differences (``a[i]``, ``b[i]`` one seed). Exact power from the
    noncentral t distribution, searched upward from the normal approximation."""
    a, b = [float(x) for x in a], [float(x) for x in b]
    if paired:
        if len(a) != len(b) or len(a) < 2:
            return SeedsNeeded(None, None, _seeds(min(len(a), len(b))) + " in common", True)
        diffs = [x - y for x, y in zip(a, b)]
        mean = sum(diffs) / len(diffs)
        if mean == 0 or abs(mean) <= 1e-12 * max(max(map(abs, a)), max(map(abs, b))):
            return SeedsNeeded(None, 0.0, "equal means", True)
        sd = math.sqrt(_var(diffs))
        if sd == 0:
            return SeedsNeeded(None, math.inf, "the same difference on every seed", True)
        d = abs(mean) / sd
        approx = seeds_needed_normal(abs(mean), sd, 0.0, alpha, power)
    else:
        if len(a) < 2 or len(b) < 2:
            return SeedsNeeded(None, None, _seeds(min(len(a), len(b))))
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        va, vb = _var(a), _var(b)
        diff = abs(ma - mb)
        if diff == 0 or diff <= 1e-12 * max(abs(ma), abs(mb)):
            return SeedsNeeded(None, 0.0, "equal means")
        pooled = math.sqrt((va + vb) / 2)
        if pooled == 0:
            return SeedsNeeded(None, math.inf, "no seed variation")
        d = diff / pooled
        approx = seeds_needed_normal(diff, math.sqrt(va), math.sqrt(vb), alpha, power)
    if approx > 10_000:  # the t and normal answers differ by less than a seed here
        return SeedsNeeded(math.ceil(approx), d, paired=paired)
    n = max(2, math.floor(approx))
    while _t_power(n, d, alpha, paired) < power:
        n += 1
    return SeedsNeeded(n, d, paired=paired)
