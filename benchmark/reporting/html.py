"""The leaderboard as one static HTML page: tables, plots and samples, no server, no external asset.

``ganbench report --format html --out DIR`` writes ``DIR/index.html``: per task a leaderboard table
(mean ± std over seeds, n, ↑/↓, best in bold, diverged/failed counts, p-value against the best,
published rows marked), training curves from ``log.csv``, metric-over-steps curves from
``evals.jsonl``, the main metric against steps and seconds (equal compute), rank intervals with the
defensibly-first methods and the seeds that would separate neighbours, and what each method
generates (sample images, text lines, and the drawing the task's domain declares for its sample
files) from the run's artifacts; then the cross-task summary over equal task sets, the methods ×
domains matrix (a colour-scaled table and a heat map) and the stability summary. What differs by
domain is asked of the domain
(:func:`ganbench.domains.domain_of`), never written here.
Figures are PNGs embedded as base64 ``data:`` URIs, so the file can be mailed or committed alone.
Every string that comes from a record or a user (task, method, tag, metric, error, sample text)
goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import time
from pathlib import Path
from typing import Iterable

from ganbench.core.domain import Domain
from ganbench.domains import domain_of
from ganbench.reporting import plots
from ganbench.reporting import markdown_sections as sections
from ganbench.reporting.aggregate import fmt_score
from ganbench.reporting.compute import artifact_path as _artifact_path
from ganbench.reporting.leaderboard import Leaderboard, build_leaderboard
from ganbench.reporting.matrix import fmt_score as fmt_matrix_score, fmt_stability
from ganbench.reporting.ranking import fmt_interval, fmt_normalised
from ganbench.reporting.fmt import ARROW
from ganbench.reporting.tables import TaskTable, best_rows, code_line, hardware_line
from ganbench.reporting.stability import collapse_note, fmt_collapse, fmt_rate, fmt_spread
from ganbench.reporting.stats import ALPHA, POWER

MAX_IMAGE_BYTES = 3_000_000
SAMPLE_LINES = 8
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1280px;padding:0 1.2em 3em;color:#1a1a1a}
h1{margin-top:.8em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #d0d0d0;padding:.25em .55em;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td.l,th.l{text-align:left}td.l{white-space:normal;min-width:10em}
tr.published td{background:#fbf7e6;color:#5a4a00;font-style:italic}
.badge{display:inline-block;font-size:.75em;font-style:normal;padding:0 .4em;border-radius:.6em;background:#e8c547;color:#222;margin-right:.3em}
.badge.recalled{background:#f0b27a}.badge.measured{background:#aed6f1}
.sig{color:#0a7d29;font-weight:600}.muted{color:#777}.err{color:#b00020}
.notes{font-size:.85em;color:#333}.notes li{margin:.15em 0}
figure{margin:.8em 0}figure img{max-width:100%;border:1px solid #eee}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;border-radius:6px;padding:.5em;max-width:420px}
.card h4{margin:.1em 0 .4em;font-size:.9em}.card img{max-width:320px}
.scroll{overflow-x:auto;max-width:100%}
pre.samples{font-size:.8em;white-space:pre-wrap;max-width:400px;margin:0}
nav a{margin-right:1em}
table.matrix th,table.matrix td{white-space:normal;min-width:9em;vertical-align:top}
"""


def esc(x) -> str:
    return html.escape(str(x), quote=True)


def slug(text: str) -> str:
    return "task-" + re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def compact_image(data: bytes, mime: str, max_side: int = 512) -> tuple[bytes, str]:
    """A run's sample picture as the page embeds it: a PNG re-encoded with at most 256 colours (grey
    stays grey) and no side above ``max_side`` pixels, whichever is smaller than the file; the
    page holds every method's samples and must stay a file that can be mailed and committed."""
    import io

    if mime != "image/png":
        return data, mime
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            im.load()
            if max(im.size) > max_side:
                scale = max_side / max(im.size)
                im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.Resampling.LANCZOS)
            if im.mode not in ("L", "P", "1"):
                im = im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
            buf = io.BytesIO()
            im.save(buf, format="PNG", optimize=True)
    except Exception:  # noqa: BLE001 - an image PIL cannot re-encode is embedded as it is
        return data, mime
    return (buf.getvalue(), mime) if len(buf.getvalue()) < len(data) else (data, mime)


