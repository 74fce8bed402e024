"""How far a fixed seed moves across machines: the ``ganbench reproduce`` outputs beside the records.

A leaderboard's numbers were made on some CPU model; a reader on another one gets other last bits,
and a GAN run amplifies them. ``ganbench reproduce`` re-runs committed records and writes what
moved (schema ``ganbench.reproduce/1``); this module finds those files under a results folder and
says, per task and metric, the largest move against that row's seed-to-seed standard deviation,
with the machines measured, so a table can say whether its ranking survives a change of machine.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = "ganbench.reproduce/1"
MAX_BYTES = 16 << 20


@dataclass
class Drift:
    runs: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(r["task"] for r in self.runs))

    def _by_task_metric(self):
        out = defaultdict(list)
        for r in self.runs:
            for name, m in r.get("metrics", {}).items():
                out[(r["task"], name)].append((r, m))
        return out

    def rows(self) -> list[list[str]]:
        """task, metric, runs, machines, max |Δ|, seed std, max |Δ| / seed std, identical (k/n)."""
        rows = []
        for (task, name), items in self._by_task_metric().items():
            deltas = [abs(m["delta"]) for _, m in items if isinstance(m.get("delta"), (int, float))]
            sds = [m["seed_std"] for _, m in items if m.get("seed_std")]
            rel = [m["delta_over_seed_std"] for _, m in items if m.get("delta_over_seed_std") is not None]
            machines = sorted({f"{_cpu(r['committed_on'])} → {_cpu(r['here'])}" for r, _ in items})
            rows.append([task, name, str(len(items)), "; ".join(machines), _g(max(deltas)) if deltas else "—",
                         _g(max(sds)) if sds else "—", f"{max(rel):.2f}" if rel else "—",
                         f"{sum(bool(m.get('identical')) for _, m in items)}/{len(items)}"])
        return rows

    def for_table(self, table) -> str:
        """One sentence for a table: the largest move of each metric of its re-run rows (records of
        its rows: task, version and config hash) against their seed std."""
        hashes = {(table.task, str(table.version), r.config_hash) for r in table.rows}
        runs = [r for r in self.runs if (r["task"], str(r.get("task_version")), r.get("config_hash")) in hashes]
        if not runs:
            return ""
        items = defaultdict(list)
        for r in runs:
            for name, m in r.get("metrics", {}).items():
                items[name].append((r, m))
        items = list(items.items())
        machines = sorted({f"{_cpu(r['committed_on'])} → {_cpu(r['here'])}" for r in runs})
        parts = []
        for name, it in items:
            rel = [m["delta_over_seed_std"] for _, m in it if m.get("delta_over_seed_std") is not None]
            deltas = [abs(m["delta"]) for _, m in it if isinstance(m.get("delta"), (int, float))]
            if deltas:
                parts.append(f"{name} moved by ≤ {_g(max(deltas))}" + (f" ({max(rel):.2f} seed std)" if rel else ""))
        runs_text = ", ".join(sorted({r["run_id"] for r in runs}))
        return (f"{len(runs)} committed run(s) re-run ({runs_text}; {'; '.join(machines)}): "
                + "; ".join(parts) + " — a difference between rows smaller than this can be the machine's")

    def caption(self) -> str:
        return ("Committed runs re-run on another machine with `ganbench reproduce` (same config hash, same seed): the "
                "largest move of each metric, in its units and in units of that method's seed-to-seed std (the committed "
                "seeds beside it). A number moves across CPU models because their float kernels round differently and "
                "training amplifies it; differences between methods smaller than this are not evidence. Sources (in the "
                "results folder): "
                + ", ".join(f"`{s}`" for s in self.sources) + ".")


def _cpu(machine: dict | None) -> str:
    machine = machine or {}
    return str(machine.get("device_name") or machine.get("device") or "unknown")


def _g(x: float) -> str:
    return f"{x:.3g}"


def load_drift(folder) -> Drift | None:
    """Every ``ganbench.reproduce/1`` file under ``folder`` (None when there is none)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    drift = Drift()
    for path in sorted(folder.rglob("*.json")):
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            with open(path, "rb") as f:
                if SCHEMA.encode() not in f.read(256):  # run records and the rest: not read whole
                    continue
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("runs"), list):
            continue
        good = [r for r in data["runs"] if isinstance(r, dict) and isinstance(r.get("task"), str)
                and isinstance(r.get("metrics"), dict)]
        if good:
            drift.runs += good
            drift.sources.append(path.relative_to(folder).as_posix())  # where it is in the results folder
    return drift if drift.runs else None
