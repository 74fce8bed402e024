"""Figures for the HTML report, returned as PNG bytes (matplotlib Agg, no pyplot state).

Training curves come from each run's ``log.csv`` (one row per step: losses, gradient norms),
metric-over-steps curves from ``evals.jsonl`` (periodic evaluations), quality-diversity curves on
the metric pairs a task's domain declares (drawings of samples are the domains' own). Each function returns ``None`` when there is nothing to draw, so a report of runs
without logs simply has fewer figures. Seeds of one method share a colour; curves are smoothed
with a moving average and thinned to a few hundred points so a 20,000-step log stays small.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

MAX_POINTS = 400
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def read_log(path: Path) -> dict[str, np.ndarray]:
    """Numeric columns of a ``log.csv`` (blank cells -> NaN); empty dict if unreadable."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error, UnicodeDecodeError):
        return {}
    if not rows or "step" not in rows[0]:
        return {}
    out = {}
    for key in rows[0]:
        vals = []
        for r in rows:
            try:
                vals.append(float(r.get(key) or "nan"))
            except ValueError:
                vals.append(float("nan"))
        arr = np.asarray(vals, dtype=float)
        if np.isfinite(arr).any():
            out[key] = arr
    return out if "step" in out else {}


def read_evals(path: Path) -> list[dict]:
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and "step" in row:
                    out.append(row)
    except (OSError, UnicodeDecodeError):
        return []
    return out


def smooth(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Moving average (window ~ len/100, NaNs skipped) thinned to at most ``max_points`` points."""
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(y) == 0:
        return x, y
    w = max(1, len(y) // 100)
    if w > 1:
        c = np.cumsum(np.insert(y, 0, 0.0))
        y = (c[w:] - c[:-w]) / w
        x = x[w - 1:]
    step = max(1, math.ceil(len(y) / max_points))
    return x[::step], y[::step]


def _figure(n_panels: int, width: float = 3.6, height: float = 2.5):
    from matplotlib.figure import Figure

    cols = min(3, n_panels)
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(width * cols, height * rows + 0.4), dpi=90)
    # fixed margins (tight_layout costs more than the drawing); room at the top for the legend
    top = 1 - 0.45 / (height * rows + 0.4)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.5 / (height * rows), top=top, wspace=0.3,
                        hspace=0.55 if rows > 1 else 0.2)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n_panels)]
    return fig, axes


def to_png(fig) -> bytes:
    """The figure as a palette PNG: line plots use a few dozen colours, and 8-bit palette
    images are a third of the RGBA size, which keeps a report with many embedded plots small."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(fig, labels: Sequence[str], colors: Sequence[str]) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, lw=2) for c in colors]
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 6), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 1.0))


def training_curves(runs: Sequence[tuple[str, int, dict]], method_order: Sequence[str]) -> bytes | None:
    """Losses and gradient norms over steps; ``runs`` are (method, seed, read_log(...)) triples."""
    runs = [r for r in runs if r[2]]
    if not runs:
        return None
    keys = []
    for _, _, log in runs:
        keys += [k for k in log if k != "step" and k not in keys]
    keys.sort(key=lambda k: (not k.startswith("loss"), not k.startswith("grad_norm"), k))
    keys = keys[:9]
    if not keys:
        return None
    fig, axes = _figure(len(keys))
    colors = {m: color(i) for i, m in enumerate(method_order)}
    for ax, key in zip(axes, keys):
        positive = True
        for method, seed, log in runs:
            if key not in log:
                continue
            x, y = smooth(log["step"], log[key])
            if len(y):
                ax.plot(x, y, color=colors.get(method, "#333"), lw=1.0, alpha=0.75)
                positive &= bool((y > 0).all())
        if key.startswith("grad_norm") and positive:
            ax.set_yscale("log")
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    present = [m for m in method_order if any(r[0] == m for r in runs)]
    _legend(fig, present, [colors[m] for m in present])
    return to_png(fig)


