"""Quality-diversity curves: the task's metrics at a fixed grid of sampling temperatures.

Caccia et al. ("Language GANs Falling Short", ICLR 2020) showed that comparing text GANs with
MLE at temperature 1 alone rewards GANs for merely lowering their entropy: an MLE model sampled
at temperature < 1 reaches the same quality. So we score every trained generator along a fixed
temperature grid, the temperature dividing the logits for sampling *and* for ``nll_test``, and
record one point per temperature: (nll_oracle, nll_test) on oracle tasks, (bleu5, self_bleu5)
and nll_test on corpora. A method beats MLE only if its curve lies beyond MLE's.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

TEMPERATURES = (0.7, 0.85, 1.0, 1.15, 1.3)


def temperature_sweep(task, G, metric_names: Iterable[str], n: int, seed: int,
                      temperatures: Sequence[float] = TEMPERATURES) -> dict[str, Any]:
    """{"temperatures", "n_samples", "seed", "points": [{"temperature", metric: value, ...}]}."""
    from ganbench.core.device import module_device, seeded_generator
    from ganbench.engine.evaluator import evaluate_samples

    names = list(metric_names)
    device = module_device(G)  # sampled and scored where the generator lives
    points = []
    for temperature in temperatures:
        with G.temperature_scaled(temperature):
            raw = task.sample(G, n, seeded_generator(device, int(seed)))
            values = evaluate_samples(task, task.decode(raw), names, {"generator": G}, device=device)
        points.append({"temperature": float(temperature), **{k: v.value for k, v in values.items()}})
    return {"temperatures": [float(t) for t in temperatures], "n_samples": int(n), "seed": int(seed),
            "metrics": names, "how": "temperature divides the generator's logits for sampling and for nll_test",
            "points": points}


def load_curves(records, results_dir) -> dict[str, list[dict]]:
    """{objective: [sweep dict, one per run]} from run records that have a quality_diversity artifact."""
    import json
    from pathlib import Path

    curves: dict[str, list[dict]] = {}
    for rec in records:
        rel = (rec.get("artifacts") or {}).get("quality_diversity")
        path = Path(results_dir) / rel if rel else None
        if path is None or not path.is_file():
            continue
        label = rec["objective"] + (f" [{rec['tag']}]" if rec.get("tag") else "")
        curves.setdefault(label, []).append(json.loads(path.read_text()))
    return curves


def plot_curves(curves: dict[str, list[dict]], x: str, y: str, out_path, title: str = "") -> None:
    """One line per run (colour per method) through its temperature points, x vs y; PNG/SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, sweeps) in enumerate(sorted(curves.items())):
        for j, sweep in enumerate(sweeps):
            pts = [p for p in sweep["points"] if x in p and y in p]
            ax.plot([p[x] for p in pts], [p[y] for p in pts], "-o", ms=3, color=colours[i % len(colours)],
                    alpha=0.85, label=label if j == 0 else None)
            for p in pts:
                if p["temperature"] in (min(sweep["temperatures"]), 1.0, max(sweep["temperatures"])):
                    ax.annotate(f"T={p['temperature']:g}", (p[x], p[y]), fontsize=6, alpha=0.7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"quality-diversity: {y} vs {x} over sampling temperature", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_path, dpi=130)
    plt.close(fig)


def main(argv=None) -> int:
    """``python -m ganbench.domains.sequence.quality_diversity --results DIR --task NAME --x M --y M --out FILE``."""
    import argparse

    from ganbench.core.records import load_records

    ap = argparse.ArgumentParser(description="plot the temperature sweeps of a results folder")
    ap.add_argument("--results", required=True)
    ap.add_argument("--task", required=True)
    ap.add_argument("--x", required=True, help="metric on the x axis (e.g. nll_test, self_bleu5)")
    ap.add_argument("--y", required=True, help="metric on the y axis (e.g. nll_oracle, bleu5)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    records = [r for r in load_records(args.results).records if r["task"]["name"] == args.task and r["status"] == "ok"]
    curves = load_curves(records, args.results)
    if not curves:
        print(f"no quality_diversity artifacts for {args.task} under {args.results}")
        return 1
    plot_curves(curves, args.x, args.y, args.out, title=f"{args.task}: {args.y} vs {args.x}, temperature sweep")
    print(f"wrote {args.out} ({sum(len(v) for v in curves.values())} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
