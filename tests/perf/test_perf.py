"""The speed scripts still run, as README says to run them, and still print their ratio against the
reference implementation timed in the same run. Small sizes: this checks the scripts, not the speed
(run them at their default sizes for the numbers). Marked ``perf``: run with ``pytest -m perf``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ganbench.core.data import DataLocator

pytestmark = pytest.mark.perf
REPO = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str, timeout: int = 600) -> str:
    """``python tests/perf/<script>.py ARGS`` from the repository root (README's command)."""
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    done = subprocess.run([sys.executable, f"tests/perf/{script}.py", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _need_local(*specs) -> None:
    """Skip unless the files are on disk already: a perf run must not start a download."""
    roots = DataLocator().roots
    missing = [s.relpath for s in specs if not any((r / s.relpath).is_file() for r in roots)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} under GANBENCH_DATA or the cache")


def test_bench_frechet_prints_values_and_ratio():
    out = _run("bench_frechet", "--dim", "64", "--n", "200", "--repeats", "1")
    ours = float(re.search(r"ours \(eigvalsh\)\s+: (\S+)", out).group(1))
    ref = float(re.search(r"scipy sqrtm path\s+: (\S+)", out).group(1))
    assert ours == pytest.approx(ref, rel=1e-6)
    assert re.search(r"relative difference \S+; speed-up x\d+\.\d", out), out


def test_bench_bleu_prints_ratios_against_nltk_and_fast_bleu():
    from ganbench.tasks.text_coco import Coco

    _need_local(Coco.train_file, Coco.test_file)
    out = _run("bench_bleu", "--n", "300", "--nltk-subset", "8")
    assert "300 hypotheses" in out
    assert re.search(r"speed-up vs NLTK: BLEU x[\d,]+, Self-BLEU x[\d,]+", out), out
    diffs = [float(x) for x in re.findall(r"max \|ours - NLTK\| BLEU (\S+), Self-BLEU (\S+)\)", out)[0]]
    assert max(diffs) < 1e-9  # the same scores as the reference it is timed against
    if "fast-bleu not installed" not in out:
        assert re.search(r"speed-up vs fast-bleu: BLEU x\d+\.\d, Self-BLEU x\d+\.\d", out), out


def test_bench_moses_prints_a_ratio_per_metric_group():
    from ganbench.domains.molecule.moses_data import TEST, TEST_SF, TRAIN

    _need_local(TRAIN, TEST, TEST_SF)
    out = _run("bench_moses", "--n", "200", "--ref-n", "300", "--reference-sample", "20", "--threads", "1")
    for group in ("parse + per-molecule features", "snn_test", "snn_testsf", "intdiv + intdiv2",
                  "fcd_test (gen activations)"):
        assert re.search(rf"^{re.escape(group)}\s+[\d.]+ s\s+[\d.]+ s.*\s[\d.]+x\s", out, re.M), out
    assert re.search(r"^every metric except FCD\s+[\d.]+ s", out, re.M), out


def test_bench_trainer_prints_steps_images_and_ratios():
    pytest.importorskip("torch_fidelity")
    out = _run("bench_trainer", "--device", "cpu", "--steps", "40", "--repeats", "1", "--images", "4", "--batch", "2")
    hand = float(re.search(r"hand-written loop :\s+([\d.]+) steps/s", out).group(1))
    ours = float(re.search(r"ganbench trainer  :\s+([\d.]+) steps/s", out).group(1))
    assert hand > 0 and ours > 0 and re.search(r"ratio trainer/hand: \d+\.\d{3}x", out), out
    assert re.search(r"torch-fidelity extractor:\s+[\d.]+ images/s", out), out
    assert re.search(r"ganbench inception-v3   :\s+[\d.]+ images/s", out), out
    diff, scale = map(float, re.search(r"max \|feature difference\| (\S+) \(of max \|feature\| (\S+)\)", out).groups())
    assert scale > 0 and diff <= 1e-5 * scale  # the same network on the same images: equal features
