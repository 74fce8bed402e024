"""Protocol sensitivity of each task's ranking: the ranking under each evaluation variant, Kendall's τ
against the default ranking, and the methods whose rank moves.

Input: the run records (as :func:`ganbench.core.records.load_records` gives them, each with its
``_path``) and the ``sensitivity.json`` beside them (:mod:`ganbench.engine.sensitivity`). Methods
are the leaderboard's rows: one per (objective, tag, config hash), named by
:func:`ganbench.core.records.run_label`; a method's score is the mean over its seeds of the task's
main metric, ranked by the metric's direction (ties share the better rank, as in the tables).

Under a variant a method is scored over the seeds that were re-evaluated (``n`` says how many;
fewer than the default's marks it partial). τ is Kendall's tau-b (:func:`scipy.stats.kendalltau`)
between the default and the variant ranking over the methods ranked under both; with fewer than
two such methods, or a ranking that ties all of them, τ is undefined and says why. A method
"moves" when its rank among those methods differs between the two rankings.

Three outputs of one dict: :func:`sensitivity_report` (JSON-able), :func:`markdown_lines` and
:func:`html_fragment` (every piece of user text escaped).
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Mapping

SCHEMA = "ganbench.sensitivity-report/1"
ARROW = {"max": "↑", "min": "↓"}


# --- reading ---------------------------------------------------------------------------------------
def read_documents(records: Iterable[dict]) -> dict[str, dict]:
    """{run id: its sensitivity.json} for the records that have one (beside the record, in its run folder)."""
    from ganbench.engine.sensitivity import read_sensitivity

    docs = {}
    for rec in records:
        if rec.get("_path"):
            doc = read_sensitivity(Path(rec["_path"]).with_suffix(""))
            if doc is not None and doc.get("run_id") == rec["run_id"] and doc.get("config_hash") == rec.get("config_hash"):
                docs[rec["run_id"]] = doc
    return docs


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


# --- ranking and τ -----------------------------------------------------------------------------------
def competition_ranks(scores: Mapping[str, float], direction: str) -> dict[str, int]:
    """1 = best; equal scores share the better rank (1, 1, 3), as the leaderboard ranks."""
    sign = -1.0 if direction == "max" else 1.0
    keyed = sorted(scores, key=lambda m: (sign * scores[m], m))
    ranks, prev, rank = {}, None, 0
    for i, m in enumerate(keyed):
        if prev is None or sign * scores[m] != prev:
            rank, prev = i + 1, sign * scores[m]
        ranks[m] = rank
    return ranks


def compare_rankings(default: Mapping[str, float], variant: Mapping[str, float], direction: str) -> dict:
    """τ between two score tables (method -> mean) over the methods in both, and who moved."""
    from scipy.stats import kendalltau

    common = [m for m in default if m in variant]
    r_def = competition_ranks({m: default[m] for m in common}, direction)
    r_var = competition_ranks({m: variant[m] for m in common}, direction)
    moved = [m for m in common if r_def[m] != r_var[m]]
    out = {"n_methods": len(common), "tau": None, "p_value": None, "note": None,
           "moved": sorted(moved, key=lambda m: (r_def[m], m)),
           "ranks": {m: {"default": r_def[m], "variant": r_var[m]} for m in common},
           "winner_changed": bool(common) and {m for m in common if r_def[m] == 1} != {m for m in common if r_var[m] == 1}}
    if len(common) < 2:
        out["note"] = "fewer than 2 methods"
        return out
    tau, p = kendalltau([r_def[m] for m in common], [r_var[m] for m in common])
    if not math.isfinite(tau):
        out["note"] = "all tied"
        return out
    out["tau"], out["p_value"] = float(tau), (float(p) if math.isfinite(p) else None)
    return out


# --- the report ------------------------------------------------------------------------------------------
def _method_key(rec: dict) -> tuple:
    return rec["objective"], rec.get("tag") or None, rec["config_hash"]


def _labels(keys: Iterable[tuple], first: Mapping[tuple, dict]) -> dict[tuple, str]:
    """The leaderboard's row label of each method; the config hash added where two would share one."""
    from ganbench.core.records import run_label

    base = {k: run_label(first[k]) for k in keys}
    counts = defaultdict(int)
    for label in base.values():
        counts[label] += 1
    return {k: (lab if counts[lab] == 1 else f"{lab} ({k[2][:8]})") for k, lab in base.items()}