def img_tag(png: bytes | None, alt: str, mime: str = "image/png") -> str:
    if not png:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:{mime};base64,{data}" alt="{esc(alt)}">'


# --- tables --------------------------------------------------------------------------------------
def _status_badge(status: str) -> str:
    return f'<span class="badge {esc(status)}">published · {esc(status)}</span>'


def task_table_html(lb: Leaderboard, t: TaskTable) -> str:
    comps = lb.comparisons.get(t.key, {})
    best = best_rows(t)
    head = ['<th>rank</th>', '<th class="l">method</th>', '<th>n (ok)</th>', '<th>seeds</th>', '<th>diverged</th>',
            '<th>failed</th>']
    head += [f'<th title="{esc(c.label)}">{esc(c.label)} {ARROW[c.direction]}{" ★" if c.label == t.main_column else ""}</th>'
             for c in t.columns]
    head.append('<th>vs best: p (Holm-adjusted)</th><th>test</th><th>significant</th>')
    rows = []
    for i, r in enumerate(t.rows):
        div = f"{r.n_diverged}" + (f' <span class="muted">(at {", ".join(map(str, r.diverged_steps))})</span>'
                                   if r.diverged_steps else "")
        failed = f'<span class="err" title="{esc("; ".join(r.errors))}">{r.n_failed}</span>' if r.n_failed else "0"
        cells = [f"<td>{r.rank if r.rank is not None else '—'}</td>", f'<td class="l">{esc(r.label)}</td>',
                 f"<td>{r.n_ok}</td>", f"<td>{esc(','.join(map(str, r.seeds)))}</td>", f"<td>{div}</td>",
                 f"<td>{failed}</td>"]
        for c in t.columns:
            cell = r.cells.get(c.label)
            text = esc(cell.fmt()) if cell else "—"
            if cell and cell.n != r.n_ok:
                text += f' <span class="muted">(n={cell.n})</span>'
            if i in best.get(c.label, ()) and len(t.rows) > 1:
                text = f"<strong>{text}</strong>"
            cells.append(f"<td>{text}</td>")
        comp = comps.get(r.label)
        if comp is None:
            cells += ["<td>—</td>", "<td>—</td>", "<td>—</td>"]
        elif comp.method == comp.best:
            cells += ['<td class="muted">best</td>', "<td>—</td>", "<td>—</td>"]
        else:
            p = comp.short().replace(" ✓", "")
            test = "—" if comp.p_value is None else (
                f"{comp.test}, {comp.n} pairs" if comp.paired else f"{comp.test}, {comp.n_best} vs {comp.n} seeds")
            sig = '<span class="sig">yes</span>' if comp.significant else ("no" if comp.significant is False else "—")
            cells += [f"<td>{esc(p)}</td>", f'<td class="muted">{esc(test)}</td>', f"<td>{sig}</td>"]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notes_extra = []
    for prow, by_col, rest in lb.published_for(t):
        if by_col:
            cells = ["<td>—</td>", f'<td class="l">{_status_badge(prow.status)}{esc(prow.method)} '
                                   f'<span class="muted">[{esc(prow.source)}]</span></td>'] + ["<td>—</td>"] * 4
            cells += [f"<td>{esc(by_col[c.label].fmt())}</td>" if c.label in by_col else "<td>—</td>" for c in t.columns]
            cells += ["<td>—</td>", "<td>—</td>", "<td>—</td>"]
            rows.append('<tr class="published">' + "".join(cells) + "</tr>")
        if rest:
            notes_extra.append(f"<li>{_status_badge(prow.status)}<em>{esc(prow.method)}</em> [{esc(prow.source)}], "
                               f"not comparable with a column here: "
                               + ", ".join(f"{esc(k)} {esc(v.fmt())}" for k, v in rest.items()) + "</li>")
    table = f'<div class="scroll"><table class="leaderboard" data-task="{esc(t.task)}"><thead><tr>{"".join(head)}</tr>' \
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>'
    return table + _task_notes(lb, t, notes_extra)


