"""A plan is counted before it is built, and every number a user types is checked when the run is
configured (issue 24).

Seeds (``--seeds 0-1000000000``), sweep grids (10^6 points, axes shared through YAML aliases) and
YAML alias trees ("billion laughs") are bounded before anything is expanded: one line, exit 2, in
seconds and without memory growth. A dry run lists its runs as it classifies them. Sizes that no
machine could build (``g_hidden=1e23``, ``batch_size=1e8``, ``threads=1000``) are refused at
configuration time; a run that still finds no memory for its nets is one line and no record. The
API refuses non-integer seeds and step counts instead of truncating them.

The cases that would eat memory on a build without the bounds run in a child process with an
address-space limit and a timeout, so a regression fails the test instead of the machine.
"""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from ganbench.cli import main
from ganbench.core.errors import UserError
from ganbench.engine.planning import MAX_RUNS, parse_seeds

NETS = ["--set", "g_hidden=8", "--set", "g_layers=1", "--set", "d_hidden=8", "--set", "d_layers=1"]
QUIET = ["--no-table", "--no-progress"]
SMOKE = "set: {g_hidden: 8, g_layers: 1, d_hidden: 8, d_layers: 1}\n"


def limited(argv, tmp_path, timeout=90, memory_gb=6):
    """``ganbench ARGV`` in a child with at most ``memory_gb`` of address space: (exit code or None on
    timeout, stderr, seconds)."""
    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_gb << 30, memory_gb << 30))

    env = {**os.environ, "GANBENCH_CACHE": str(tmp_path / "cache"), "CI": "true"}
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "ganbench.cli", *argv], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=limit, cwd=tmp_path, env=env)
    except subprocess.TimeoutExpired as exc:
        return None, (exc.stderr or b"").decode() if isinstance(exc.stderr, bytes) else (exc.stderr or ""), timeout
    return proc.returncode, proc.stderr, time.perf_counter() - start


def refused_quickly(result, needle, seconds=60):
    code, err, took = result
    assert code == 2, (code, err[-2000:])
    assert err.startswith("ganbench: error:") and err.count("\n") == 1, err[-2000:]
    assert needle in err, err
    assert took < seconds, took


# --- seeds ------------------------------------------------------------------------------------------
def test_huge_seed_range_is_refused_before_it_is_expanded(tmp_path):
    refused_quickly(limited(["run", "toy/ring8", "--seeds", "0-1000000000", "--results", "R"], tmp_path),
                    f"at most {MAX_RUNS:,}")


def test_seed_specs_are_counted_not_expanded():
    with pytest.raises(UserError, match="20,001 seeds"):  # (0-1000000000 runs in a child above)
        parse_seeds("0-20000")
    with pytest.raises(UserError, match="seeds"):
        parse_seeds(["0-6000", "7000-14000"])  # each range under the bound, together over it
    assert parse_seeds(f"0-{MAX_RUNS - 1}") == list(range(MAX_RUNS))
    assert parse_seeds("5-7,9") == [5, 6, 7, 9]


# --- sweep files ------------------------------------------------------------------------------------
def laughs(depth: int = 9, width: int = 10) -> str:
    """A YAML flow list of ``width ** (depth + 1)`` leaves written in a few hundred bytes ("billion laughs")."""
    node = "&a0 [" + ", ".join(["x"] * width) + "]"
    for i in range(1, depth + 1):
        node = f"&a{i} [" + ", ".join([node] + [f"*a{i - 1}"] * (width - 1)) + "]"
    return node


def _sweep(tmp_path, text):
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("where", ["tasks: BOMB\nobjectives: [ns]\n", "tasks: [toy/ring8]\nset: {g_hidden: BOMB}\n",
                                   "tasks: [toy/ring8]\ngrid: {lr_g: BOMB}\n"])
def test_yaml_alias_bomb_is_refused(tmp_path, where):
    path = _sweep(tmp_path, "seeds: 0\nsteps: 2\n" + where.replace("BOMB", laughs()))
    assert path.stat().st_size < 4096
    refused_quickly(limited(["sweep", str(path), "--dry-run", "--results", "R"], tmp_path), "alias")


def test_aliased_grid_axes_are_counted_before_they_are_built(tmp_path):
    axes = "grid:\n  lr_g: &v [" + ", ".join(f"{i}.0e-4" for i in range(1, 21)) + "]\n" + "".join(
        f"  {k}: *v\n" for k in ("lr_d", "beta1", "beta2", "ema", "gp_weight"))
    path = _sweep(tmp_path, "tasks: [toy/ring8]\nseeds: 0\nsteps: 2\n" + axes)
    refused_quickly(limited(["sweep", str(path), "--dry-run", "--results", "R"], tmp_path), "64,000,000")


def test_million_point_grid_dry_run_refuses_at_once(tmp_path):
    axes = "grid:\n" + "".join(f"  {k}: [{', '.join(str(i + 1) for i in range(10))}]\n"
                               for k in ("g_hidden", "d_hidden", "latent_dim", "n_dis", "g_layers", "d_layers"))
    path = _sweep(tmp_path, "tasks: [toy/ring8]\nseeds: 0\nsteps: 2\n" + axes)
    refused_quickly(limited(["sweep", str(path), "--dry-run", "--results", "R"], tmp_path), "1,000,000", seconds=30)