def metric_curves(runs: Sequence[tuple[str, int, list[dict]]], metrics: Sequence[tuple[str, str]],
                  method_order: Sequence[str]) -> bytes | None:
    """Each metric over training steps from periodic evaluations; ``metrics`` are (name, direction)."""
    runs = [r for r in runs if r[2]]
    names = [(m, d) for m, d in metrics if any(m in row for _, _, ev in runs for row in ev)]
    if not names:
        return None
    fig, axes = _figure(len(names[:9]))
    colors = {m: color(i) for i, m in enumerate(method_order)}
    for ax, (name, direction) in zip(axes, names[:9]):
        for method, seed, evals in runs:
            pts = [(r["step"], r[name]) for r in evals if isinstance(r.get(name), (int, float))]
            if pts:
                x, y = zip(*pts)
                ax.plot(x, y, marker="o", ms=2.5, lw=1.0, alpha=0.8, color=colors.get(method, "#333"))
        ax.set_title(f"{name} {'↑' if direction == 'max' else '↓'}", fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    present = [m for m in method_order if any(r[0] == m for r in runs)]
    _legend(fig, present, [colors[m] for m in present])
    return to_png(fig)


def quality_diversity(runs: Sequence[tuple[str, int, dict]], method_order: Sequence[str],
                      pairs: Sequence[tuple[str, str]]) -> bytes | None:
    """Temperature sweeps (Caccia et al.): one curve per run through its (x, y) points, a panel per
    metric pair present; ``runs`` are (method, seed, quality_diversity.json) triples and ``pairs``
    the (diversity-side x, quality y) metric pairs the task's domain declares. Comparing methods
    along these curves, not at T = 1 alone, tells a better model from a colder one."""
    runs = [r for r in runs if r[2] and r[2].get("points")]
    pairs = [(x, y) for x, y in pairs
             if any(all(k in p for k in (x, y)) for _, _, sw in runs for p in sw["points"])]
    if not pairs:
        return None
    fig, axes = _figure(len(pairs), width=4.2, height=3.2)
    colors = {m: color(i) for i, m in enumerate(method_order)}
    for ax, (x, y) in zip(axes, pairs):
        for method, seed, sweep in runs:
            pts = sorted((p["temperature"], p[x], p[y]) for p in sweep["points"]
                         if isinstance(p.get(x), (int, float)) and isinstance(p.get(y), (int, float)))
            if not pts:
                continue
            ax.plot([p[1] for p in pts], [p[2] for p in pts], "-o", ms=2.5, lw=1.0, alpha=0.8,
                    color=colors.get(method, "#333"))
            for t, px, py in (pts[0], pts[-1]):
                ax.annotate(f"T={t:g}", (px, py), fontsize=6, alpha=0.6)
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    present = [m for m in method_order if any(r[0] == m for r in runs)]
    _legend(fig, present, [colors[m] for m in present])
    return to_png(fig)



def tradeoff(rows: Sequence[tuple[str, dict]], method_order: Sequence[str],
             pairs: Sequence[tuple[str, str]]) -> bytes | None:
    """Each method's mean (± std over seeds) of metric x against metric y, a panel per pair its rows
    hold: the perception-distortion plane (Blau & Michaeli 2018). ``rows`` are (method label,
    {metric: table cell with mean and std}) pairs; a method's label names its adversarial weight."""
    pairs = [(x, y) for x, y in pairs if sum(1 for _, cells in rows if x in cells and y in cells) >= 2]
    if not pairs:
        return None
    fig, axes = _figure(len(pairs), width=6.4, height=3.6)  # room for the legend of every method
    colors = {m: color(i) for i, m in enumerate(method_order)}
    for ax, (x, y) in zip(axes, pairs):
        for label, cells in rows:
            cx, cy = cells.get(x), cells.get(y)
            if cx is None or cy is None or not (math.isfinite(cx.mean) and math.isfinite(cy.mean)):
                continue
            ax.errorbar(cx.mean, cy.mean, xerr=cx.std if math.isfinite(cx.std) else None,
                        yerr=cy.std if math.isfinite(cy.std) else None, fmt="o", ms=4, lw=0.8, capsize=2,
                        color=colors.get(label, "#333"))
            ax.annotate(label, (cx.mean, cy.mean), fontsize=6, alpha=0.8, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    present = [m for m in method_order if any(label == m for label, _ in rows)]
    _legend(fig, present, [colors[m] for m in present])
    return to_png(fig)


def compute_curves(tc, method_order: Sequence[str]) -> bytes | None:
    """The main metric against training steps and against wall-clock seconds, one line per run
    (a :class:`~ganbench.reporting.compute.TaskCompute`); dashed lines mark the matched budgets."""
    runs = [(m.label, r) for m in tc.methods for r in m.runs if r.points]
    if not runs:
        return None
    fig, axes = _figure(2, width=4.4, height=2.9)
    colors = {m: color(i) for i, m in enumerate(method_order)}
    arrow = "↑" if tc.direction == "max" else "↓"
    for ax, axis, name, budget in ((axes[0], 0, "training steps", tc.matched_steps),
                                   (axes[1], 1, "wall-clock seconds" + (" (estimated)" if tc.estimated else ""),
                                    tc.matched_seconds)):
        for label, run in runs:
            pts = [(p[axis], p[2]) for p in run.points if p[axis] is not None]
            if pts:
                x, y = zip(*pts)
                ax.plot(x, y, marker="o", ms=3, lw=1.0, alpha=0.8, color=colors.get(label, "#333"))
        if budget:
            ax.axvline(budget, color="#888", ls="--", lw=0.8)
        ax.set_xlabel(name, fontsize=8)
        ax.set_ylabel(f"{tc.metric} {arrow}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    present = [m for m in method_order if any(label == m for label, _ in runs)]
    _legend(fig, present, [colors.get(m, "#333") for m in present])
    return to_png(fig)


def matrix_heatmap(matrix) -> bytes | None:
    """Methods × domains of a :class:`~ganbench.reporting.matrix.Matrix`: colour = normalised score
    (0 last .. 1 first; grey where the method did not run every task of the domain), text = the
    score, its interval and ★ where the method is defensibly first on the domain."""
    if not matrix.methods or not matrix.domains:
        return None
    from matplotlib.figure import Figure

    grid = np.full((len(matrix.methods), len(matrix.domains)), np.nan)
    for i, m in enumerate(matrix.methods):
        for j, d in enumerate(matrix.domains):
            cell = matrix.cell(m, d)
            if cell.score is not None:
                grid[i, j] = cell.score
    h = 0.45 * len(matrix.methods) + 1.2
    fig = Figure(figsize=(1.9 * len(matrix.domains) + 2.2, h), dpi=90)
    fig.subplots_adjust(left=1.6 / (1.9 * len(matrix.domains) + 2.2), right=0.97, top=1 - 0.5 / h, bottom=0.3 / h)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor("#e6e6e6")
    im = ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    for i, m in enumerate(matrix.methods):
        for j, d in enumerate(matrix.domains):
            cell = matrix.cell(m, d)
            if cell.score is not None:
                text = f"{cell.score:.2f}{' ★' if cell.first else ''}\n[{cell.interval[0]:.2f}, {cell.interval[1]:.2f}]"
            elif cell.partial:
                text = f"{len(cell.partial)}/{len(cell.partial) + len(cell.skipped)} tasks"
            else:
                text = "—"
            dark = cell.score is not None and not 0.2 <= cell.score <= 0.8  # the colour map's dark ends
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
    ax.set_xticks(range(len(matrix.domains)))
    ax.set_xticklabels(matrix.domains, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(matrix.methods)))
    ax.set_yticklabels(matrix.methods, fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02).ax.tick_params(labelsize=7)
    return to_png(fig)