def _variant_order(task: str, names: set[str]) -> list[str]:
    from ganbench.engine.sensitivity import declared_variants

    declared = [v.name for v in declared_variants(task) if v.name in names]
    return declared + sorted(names - set(declared))


def _shared(protocol: dict | None) -> dict | None:
    """A protocol without the seed, which is each run's own (the runner evaluates seed s with seed s)."""
    return None if protocol is None else {k: v for k, v in protocol.items() if k != "seed"}


def _mean(values: list[float]) -> tuple[float | None, int, int]:
    finite = [v for v in values if math.isfinite(v)]
    return (sum(finite) / len(finite) if finite else None), len(finite), len(values) - len(finite)


def _task_report(task: str, version: str, recs: list[dict], docs: Mapping[str, dict]) -> dict:
    main = next((r["task"].get("main_metric") for r in recs if r["task"].get("main_metric")), None) or ""
    direction = next((r["metrics"][main]["direction"] for r in recs if main in r.get("metrics", {})), "max")
    by_method: dict[tuple, list[dict]] = defaultdict(list)
    for rec in recs:
        if rec["status"] == "ok":
            by_method[_method_key(rec)].append(rec)
    keys = sorted(by_method, key=lambda k: (k[0], k[1] or "", k[2]))
    labels = _labels(keys, {k: by_method[k][0] for k in keys})

    default_scores, methods = {}, []
    for k in keys:
        mean, n, bad = _mean([_float((r["metrics"].get(main) or {}).get("value")) for r in by_method[k]])
        methods.append({"method": labels[k], "objective": k[0], "tag": k[1], "config_hash": k[2],
                        "default": {"mean": mean, "n": n, "n_nonfinite": bad}})
        if mean is not None:
            default_scores[labels[k]] = mean
    default_ranks = competition_ranks(default_scores, direction)
    for m in methods:
        m["default"]["rank"] = default_ranks.get(m["method"])
    order = sorted(range(len(keys)), key=lambda i: (methods[i]["default"]["rank"] or math.inf, methods[i]["method"]))
    keys, methods = [keys[i] for i in order], [methods[i] for i in order]  # rows in the leaderboard's order

    ok = [r for k in keys for r in by_method[k]]
    names = {name for r in ok for name in (docs.get(r["run_id"], {}).get("variants") or {})}
    skipped: dict[str, set[str]] = defaultdict(set)
    for r in ok:
        for name, why in (docs.get(r["run_id"], {}).get("skipped") or {}).items():
            skipped[name].add(str(why))
    variants = []
    for name in _variant_order(task, names):
        entries = {k: [docs[r["run_id"]]["variants"][name] for r in by_method[k]
                       if name in (docs.get(r["run_id"], {}).get("variants") or {})] for k in keys}
        sample = next(e for es in entries.values() for e in es)
        rows, scores = [], {}
        for k in keys:
            mean, n, bad = _mean([_float(e.get("value")) for e in entries[k] if "error" not in e])
            errors = sum("error" in e for e in entries[k])
            rows.append({"method": labels[k], "mean": mean, "n": n, "n_nonfinite": bad, "errors": errors,
                         "partial": 0 < len(entries[k]) < len(by_method[k]) or errors > 0})
            if mean is not None:
                scores[labels[k]] = mean
        cmp = compare_rankings(default_scores, scores, direction)
        own = competition_ranks(scores, direction)
        for row in rows:
            row["rank"] = own.get(row["method"])
            row["moved"] = row["method"] in cmp["moved"]
        protocols = {repr(sorted((k, v) for k, v in e["protocol"].items() if k != "seed"))  # the seed is each run's own
                     for es in entries.values() for e in es if "protocol" in e}
        variants.append({"name": name, "axis": sample.get("axis"), "summary": sample.get("summary"),
                         "protocol": _shared(sample.get("protocol")), "mixed_protocols": len(protocols) > 1,
                         "methods": rows, "tau": cmp["tau"], "p_value": cmp["p_value"], "n_methods": cmp["n_methods"],
                         "note": cmp["note"], "moved": cmp["moved"], "winner_changed": cmp["winner_changed"]})
    default_protocol = _shared(next((docs[r["run_id"]]["default"].get("protocol") for r in ok if r["run_id"] in docs), None))
    return {"task": task, "version": version, "main_metric": main, "direction": direction,
            "default_protocol": default_protocol, "methods": methods, "variants": variants,
            "skipped": [{"name": n, "reasons": sorted(skipped[n])} for n in sorted(skipped) if n not in names],
            "runs_ok": sum(len(v) for v in by_method.values()),
            "runs_reevaluated": sum(r["run_id"] in docs for k in keys for r in by_method[k])}


