"""``ganbench reproduce RECORD…``: re-run committed records here and say how far each number moved.

A run's identity fixes its numbers on one machine with one software stack; on another CPU model
the float kernels differ in their last bits, and a GAN amplifies that into a different trajectory.
How far is an empirical question per task, so this command answers it: it re-runs each record's
exact config (same task version, objective, seed, tag and config hash — refused with one line if the
code here resolves the config to another hash) into a separate results folder (never beside, never
over the committed record), then compares every metric with the committed value, in the metric's
units and in units of that row's seed-to-seed standard deviation (the committed records of the same
method beside it). The output (schema ``ganbench.reproduce/1``) names both machines (CPU model,
platform), both code states (git commit, dirty) and both software stacks; the leaderboard report
reads such files found under its results folder (:mod:`ganbench.reporting.drift`).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path

from ganbench.core.errors import UserError

SCHEMA = "ganbench.reproduce/1"


def _claim(rec: dict) -> tuple:
    return rec["task"]["name"], str(rec["task"]["version"]), rec["objective"], rec.get("tag") or None, rec["config_hash"]


def seed_spread(rec: dict, path: Path) -> dict[str, float | None]:
    """Per metric, the std over seeds of the committed finished runs of the same method as ``rec``
    (its folder's records: same task version, objective, tag and config hash)."""
    from ganbench.core.records import load_records

    same = [r for r in load_records(path.parent).records if _claim(r) == _claim(rec) and r["status"] == "ok"]
    out: dict[str, float | None] = {}
    for name in rec.get("metrics", {}):
        vals = []
        for r in same:
            try:
                v = float(r["metrics"][name]["value"])
            except (KeyError, TypeError, ValueError):
                continue
            if math.isfinite(v):
                vals.append(v)
        out[name] = statistics.stdev(vals) if len(vals) >= 2 else None
    return out


def _request(rec: dict, results: Path, data_dir: str | None, device: str):
    from ganbench.engine.planning import RunRequest

    cfg = dict(rec["config"])
    steps = int(cfg.pop("steps"))
    return RunRequest(rec["task"]["name"], rec["objective"], int(rec["seed"]), results, steps=steps, overrides=cfg,
                      tag=rec.get("tag") or None, data_dir=data_dir, progress=False, device=device)


def _machine(prov: dict | None) -> dict:
    prov = prov or {}
    return {k: prov.get(k) for k in ("device", "device_name", "platform", "torch", "numpy", "python", "git_commit",
                                     "git_dirty", "precision", "torch_threads")}


def reproduce_one(path: Path, results: Path, data_dir: str | None = None, device: str = "auto") -> dict:
    """Re-run the record at ``path`` into ``results`` and compare (one JSON-able entry)."""
    from ganbench.core.config import config_hash
    from ganbench.core.records import read_record
    from ganbench.engine.runner import execute, resolve

    path = Path(path)
    try:
        rec = read_record(path)
    except ValueError as exc:
        raise UserError(f"{path} is not a run record ({exc}): give the .json records to reproduce") from None
    if rec["status"] != "ok":
        raise UserError(f"{path} is a {rec['status']} run: only finished runs have numbers to reproduce")
    results = Path(results)
    if results.resolve() == path.parent.resolve():
        raise UserError(f"--results {results} is the folder of {path}: re-runs go to another folder, never beside "
                        f"the committed records")
    req = _request(rec, results, data_dir, device)
    run = resolve(req)
    here_hash = config_hash(run.cfg, run.task.data_identity(run.cfg))
    if here_hash != rec["config_hash"] or str(run.task.spec.version) != str(rec["task"]["version"]):
        raise UserError(f"{path}: this ganbench resolves its config to hash {here_hash} (task version "
                        f"{run.task.spec.version}), the record says {rec['config_hash']} (version "
                        f"{rec['task']['version']}): not the same run, so nothing to compare")
    t0 = time.perf_counter()
    outcome = execute(req)
    new = outcome.record
    spread = seed_spread(rec, path)
    metrics = {}
    for name, m in rec["metrics"].items():
        old = float(m["value"]) if not isinstance(m["value"], str) else float("nan")
        got = new.get("metrics", {}).get(name, {}).get("value")
        got = float(got) if isinstance(got, (int, float)) else float("nan")
        delta = got - old
        sd = spread.get(name)
        metrics[name] = {"committed": old, "here": got, "delta": delta, "identical": old == got,
                         "seed_std": sd, "delta_over_seed_std": abs(delta) / sd if sd else None,
                         "direction": m["direction"]}
    return {"record": str(path), "run_id": rec["run_id"], "task": rec["task"]["name"],
            "task_version": str(rec["task"]["version"]), "objective": rec["objective"], "tag": rec.get("tag"),
            "seed": rec["seed"], "config_hash": rec["config_hash"], "status_here": new["status"],
            "action": outcome.action, "seconds": round(time.perf_counter() - t0, 1),
            "rerun_record": str(outcome.record_path),
            "committed_on": _machine(rec.get("provenance")), "here": _machine(new.get("provenance")),
            "metrics": metrics}


def _finite(x):
    """JSON has no NaN: a non-finite number is written as null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def reproduce(paths: list[str], results: str | Path, out: str | Path | None = None, data_dir: str | None = None,
              device: str = "auto", log=print) -> dict:
    """Every record of ``paths``; the report (schema :data:`SCHEMA`) is written to ``out`` if given."""
    from ganbench.core.atomic import atomic_write_text

    if not paths:
        raise UserError("give the run records to reproduce: ganbench reproduce results/toy/toy-ring8__ns__s0.json ...")
    entries = []
    for p in paths:
        entry = reproduce_one(Path(p), Path(results), data_dir, device)
        entries.append(entry)
        log(f"{entry['run_id']}: {entry['action']} in {entry['seconds']} s on {entry['here']['device_name']} "
            f"(committed on {entry['committed_on']['device_name']})")
        for name, m in entry["metrics"].items():
            rel = f", {m['delta_over_seed_std']:.2g} seed std" if m["delta_over_seed_std"] is not None else ""
            log(f"  {name}: {m['committed']:.6g} -> {m['here']:.6g} (Δ {m['delta']:+.3g}{rel})"
                + (" identical" if m["identical"] else ""))
    report = {"schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": entries}
    if out:
        atomic_write_text(Path(out), json.dumps(_finite(report), indent=2, allow_nan=False) + "\n")
    return report