def _task_notes(lb: Leaderboard, t: TaskTable, extra: list[str]) -> str:
    items = [f"<li>protocol: {esc(t.protocol.describe())}</li>"] if t.protocol is not None else []
    for col in t.columns:
        details = ", ".join(f"{k}={json.loads(v)}" for k, v in col.signature)
        items.append(f"<li><code>{esc(col.label)}</code> {ARROW[col.direction]}: {esc(details)}</li>")
    items.append(f"<li>{esc(hardware_line(t.records)[2:])}</li>")
    items.append(f"<li>{esc(code_line(t.records)[2:])}</li>")
    items.append("<li>config hashes: " + ", ".join(f"{esc(r.label)}: <code>{esc(r.config_hash)}</code>" for r in t.rows) + "</li>")
    errs = [f"{esc(r.label)}: {esc(e)}" for r in t.rows for e in r.errors if e]
    if errs:
        items.append('<li class="err">failures: ' + "; ".join(errs) + "</li>")
    items += [f'<li class="err">{esc(note)}</li>' for note in t.notes]  # runs left out (two records of one run)
    items.append(f"<li>p: two-sided test over seeds of <code>{esc(t.main_column)}</code>, the rank-1 row against each "
                 f"other row, paired by seed where the two rows start each seed alike (the test column says which test "
                 f"and how many pairs or seeds); Holm-adjusted over the table's comparisons; significant means an "
                 f"adjusted p &lt; {ALPHA}; the best row is chosen after seeing the data; n/a says why no test could run.</li>")
    drift = lb.drift.for_table(t) if lb.drift is not None else ""
    if drift:
        items.append(f"<li>across machines: {esc(drift)}</li>")
    pubs = lb.published_for(t)
    seen = {}
    for prow, _, _ in pubs:
        seen.setdefault(prow.source, prow)
    for key, prow in seen.items():
        link = f' <a href="{esc(prow.url)}">{esc(prow.url)}</a>' if prow.url else ""
        note = f" — {esc(prow.note)}" if prow.note else ""
        items.append(f"<li>[{esc(key)}] {esc(prow.citation)}{link}{note}</li>")
    if pubs:
        items.append("<li>rows marked <em>published</em> are values from the literature: never in our means, ranks, "
                     "bold or tests.</li>")
    return '<ul class="notes">' + "".join(items + extra) + "</ul>"