def sensitivity_report(records: Iterable[dict], documents: Mapping[str, dict] | None = None) -> dict:
    """The panel as a JSON-able dict: one entry per (task, version) that has any re-evaluated run.

    ``documents``: {run id: sensitivity.json content}; default: read beside each record
    (:func:`read_documents`). Tasks without any are left out (nothing to show)."""
    records = [r for r in records]
    docs = read_documents(records) if documents is None else dict(documents)
    by_task: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in records:
        by_task[(rec["task"]["name"], str(rec["task"]["version"]))].append(rec)
    tasks = [_task_report(t, v, recs, docs) for (t, v), recs in sorted(by_task.items())
             if any(r["run_id"] in docs for r in recs)]
    return {"schema": SCHEMA, "tasks": tasks}


# --- text --------------------------------------------------------------------------------------------------
def _num(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.3g}"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.2f}"


def _tau(v: dict) -> str:
    return f"{v['tau']:.2f}" if v["tau"] is not None else f"n/a ({v['note']})"


def _cell(row: dict, default_rank: int | None, variant: bool) -> tuple[str, str]:
    """(text, marker): 'rank (mean)', and ▲/▼ when the method moved up/down against the default."""
    if row.get("rank") is None:
        return "—", ""
    text = f"{row['rank']} ({_num(row['mean'])})"
    if variant and row.get("partial"):
        text += f" [{row['n']} seeds]"
    marker = ""
    if variant and row.get("moved") and default_rank is not None:
        marker = "▲" if row["rank"] < default_rank else "▼" if row["rank"] > default_rank else "↕"
    return text, marker


def _md(text: Any) -> str:
    from ganbench.core.records import one_line

    return one_line(str(text)).replace("|", "\\|").replace("`", "'")


def _protocol_change(variant: dict, default: dict | None) -> str:
    proto = {k: v for k, v in (variant.get("protocol") or {}).items() if k != "seed"}  # the seed is each run's own
    diff = {k: v for k, v in proto.items() if not default or default.get(k) != v}
    return ", ".join(f"{k}={v}" for k, v in diff.items()) or "—"


