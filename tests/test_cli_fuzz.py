"""Fuzz the CLI: random argument lists and random sample files against run, eval, report and sweep.

Whatever a user types, ``ganbench`` answers with exit code 0 (did it), 1 (a run it recorded as
failed) or 2 (one line saying what to fix): never a traceback, never a file written outside the
results folder (and the outputs the user named), never a change to a record already there.
Runs are kept tiny (a few steps of toy/ring8 at smoke size) so many examples fit in seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganbench.core.records import DEFAULT_RESULTS
from ganbench.cli import main

TINY = ["--set", "g_hidden=8", "--set", "g_layers=1", "--set", "d_hidden=8", "--set", "d_layers=1",
        "--set", "batch_size=16"]
HOSTILE = ["x/../../victim", "../up", "/tmp/abs", "a\\b", "t\x00ab", "é", "..", ".", "", " ", "-", "--x", "%2F",
           "a" * 300, "nan", "inf", "-1", "0", "3-1", ",", "1e400", "null", "[1,2]", "{}", "true"]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
KEYS = ["lr_g", "lr_d", "batch_size", "n_dis", "ema", "steps", "beta1", "g_arch", "d_arch", "threads", "nope", ""]


def _tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@st.composite
def run_args(draw):
    args = ["run", "toy/ring8"] if draw(st.booleans()) else ["run", draw(TEXT)]
    args += ["--steps", str(draw(st.integers(-2, 4)))] if draw(st.booleans()) else ["--steps", "2"]
    for _ in range(draw(st.integers(0, 3))):
        opt = draw(st.sampled_from(["--tag", "--seeds", "-o", "--set", "--budget", "--results", "--data-dir", "--device"]))
        if opt == "--set":
            args += ["--set", f"{draw(st.sampled_from(KEYS))}={draw(TEXT)}"]
        elif opt == "--results":
            args += ["--results", "results/" + draw(st.text(alphabet="abc", min_size=1, max_size=3))]
        elif opt == "--seeds":
            args += ["--seeds", draw(st.one_of(TEXT, st.sampled_from(["0", "1", "0,1"])))]
        elif opt == "-o":
            args += ["-o", draw(st.one_of(TEXT, st.sampled_from(["ns", "hinge", "mle"])))]
        else:
            args += [opt, draw(TEXT)]
    return args + TINY + ["--no-progress", "--no-table"]


@st.composite
def other_args(draw, samples: str):
    kind = draw(st.sampled_from(["eval", "report", "sweep", "list", "garbage"]))
    if kind == "eval":
        return ["eval", draw(st.sampled_from(["toy/ring8", "toy/grid25"]) | TEXT), "--samples",
                draw(st.sampled_from([samples, "results", "nowhere.npy"]) | TEXT)] + (
            ["--metrics", draw(TEXT)] if draw(st.booleans()) else [])
    if kind == "report":
        return ["report", "--results", draw(st.sampled_from(["results", "results/none"]) | TEXT),
                "--format", draw(st.sampled_from(["md", "csv", "json", "html", "xml"]))] + (
            ["--task", draw(TEXT)] if draw(st.booleans()) else [])
    if kind == "sweep":
        return ["sweep", draw(st.sampled_from(["sweep.yaml", "nowhere.yaml"]) | TEXT), "--dry-run"]
    if kind == "list":
        return ["list"] + (["--json"] if draw(st.booleans()) else [])
    return draw(st.lists(TEXT, max_size=4))


def _call(argv: list[str]) -> int:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return code


class Sandbox:
    """A scratch folder with a results folder holding one real record, a sample file, a sweep file,
    and a neighbour folder that nothing may touch."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="ganbench-fuzz-"))
        (self.root / "outside").mkdir()
        (self.root / "outside" / "log.csv").write_text("keep me\n")
        self.work = self.root / "work"
        self.work.mkdir()
        old = Path.cwd()
        os.chdir(self.work)
        try:
            assert main(["run", "toy/ring8", "--steps", "2", "--results", "results", "--no-progress", "--no-table",
                         *TINY]) == 0
        finally:
            os.chdir(old)
        np.save(self.work / "samples.npy", np.random.default_rng(0).normal(size=(50, 2)))
        (self.work / "sweep.yaml").write_text("tasks: [toy/ring8]\nobjectives: [ns]\nseeds: 0-1\nsteps: 2\n")
        self.records = _tree_digest(self.work / "results")
        self.records = {k: v for k, v in self.records.items() if k.endswith(".json")}
        self.outside = _tree_digest(self.root / "outside")
        self.own = {"samples.npy", "sweep.yaml"}  # what the sandbox itself put beside results/

    def _stray(self) -> list[str]:
        """Files under work/ that are neither in a results folder (the given one, or the default runs/ of a
        command that names none) nor the sandbox's own inputs."""
        out = []
        for p in self.work.rglob("*"):
            rel = p.relative_to(self.work)
            if p.is_file() and rel.parts[0] not in ("results", DEFAULT_RESULTS) and rel.name not in self.own \
                    and not rel.name.startswith("random"):
                out.append(str(rel))
        return out

    def check(self):
        assert _tree_digest(self.root / "outside") == self.outside
        now = _tree_digest(self.work / "results")
        for rel, digest in self.records.items():
            assert now.get(rel) == digest, f"record {rel} changed or vanished"
        for p in self.root.rglob("*"):  # every file written lies under the scratch folder's work/
            assert p.resolve().is_relative_to(self.root.resolve())
        assert sorted(x.name for x in self.root.iterdir()) == ["outside", "work"]
        assert not self._stray(), f"written outside the results folder: {self._stray()}"

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox()
    yield box
    box.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_random_command_lines_exit_cleanly_and_touch_nothing_else(sandbox, data, monkeypatch):
    monkeypatch.chdir(sandbox.work)
    argv = data.draw(st.one_of(run_args(), other_args("samples.npy")))
    code = _call(argv)
    assert code in (0, 1, 2), (argv, code)
    sandbox.check()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=300), suffix=st.sampled_from([".npy", ".npz", ".csv", ".txt", ".png", ""]),
       task=st.sampled_from(["toy/ring8", "text/oracle-tiny", "molecule/moses-small", "image/digits"]))