def test_plan_over_the_bound_counts_tasks_objectives_points_and_seeds(tmp_path, capsys):
    path = _sweep(tmp_path, "tasks: [toy/ring8, toy/grid25]\nobjectives: [ns, hinge]\nseeds: 0-2999\nsteps: 2\n"
                  "grid: {lr_g: [1.0e-4, 2.0e-4]}\n")
    assert main(["sweep", str(path), "--dry-run", "--results", str(tmp_path / "R")]) == 2
    err = capsys.readouterr().err
    assert "24,000 runs" in err and f"at most {MAX_RUNS:,}" in err and err.count("\n") == 1


def test_dry_run_lists_runs_as_it_classifies_them(tmp_path, capsys, monkeypatch):
    """The header and the first lines come before the last run is classified (a lazy plan)."""
    from ganbench.engine import runner

    path = _sweep(tmp_path, "tasks: [toy/ring8]\nseeds: 0-3\nsteps: 2\n" + SMOKE)
    printed_before = []
    real = runner.resolve

    def spy(req):
        printed_before.append(capsys.readouterr().out)
        return real(req)

    monkeypatch.setattr(runner, "resolve", spy)
    assert main(["sweep", str(path), "--dry-run", "--results", str(tmp_path / "R")]) == 0
    seen = "".join(printed_before)
    assert "4 runs" in printed_before[0] and seen.count("would run") == 3


def test_oversized_sweep_file_is_refused(tmp_path):
    path = _sweep(tmp_path, "tasks: [toy/ring8]\n# " + "x" * (2 << 20) + "\n")
    refused_quickly(limited(["sweep", str(path), "--dry-run", "--results", "R"], tmp_path), "MB")


# --- the API takes integers only ------------------------------------------------------------------
SMALL = {"g_hidden": 8, "g_layers": 1, "d_hidden": 8, "d_layers": 1}


@pytest.mark.parametrize("kwargs, needle", [({"seeds": [1.5]}, "seed 1.5"), ({"seeds": 1.5}, "seed 1.5"),
                                            ({"seeds": [True]}, "seed True"), ({"seeds": ["1"]}, "seed '1'"),
                                            ({"steps": 5.5}, "steps 5.5"), ({"steps": "5"}, "steps '5'"),
                                            ({"steps": True}, "steps True")])
def test_api_run_refuses_non_integer_seeds_and_steps(tmp_path, kwargs, needle):
    import ganbench

    args = {"seeds": [0], "steps": 2, **kwargs}
    with pytest.raises(UserError, match=needle.replace("(", r"\(")):
        ganbench.run("toy/ring8", "ns", overrides=SMALL, results=tmp_path / "R", **args)
    assert not (tmp_path / "R").exists() or not list((tmp_path / "R").glob("*.json"))


def test_api_run_takes_numpy_integers(tmp_path):
    import ganbench

    recs = ganbench.run("toy/ring8", "ns", seeds=np.arange(1, 2), steps=np.int64(2), overrides=SMALL,
                        results=tmp_path / "R")
    assert [r["seed"] for r in recs] == [1] and recs[0]["steps"]["completed"] == 2


# --- sizes no machine builds are refused at configuration time --------------------------------------
def test_absurd_sizes_are_refused_when_configured(tmp_path):
    """The issue's case end to end (a child: without the bound it would allocate gigabytes)."""
    refused_quickly(limited(["run", "toy/ring8", "--steps", "2", "--set", "batch_size=1e8", *QUIET, "--results", "R"],
                            tmp_path), "batch_size must be")
    assert not (tmp_path / "R").exists() or not list((tmp_path / "R").glob("*.json"))


@pytest.mark.parametrize("key, value", [("g_hidden", 1e23), ("threads", 1000), ("latent_dim", 10**12),
                                        ("g_layers", 10**8), ("n_dis", 10**9), ("steps", 10**12), ("batch_size", 10**8)])
def test_size_bounds_at_configuration(key, value):
    """Resolving the config refuses them (nothing is built or trained here)."""
    from ganbench.core import config as config_mod
    from ganbench.objectives import build_objective
    from ganbench.tasks import TASKS

    with pytest.raises(UserError, match=f"{key} must be"):
        config_mod.resolve(TASKS.get("toy/ring8").spec, build_objective("ns"), {key: value})


def test_the_committed_records_configs_are_in_range():
    """Every committed record's config passes today's ranges (no bound is tighter than what ran)."""
    import json
    from pathlib import Path

    from ganbench.core.config import check_ranges

    root = Path(__file__).resolve().parents[1] / "results"
    seen = 0
    for path in root.rglob("*.json"):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and str(data.get("schema", "")).startswith("ganbench.run/"):
            check_ranges(data["config"])
            seen += 1
    assert seen > 100


def test_out_of_memory_building_the_nets_is_one_line_and_no_record(tmp_path, capsys, monkeypatch):
    from ganbench.domains.toy.task import GaussianMixtureTask as ToyTask

    def no_memory(self, cfg):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: "
                           "you tried to allocate 68719476736 bytes.")

    monkeypatch.setattr(ToyTask, "build_models", no_memory)
    code = main(["run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", str(tmp_path / "R")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not enough memory" in err and "batch_size" in err, err
    assert not list((tmp_path / "R").glob("*.json"))