def markdown_lines(report: Mapping[str, Any], heading: str = "###") -> list[str]:
    """One section per task: methods × variants, each cell ``rank (mean)``, **bold** with ▲/▼ where the
    rank moved; the last rows give τ and the variant's protocol change; skipped variants listed."""
    out: list[str] = []
    for t in report.get("tasks", []):
        arrow = ARROW.get(t["direction"], "")
        out += [f"{heading} Protocol sensitivity: {_md(t['task'])} (v{_md(t['version'])}), `{_md(t['main_metric'])}` {arrow}", ""]
        if not t["variants"]:
            out += [f"No variant computed ({t['runs_reevaluated']} of {t['runs_ok']} runs re-evaluated).", ""]
        else:
            head = ["method", "default"] + [_md(v["name"]) for v in t["variants"]]
            out += ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
            for i, m in enumerate(t["methods"]):
                cells = [_md(m["method"]), _cell(m["default"], None, False)[0]]
                for v in t["variants"]:
                    text, marker = _cell(v["methods"][i], m["default"]["rank"], True)
                    cells.append(f"**{text} {marker}**" if marker else text)
                out.append("| " + " | ".join(cells) + " |")
            out.append("| Kendall τ vs default | | " + " | ".join(_md(_tau(v)) for v in t["variants"]) + " |")
            out.append("| protocol change | " + _md(_protocol_change({"protocol": t["default_protocol"]}, None)) + " | "
                       + " | ".join(_md(_protocol_change(v, t["default_protocol"])) for v in t["variants"]) + " |")
            out.append("")
            moved = [f"{_md(v['name'])}: " + ", ".join(_md(m) for m in v["moved"]) + (" (first place changes)" if v["winner_changed"] else "")
                     for v in t["variants"] if v["moved"]]
            out.append(f"Cells: rank (mean over seeds); ▲/▼ a rank that moves against the default. "
                       f"{t['runs_reevaluated']} of {t['runs_ok']} finished runs re-evaluated "
                       f"(`ganbench sensitivity`).")
            out.append("Rank changes: " + ("; ".join(moved) if moved else "none") + ".")
            if any(v["mixed_protocols"] for v in t["variants"]):
                out.append("Warning: some variant was computed under different protocols for different runs.")
        for s in t["skipped"]:
            out.append(f"Not computed: {_md(s['name'])} ({_md('; '.join(s['reasons']))}).")
        out.append("")
    return out


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def html_fragment(report: Mapping[str, Any], heading: str = "h3") -> str:
    """The same tables as :func:`markdown_lines` as an HTML fragment (a ``<section>`` per task); every
    name and value escaped. Moved cells carry ``class="moved"`` and a title saying from which rank."""
    parts = ['<div class="sensitivity">']
    for t in report.get("tasks", []):
        parts.append(f'<section><{heading}>Protocol sensitivity: {_h(t["task"])} (v{_h(t["version"])}), '
                     f'<code>{_h(t["main_metric"])}</code> {_h(ARROW.get(t["direction"], ""))}</{heading}>')
        if t["variants"]:
            parts.append("<table><thead><tr><th>method</th><th>default</th>"
                         + "".join(f'<th title="{_h(v.get("summary") or "")}">{_h(v["name"])}</th>' for v in t["variants"])
                         + "</tr></thead><tbody>")
            for i, m in enumerate(t["methods"]):
                cells = [f"<td>{_h(m['method'])}</td>", f"<td>{_h(_cell(m['default'], None, False)[0])}</td>"]
                for v in t["variants"]:
                    text, marker = _cell(v["methods"][i], m["default"]["rank"], True)
                    if marker:
                        cells.append(f'<td class="moved" title="default rank {_h(m["default"]["rank"])}">'
                                     f'<strong>{_h(text)} {_h(marker)}</strong></td>')
                    else:
                        cells.append(f"<td>{_h(text)}</td>")
                parts.append("<tr>" + "".join(cells) + "</tr>")
            parts.append("<tr><th>Kendall τ vs default</th><td></td>"
                         + "".join(f"<td>{_h(_tau(v))}</td>" for v in t["variants"]) + "</tr>")
            parts.append(f"<tr><th>protocol change</th><td>{_h(_protocol_change({'protocol': t['default_protocol']}, None))}</td>"
                         + "".join(f"<td>{_h(_protocol_change(v, t['default_protocol']))}</td>" for v in t["variants"])
                         + "</tr></tbody></table>")
            moved = [f"{v['name']}: {', '.join(v['moved'])}" + (" (first place changes)" if v["winner_changed"] else "")
                     for v in t["variants"] if v["moved"]]
            parts.append(f"<p>Cells: rank (mean over seeds); ▲/▼ a rank that moves against the default. "
                         f"{_h(t['runs_reevaluated'])} of {_h(t['runs_ok'])} finished runs re-evaluated. "
                         f"Rank changes: {_h('; '.join(moved) if moved else 'none')}.</p>")
        else:
            parts.append(f"<p>No variant computed ({_h(t['runs_reevaluated'])} of {_h(t['runs_ok'])} runs re-evaluated).</p>")
        if t["skipped"]:
            parts.append("<ul>" + "".join(f"<li>Not computed: {_h(s['name'])} ({_h('; '.join(s['reasons']))})</li>"
                                          for s in t["skipped"]) + "</ul>")
        parts.append("</section>")
    parts.append("</div>")
    return "\n".join(parts)


def tau_summary(report: Mapping[str, Any]) -> list[dict]:
    """Long format, one row per (task, variant): τ, p, methods compared, who moved (for CSV/JSON tables)."""
    return [{"task": t["task"], "version": t["version"], "variant": v["name"], "axis": v["axis"], "tau": v["tau"],
             "p_value": v["p_value"], "n_methods": v["n_methods"], "moved": list(v["moved"]),
             "winner_changed": v["winner_changed"], "note": v["note"]}
            for t in report.get("tasks", []) for v in t["variants"]]


__all__: list[str] = ["compare_rankings", "competition_ranks", "html_fragment", "markdown_lines", "read_documents",
                      "sensitivity_report", "tau_summary"]
