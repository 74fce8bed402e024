"""The GPU check: train, score and time ganbench on whatever device this machine has.

Run: ``python tests/perf/gpu_check.py [--device auto] [--task image/cifar10] [--steps 2000]
[--out results/gpu_check.txt]`` (CIFAR-10 under ``$GANBENCH_DATA``). It runs, on the device
``--device`` resolves to (``auto``: CUDA, then MPS, then the CPU):

1. a DCGAN run with the non-saturating loss (``--objective ns``), ``--steps`` steps;
2. an SN-hinge run (``--objective hinge --set spectral_norm=true``), as many steps;
3. each run's FID (and the task's other metrics) with the task's domain classifier, which the
   runner computes at the end of a run (the record's ``metrics``), and its training steps/s;
4. ``tests/perf/bench_trainer.py --device ...``: trainer steps/s against a hand-written loop and
   Inception images/s against torch-fidelity's extractor, with their ratios.

Everything printed is also written to ``--out``. The published check is 2,000 steps on one GPU
(under 10 minutes); ``--steps 20 --task image/digits`` proves the script end to end on a CPU in
a minute. The runs' records go to a scratch folder (``--work``), never into ``results/``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Tee:
    """Print to the terminal and keep every line for the output file."""

    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def run_cli(args: list[str], say: Tee) -> int:
    """One ``ganbench`` command in a child process (as a user runs it); its output is kept."""
    cmd = [sys.executable, "-m", "ganbench.cli", *args]
    say("$ ganbench " + " ".join(args))
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    for line in (proc.stdout + proc.stderr).strip().splitlines():
        say("  " + line)
    return proc.returncode


def summarize(record_path: Path, say: Tee) -> None:
    rec = json.loads(record_path.read_text())
    prov = rec.get("provenance", {})
    steps, wall = rec["steps"]["completed"], rec.get("wall_time_s") or 0.0
    rate = f"{steps / wall:.1f} steps/s" if wall else "?"
    say(f"  {rec['run_id']}: {rec['status']}, {steps} steps in {wall:.1f}s ({rate}), eval {rec.get('eval_time_s')}s, "
        f"on {prov.get('device')} ({prov.get('device_name')}), {prov.get('precision')}, "
        f"deterministic={prov.get('deterministic')}")
    for name, m in rec.get("metrics", {}).items():
        extra = f" (extractor {m['extractor']})" if isinstance(m, dict) and m.get("extractor") else ""
        say(f"    {name} = {m.get('value') if isinstance(m, dict) else m}{extra}")
    if rec.get("error"):
        say(f"    error: {rec['error']}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    p.add_argument("--task", default="image/cifar10", help="an image task (default image/cifar10)")
    p.add_argument("--steps", type=int, default=2000, help="training steps of each run (default 2000)")
    p.add_argument("--bench-steps", type=int, default=None, help="steps of the trainer benchmark (default: --steps)")
    p.add_argument("--images", type=int, default=256, help="images of the Inception benchmark (0 skips it)")
    p.add_argument("--out", default=str(ROOT / "results" / "gpu_check.txt"), help="where the output goes")
    p.add_argument("--work", default=None, help="folder for the runs' records (default: a temporary folder)")
    args = p.parse_args(argv)

    import torch

    from ganbench.core.device import device_facts, resolve_device

    device = resolve_device(args.device)
    say = Tee()
    facts = device_facts(device)
    say(f"# ganbench GPU check, {time.strftime('%Y-%m-%d %H:%M:%S')}")
    say(f"device {facts['device']} ({facts['device_name']}, capability {facts['device_capability']}), "
        f"torch {torch.__version__}, CUDA {facts['cuda']}, cuDNN {facts['cudnn']}")
    say(f"task {args.task}, {args.steps} steps per run")
    t0 = time.perf_counter()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        runs = [("dcgan-ns", ["--objective", "ns"]),
                ("dcgan-sn-hinge", ["--objective", "hinge", "--set", "spectral_norm=true", "--tag", "sn"])]
        for label, extra in runs:
            say()
            say(f"## {label}")
            code = run_cli(["run", args.task, *extra, "--steps", str(args.steps), "--device", str(device),
                            "--results", str(work), "--no-table", "--no-progress"], say)
            failed += code != 0
            objective = extra[1]
            tag = "__sn" if "--tag" in extra else ""
            found = sorted(work.glob(f"*__{objective}__s0{tag}.json"))
            for path in found:
                summarize(path, say)
        say()
        say("## throughput: trainer vs a hand-written loop, Inception vs torch-fidelity")
        bench = [sys.executable, str(ROOT / "tests" / "perf" / "bench_trainer.py"), "--device", str(device),
                 "--task", args.task, "--steps", str(args.bench_steps or args.steps), "--images", str(args.images)]
        say("$ python tests/perf/bench_trainer.py " + " ".join(bench[2:]))
        proc = subprocess.run(bench, capture_output=True, text=True, cwd=ROOT)
        for line in (proc.stdout + proc.stderr).strip().splitlines():
            say("  " + line)
        failed += proc.returncode != 0
    say()
    say(f"total {time.perf_counter() - t0:.0f}s, {'all steps ok' if not failed else f'{failed} step(s) failed'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(say.lines) + "\n")
    print(f"wrote {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