def _table(cls: str, head: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A table of already escaped cells; the first ``left`` columns (text) left-aligned."""
    th = "".join(f'<th class="l">{h}</th>' if i < left else f"<th>{h}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="l">{c}</td>' if i < left else f"<td>{c}</td>" for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _firsts(labels: list[str]) -> str:
    return ", ".join(f"<strong>{esc(x)}</strong>" for x in labels) or "none"


def ranking_html(lb: Leaderboard, t: TaskTable) -> str:
    """Rank intervals, defensibly first and seeds to separate neighbours (see ranking.py)."""
    r = lb.ranking(t)
    if r is None:
        return ""
    if not r.methods:
        return '<p class="notes">Rank intervals: nothing ranked (' + esc("; ".join(f"{a}: {b}" for a, b in r.unranked)) + ").</p>"
    rows = []
    for m in r.methods:
        label = f"<strong>{esc(m.label)}</strong>" if m.first else esc(m.label)
        seeds = str(len(m.outcomes)) + (f' <span class="muted">({m.n_worst} as worst)</span>' if m.n_worst else "")
        rows.append([label, str(m.rank), esc(fmt_interval(m)), f"{100 * m.p_first:.0f}%",
                     esc(fmt_normalised(m.normalised, m.normalised_interval)), seeds,
                     esc(f"vs {m.next_label}: {m.next_seeds.short()}") if m.next_label else ""])
    text = (f"Rank intervals on <code>{esc(r.column)}</code> {ARROW[r.direction]}: 95% bootstrap over seeds "
            f"({esc(r.how())}; {esc(sections.diverged_rule(r.worst))}; one seed gives every "
            f"rank). Defensibly first (interval reaches 1): {_firsts(r.defensibly_first())}. Seeds to separate: a "
            f"post-hoc plug-in figure, seeds (pairs) per method for a two-sided t-test at {ALPHA} to reach {POWER:.0%} "
            f"power if the observed difference and spread were the truth; an order of magnitude. "
            f"{esc(sections.NORMALISED.capitalize())}.")
    unranked = ("<br>Unranked: " + esc("; ".join(f"{a} ({b})" for a, b in r.unranked))) if r.unranked else ""
    return (f'<details open><summary>Rank intervals</summary><p class="notes">{text}{unranked}</p>'
            + _table("ranking", ["method", "rank", "95% rank interval", "P(first)", "normalised score [95%]", "seeds",
                                 "seeds to separate from the next"], rows) + "</details>")


def compute_html(lb: Leaderboard, t: TaskTable) -> str:
    """The equal-compute figure (metric vs steps and vs seconds) and the matched-compute table."""
    tc = lb.compute.get(t.key)
    if tc is None or not tc.methods:
        return ""
    png = plots.compute_curves(tc, [r.label for r in t.rows])
    caption = sections.compute_caption(tc)
    fig = (f"<figure>{img_tag(png, f'equal compute of {t.task}')}<figcaption>Equal compute: <code>{esc(tc.metric)}</code> "
           f"against training steps and wall-clock seconds, one line per run; dashed lines: the smallest budget of the "
           f"task's methods." + (f" {esc(caption[0].upper() + caption[1:])}." if caption else "")
           + "</figcaption></figure>") if png else ""
    rows = [[esc(mc.label)] + [esc(c) for c in sections.compute_cells(tc, mc)] for mc in tc.methods]
    return fig + _table("compute", ["method"] + [esc(h) for h in sections.compute_head(tc)], rows)


def summary_html(lb: Leaderboard) -> str:
    agg = lb.summary
    if agg is None:
        return "<p>No two methods were ranked on the same two tasks: nothing to compare across tasks.</p>"
    how = "the methods named by --compare" if agg.chosen == "named" else \
        "the largest block of these records in which every method ran every task"
    text = (f"{len(agg.methods)} methods over the {len(agg.tasks)} tasks every one of them ran ({how}). Score = mean over "
            f"those tasks of the per-task {sections.SUMMARY_NORMALISED}; intervals: 95% bootstrap, seeds resampled within every "
            f"task jointly ({agg.resamples} resamples). A method that skipped one of these tasks is listed apart, never "
            f"averaged over fewer tasks.")
    rows = [[f"<strong>{esc(m.label)}</strong>" if m.first else esc(m.label), str(m.rank),
             esc(f"{m.rank_interval[0]}–{m.rank_interval[1]}" if m.rank_interval[0] != m.rank_interval[1]
                 else str(m.rank_interval[0])), esc(fmt_score(m.score, m.interval)), f"{100 * m.p_first:.0f}%"]
            + [f"{m.per_task[tk]:.2f}" for tk in agg.tasks] for m in agg.methods]
    out = (f'<p class="notes">{esc(text)} Defensibly first overall: {_firsts(agg.defensibly_first())}.</p>'
           + _table("summary", ["method", "rank", "95% rank interval", "score [95%]", "P(first)"] + [esc(tk) for tk in agg.tasks],
                    rows))
    if agg.missing:
        out += '<p class="notes">Not compared (missing from these tasks):</p>' + _table(
            "missing", ["method", "skipped"], [[esc(m), esc(", ".join(sk))] for m, sk in agg.missing.items()], left=2)
    return out


def _scale(score: float) -> str:
    """Background colour of a normalised score: red (0, last) through yellow to green (1, first)."""
    lo, mid, hi = (248, 105, 107), (255, 235, 132), (99, 190, 123)
    a, b, f = (lo, mid, score * 2) if score < 0.5 else (mid, hi, score * 2 - 1)
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


def matrix_html(lb: Leaderboard) -> str:
    mx = lb.matrix
    if mx is None or not mx.methods:
        return ""
    head = ["method"] + [esc(f"{d} ({len(mx.tasks[d])} task{'s' if len(mx.tasks[d]) != 1 else ''})")
                         + f'<br><small class="muted">score [95%]<br>{esc(" · ".join(["diverged"] + mx.collapse_labels[d]))}'
                         f'</small>' for d in mx.domains]
    th = "".join(f'<th class="l">{h}</th>' if i == 0 else f"<th>{h}</th>" for i, h in enumerate(head))
    body = []
    for m in mx.methods:
        tds = [f'<td class="l">{esc(m)}</td>']
        for d in mx.domains:
            cell = mx.cell(m, d)
            score = esc(fmt_matrix_score(cell))
            text = (f'{"<strong>" + score + "</strong>" if cell.first else score}<br><small>{esc(fmt_stability(cell))}'
                    f'</small>') if cell.ran else '<span class="muted">not run</span>'
            style = f' style="background:{_scale(cell.score)}"' if cell.score is not None else ""
            tds.append(f'<td class="l"{style}>{text}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    text = (f"Cell: the method's mean {sections.NORMALISED}, over the domain's tasks, with its 95% bootstrap interval; "
            "coloured red (last) to green (first), only for a method that ran every task of the domain (else the tasks "
            "it ran are listed apart). ★ and bold: defensibly first on the domain. Then the divergence rate on the "
            "domain's runs and the domain's mode-collapse metric over finished runs.")
    tasks = "; ".join(f"{d}: {', '.join(mx.tasks[d]) or 'none with two ranked methods'}" for d in mx.domains)
    png = plots.matrix_heatmap(mx)
    fig = f"<figure>{img_tag(png, 'methods by domains heat map')}<figcaption>Normalised score by domain (grey: not " \
          f"every task of the domain run).</figcaption></figure>" if png else ""
    return (f'<p class="notes">{esc(text)}<br>Tasks: {esc(tasks)}.</p><div class="scroll"><table class="matrix">'
            f'<thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table></div>' + fig)


def stability_html(lb: Leaderboard) -> str:
    st = lb.stability
    if not st.methods:
        return ""
    head = ['<th class="l">method</th>', "<th>tasks</th>", "<th>runs</th>", "<th>diverged</th>", "<th>failed</th>",
            "<th>seed spread</th>"] + [f"<th>{esc(c.header)}</th>" for c in st.columns]
    body = []
    for m in st.methods:
        cells = [f'<td class="l">{esc(m.method)}</td>', f"<td>{len(m.tasks)}</td>", f"<td>{m.runs}</td>",
                 f"<td>{esc(fmt_rate(m))}</td>", f"<td>{m.failed}</td>", f"<td>{esc(fmt_spread(m))}</td>"]
        cells += [f"<td>{esc(fmt_collapse(m, c))}</td>" for c in st.columns]
        body.append("<tr>" + "".join(cells) + "</tr>")
    explain = ("Per method over every task and seed: divergence rate = diverged / (finished + diverged) runs; seed "
               "spread = seed-to-seed std of each task's main metric / |that task's mean over all methods|, averaged over "
               "tasks with ≥ 2 finished seeds (lower is steadier); mode collapse = the domain's diversity metric over "
               f"finished runs ({collapse_note()}).")
    return (f'<p class="notes">{esc(explain)}</p><div class="scroll"><table class="stability"><thead><tr>{"".join(head)}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


# --- figures and samples -------------------------------------------------------------------------
def _runs_of(lb: Leaderboard, t: TaskTable) -> list[tuple[str, dict]]:
    labels = {(r.objective, r.tag or None, r.config_hash): r.label for r in t.rows}
    out = []
    for rec in sorted(t.records, key=lambda r: r["seed"]):
        label = labels.get((rec["objective"], rec.get("tag") or None, rec["config_hash"]))
        if label:
            out.append((label, rec))
    return out


def figures_html(lb: Leaderboard, t: TaskTable) -> str:
    order = [r.label for r in t.rows]
    logs, evals, sweeps = [], [], []
    for label, rec in _runs_of(lb, t):
        arts = rec.get("artifacts") or {}
        if arts.get("quality_diversity") and (p := _artifact_path(rec, arts["quality_diversity"])):
            try:
                sweeps.append((label, rec["seed"], json.loads(p.read_text())))
            except (OSError, ValueError):
                pass
        if arts.get("log") and (p := _artifact_path(rec, arts["log"])):
            logs.append((label, rec["seed"], plots.read_log(p)))
        if arts.get("evals") and (p := _artifact_path(rec, arts["evals"])):
            evals.append((label, rec["seed"], plots.read_evals(p)))
    parts = []
    png = plots.training_curves(logs, order)
    if png:
        parts.append(f"<figure>{img_tag(png, f'training curves of {t.task}')}<figcaption>Training curves from each run's "
                     f"log.csv (one line per seed, moving average; gradient norms on a log scale).</figcaption></figure>")
    metrics = [(c.metric, c.direction) for c in t.columns]
    png = plots.metric_curves(evals, list(dict.fromkeys(metrics)), order)
    if png:
        parts.append(f"<figure>{img_tag(png, f'metrics over steps of {t.task}')}<figcaption>Metrics of the periodic "
                     f"evaluations (evals.jsonl) over training steps.</figcaption></figure>")
    domain = domain_of(t.task)
    png = plots.quality_diversity(sweeps, order, domain.qd_pairs if domain else ())
    if png:
        temps = sorted({tt for _, _, sw in sweeps for tt in sw.get("temperatures", [])})
        n = sorted({sw.get("n_samples") for _, _, sw in sweeps})
        parts.append(f"<figure>{img_tag(png, f'quality-diversity curves of {t.task}')}<figcaption>Quality–diversity: "
                     f"each run sampled at temperatures {esc(', '.join(f'{x:g}' for x in temps))} "
                     f"({esc(', '.join(str(x) for x in n))} samples per point); compare methods along the curves, "
                     f"not at T = 1 alone.</figcaption></figure>")
    # the curve over a setting (e.g. the adversarial weight) is made of tagged variants trained under the
    # same protocol: they are drawn with the table's rows, though not ranked with them
    same = [x for x in lb.tables if x.task == t.task and x.version == t.version and x.protocol is not None
            and t.protocol is not None and x.protocol.training_key() == t.protocol.training_key()]
    cells = [(r.label, {c.metric: r.cells[c.label] for c in x.columns if c.label in r.cells}) for x in same for r in x.rows]
    order = order + [label for label, _ in cells if label not in order]
    png = plots.tradeoff(cells, order, domain.tradeoffs if domain else ())
    if png:
        parts.append(f"<figure>{img_tag(png, f'perception-distortion plane of {t.task}')}<figcaption>Trade-off: each "
                     f"method's mean over seeds (bars: std) of one metric against the other; a row per adversarial "
                     f"weight traces the perception–distortion curve (Blau &amp; Michaeli 2018).</figcaption></figure>")
    return "".join(parts)


def _sample_card(label: str, rec: dict, domain: Domain | None) -> str:
    body = []
    for name, rel in (rec.get("artifacts") or {}).items():
        if name in ("log", "evals") or not isinstance(rel, str):
            continue
        path = _artifact_path(rec, rel)
        if path is None:
            continue
        suffix = path.suffix.lower()
        if suffix in IMAGE_TYPES and path.stat().st_size <= MAX_IMAGE_BYTES:
            data, mime = compact_image(path.read_bytes(), IMAGE_TYPES[suffix])
            body.append(img_tag(data, f"{name} of {label}", mime))
        elif suffix in (".txt", ".smi", ".csv"):
            drawing = domain.sample_drawing if domain else None
            lines = _head_lines(path, max(drawing.lines, SAMPLE_LINES) if drawing else SAMPLE_LINES)
            if drawing:
                try:  # the domain's drawer bounds its own work; one that fails costs its picture, not the report
                    png = drawing.draw(lines)
                except Exception as exc:  # noqa: BLE001 - a plugin's drawer may raise anything
                    png = None
                    body.append(f'<p class="muted">{esc(drawing.alt)} not drawn: {esc(type(exc).__name__)}</p>')
                if png:
                    body.append(img_tag(png, f"{drawing.alt} generated by {label}"))
            body.append(f'<pre class="samples">{esc(chr(10).join(lines[:SAMPLE_LINES]))}</pre>')
    if not body:
        return ""
    return f'<div class="card"><h4>{esc(label)} · seed {esc(rec["seed"])}</h4>{"".join(body)}</div>'


def _head_lines(path: Path, n: int) -> list[str]:
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            out.append(line.rstrip("\n"))
            if len(out) >= n:
                break
    return out


def samples_html(lb: Leaderboard, t: TaskTable) -> str:
    domain = domain_of(t.task)
    cards, done = [], set()
    for label, rec in _runs_of(lb, t):  # the lowest finished seed of each method
        if label in done or rec["status"] != "ok":
            continue
        card = _sample_card(label, rec, domain)
        if card:
            cards.append(card)
            done.add(label)
    if not cards:
        return ""
    return f'<details open><summary>Samples (one seed per method)</summary><div class="cards">{"".join(cards)}</div></details>'


def published_only_html(lb: Leaderboard) -> str:
    parts = []
    for task in lb.tasks_without_runs():
        rows = lb.published.for_task(task)
        parts.append(f"<h3>{esc(task)}</h3>")
        for source in dict.fromkeys(r.source for r in rows):
            group = [r for r in rows if r.source == source]
            labels = list(dict.fromkeys(k for r in group for k in r.values))
            first = group[0]
            parts.append(f'<p class="notes">[{esc(source)}] {esc(first.citation)}'
                         + (f" — {esc(first.note)}" if first.note else "") + "</p>")
            head = '<th class="l">method</th>' + "".join(f"<th>{esc(x)}</th>" for x in labels)
            body = "".join(f'<tr class="published"><td class="l">{_status_badge(r.status)}{esc(r.method)}</td>'
                           + "".join(f"<td>{esc(r.values[x].fmt()) if x in r.values else '—'}</td>" for x in labels)
                           + "</tr>" for r in group)
            parts.append(f'<div class="scroll"><table class="published-only"><thead><tr>{head}</tr></thead>'
                         f'<tbody>{body}</tbody></table></div>')
    return "".join(parts)


# --- page ----------------------------------------------------------------------------------------
def _table_heading(tag: str, t: TaskTable) -> str:
    proto = f" · protocol <code>{esc(t.protocol_name)}</code>" if t.protocol is not None else ""
    return (f"<{tag}>{esc(t.task)} <small class=\"muted\">v{esc(t.version)}{proto} · main metric "
            f"<code>{esc(t.main_metric)}</code></small></{tag}>")


def render_html(lb: Leaderboard, title: str = "ganbench leaderboard", command: str = "", source: str = "",
                problems: Iterable = ()) -> str:
    problems = list(problems)
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1>",
           f'<p class="notes">{len(lb.records)} run records from <code>{esc(source)}</code>, {len({t.task for t in lb.tables})} tasks in {len(lb.main_tables)} named-protocol and {len(lb.exploratory_tables)} exploratory tables; '
           f'generated {esc(now)}' + (f" by <code>{esc(command)}</code>" if command else "") + ". Mean ± sample std over "
           "seeds of the runs that finished; diverged and failed runs are counted, never averaged. ↑ higher is better, "
           "↓ lower is better; <strong>bold</strong> is the best of our rows in its column; rank uses the task's main "
           "metric (★).</p>"]
    if lb.tables:
        out.append("<nav>" + "".join(f'<a href="#{slug(t.key)}">{esc(t.task)}'
                                     + (f' <small>{esc(t.protocol_name)}</small>' if t.protocol else "") + "</a>"
                                     for t in lb.main_tables)
                   + ('<a href="#exploratory">exploratory runs</a>' if lb.exploratory_tables else "")
                   + ('<a href="#summary">summary</a>' if len(lb.compared_tables) > 1 else "")
                   + '<a href="#matrix">matrix</a><a href="#stability">stability</a></nav>')
    drawn = set()
    for t in lb.main_tables:  # curves and samples for each task's first named protocol (the page stays small)
        out.append(f'<section class="task" id="{slug(t.key)}">')
        out.append(_table_heading("h2", t))
        out.append(task_table_html(lb, t))
        out.append(ranking_html(lb, t))
        if (t.task, t.version) not in drawn:
            drawn.add((t.task, t.version))
            out.append(figures_html(lb, t))
            out.append(compute_html(lb, t))
            out.append(samples_html(lb, t))
        else:
            out.append('<p class="notes">Curves and samples: see this task\'s first protocol above, or a report of '
                       'these runs alone (<code>ganbench report --results DIR --format html</code>).</p>')
        out.append("</section>")
    if lb.exploratory_tables:
        out.append('<section id="exploratory"><h2>Exploratory runs</h2><p class="notes">Runs under a protocol that is '
                   "none of their task's named budgets (and, with --tags-apart, tagged variants): each table holds one "
                   "protocol, and none of these rows takes part in a named protocol's ranking, the summary or the "
                   "matrix.</p>")
        for t in lb.exploratory_tables:
            out.append(f'<div class="task" id="{slug(t.key)}">' + _table_heading("h3", t) + task_table_html(lb, t)
                       + ranking_html(lb, t) + "</div>")
        out.append("</section>")
    if len(lb.compared_tables) > 1:  # one table: its own rank intervals say it all
        out.append('<section id="summary"><h2>Across tasks: like with like</h2>' + summary_html(lb) + "</section>")
    out.append('<section id="matrix"><h2>Where each loss is good</h2>' + (matrix_html(lb) or "<p>no ranked rows</p>")
               + "</section>")
    if lb.drift is not None:
        rows = [[esc(x) for x in row] for row in lb.drift.rows()]
        out.append('<section id="drift"><h2>Across machines</h2><p class="notes">' + esc(lb.drift.caption()) + "</p>"
                   + _table("drift", ["task", "metric", "runs re-run", "machines (committed → here)", "largest move",
                                      "seed std", "largest move / seed std", "bit-identical"], rows, left=4) + "</section>")
    if lb.sensitivity.get("tasks"):
        from ganbench.reporting.sensitivity import html_fragment

        out.append('<section id="sensitivity"><h2>Protocol sensitivity</h2><p>Each task\'s ranking recomputed from '
                   "the same trained generators under another evaluation protocol (<code>ganbench sensitivity</code>): "
                   "Kendall's τ against the default ranking; moved ranks marked.</p>"
                   + html_fragment(lb.sensitivity, heading="h3") + "</section>")
    out.append('<section id="stability"><h2>Stability across domains</h2>' + (stability_html(lb) or "<p>no runs</p>")
               + "</section>")
    extra = published_only_html(lb)
    if extra:
        out.append('<section id="published"><h2>Published results for tasks without runs here</h2>' + extra + "</section>")
    if problems:
        out.append('<section id="skipped"><h2>Skipped files</h2><ul class="notes">'
                   + "".join(f"<li><code>{esc(p)}</code>: {esc(why)}</li>" for p, why in problems) + "</ul></section>")
    out.append("</body></html>")
    return "\n".join(out)


def write_html_report(records: list[dict], out_dir: str | Path, command: str = "", source: str = "",
                      problems: Iterable = (), test: str = "t", title: str = "ganbench leaderboard",
                      excluded: list[dict] = (), compare: list[str] | None = None, tags_apart: bool = False) -> Path:
    from ganbench.core.atomic import atomic_write_text

    lb = build_leaderboard(records, test, excluded=excluded, compare=compare, tags_apart=tags_apart,
                           source=source or None)
    path = Path(out_dir) / "index.html"
    atomic_write_text(path, render_html(lb, title, command, source, problems))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # a page to publish: readable like any file the user writes (not 0600)
    return path