def test_random_sample_files_are_scored_or_refused_in_one_line(sandbox, monkeypatch, blob, suffix, task):
    monkeypatch.chdir(sandbox.work)
    path = sandbox.work / f"random{suffix}"
    path.write_bytes(blob)
    metrics = {"toy/ring8": "modes_covered", "text/oracle-tiny": "nll_oracle", "molecule/moses-small": "validity",
               "image/digits": "fid"}[task]
    code = _call(["eval", task, "--samples", str(path), "--metrics", metrics])
    assert code in (0, 2)
    sandbox.check()


@pytest.mark.parametrize("argv", [
    ["run", "toy/ring8", "--steps", "2", "--tag", "x/../../victim"],
    ["run", "toy/ring8", "--steps", "2", "--tag", "../../../outside/log"],
    ["run", "toy/ring8", "--steps", "2", "--tag", "/tmp/abs"],
    ["run", "toy/ring8", "--steps", "2", "--set", "lr_d=inf"],
    ["run", "toy/ring8", "--steps", "2", "--seeds", "3-1"],
    ["run", "toy/ring8", "--steps", "2", "-o", ","],
    ["run", "toy/ring8", "--steps", "2", "--budget", "quick"],
    ["run", "toy/ring8", "--steps", "2", "--set", "batch_size=0"],
    ["eval", "toy/ring8", "--samples", "results"],
])
def test_known_hostile_command_lines(sandbox, monkeypatch, argv):
    """The audit's cases, every time (the random test may not draw them)."""
    monkeypatch.chdir(sandbox.work)
    code = _call(argv + ["--results", "results"] * (argv[0] == "run") + (TINY + ["--no-progress", "--no-table"]) * (argv[0] == "run"))
    assert code in (0, 2), (argv, code)
    sandbox.check()
