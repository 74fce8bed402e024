"""What a command writes never replaces what it did not make (issue 24).

``report --out`` and ``eval --out`` refuse a run record (with or without ``--force``), a path inside
a run folder, and any other existing file that is not an earlier output of theirs unless
``--force`` names it replaceable; ``report --format html`` replaces only the page it names. A run
folder, a record path or a file in a run folder that is a symbolic link is refused before training,
so a run never writes through a link. A closed stdout pipe (``ganbench list | head``) ends quietly.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from cli_helpers import NETS, QUIET, one_line_error, run_cli
from ganbench.cli import main

RID = "toy-ring8__ns__s0"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A results folder holding one real run record (and its run folder)."""
    root = tmp_path_factory.mktemp("recorded") / "R"
    assert main(["run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", str(root)]) == 0
    return root


@pytest.fixture
def results(recorded, tmp_path):
    copy = tmp_path / "R"
    shutil.copytree(recorded, copy)
    return copy


def _points(tmp_path):
    from ganbench.tasks import TASKS

    path = tmp_path / "points.npy"
    np.save(path, TASKS.get("toy/ring8")().reference_samples(200))
    return path


# --- report --out / eval --out never replace a record or a file they did not write ------------------
@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_report_out_refuses_a_run_record_even_with_force(capsys, results, fmt):
    record = results / f"{RID}.json"
    before = record.read_bytes()
    for force in ([], ["--force"]):
        code, _, err = run_cli(capsys, "report", "--results", str(results), "--format", fmt, "--out", str(record), *force)
        one_line_error(code, err, "is a run record")
        assert record.read_bytes() == before
    code, out, _ = run_cli(capsys, "report", "--results", str(results))
    assert code == 0 and "toy/ring8" in out


def test_eval_out_refuses_a_run_record_even_with_force(capsys, results, tmp_path):
    record = results / f"{RID}.json"
    before = record.read_bytes()
    for force in ([], ["--force"]):
        code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(_points(tmp_path)), "--out", str(record), *force)
        one_line_error(code, err, "is a run record")
        assert record.read_bytes() == before


@pytest.mark.parametrize("where", ["log.csv", "table.md", "sub/x.md"])
def test_report_never_writes_inside_a_run_folder(capsys, results, where):
    target = results / RID / where
    existed = target.exists()
    before = target.read_bytes() if existed else None
    code, _, err = run_cli(capsys, "report", "--results", str(results), "--out", str(target))
    one_line_error(code, err, "inside the run folder")
    assert (target.read_bytes() if target.exists() else None) == before
    code, _, err = run_cli(capsys, "report", "--results", str(results), "--format", "html", "--out", str(results / RID))
    one_line_error(code, err, "inside the run folder")
    assert not (results / RID / "index.html").exists()


def test_eval_never_writes_inside_a_run_folder(capsys, results, tmp_path):
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(_points(tmp_path)),
                           "--out", str(results / RID / "scores.json"))
    one_line_error(code, err, "inside the run folder")
    assert not (results / RID / "scores.json").exists()


def test_out_refuses_a_users_file_unless_forced(capsys, results, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("my own notes\n")
    code, _, err = run_cli(capsys, "report", "--results", str(results), "--out", str(notes))
    one_line_error(code, err, "--force")
    assert notes.read_text() == "my own notes\n"
    scores = tmp_path / "scores.json"
    scores.write_text('{"mine": 1}\n')
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(_points(tmp_path)), "--out", str(scores))
    one_line_error(code, err, "--force")
    assert scores.read_text() == '{"mine": 1}\n'
    page = tmp_path / "site"
    page.mkdir()
    (page / "index.html").write_text("<html>my site</html>")
    code, _, err = run_cli(capsys, "report", "--results", str(results), "--format", "html", "--out", str(page))
    one_line_error(code, err, "--force")
    assert (page / "index.html").read_text() == "<html>my site</html>"
    # named replaceable: replaced
    assert run_cli(capsys, "report", "--results", str(results), "--out", str(notes), "--force")[0] == 0
    assert notes.read_text().startswith("# ganbench")
    assert run_cli(capsys, "eval", "toy/ring8", "--samples", str(_points(tmp_path)), "--out", str(scores), "--force")[0] == 0
    assert json.loads(scores.read_text())["schema"] == "ganbench.eval/1"


@pytest.mark.parametrize("fmt, name", [("md", "board.md"), ("csv", "board.csv"), ("json", "board.json"),
                                       ("html", "site"), ("html", "page.html")])
def test_an_earlier_output_is_rewritten_without_force(capsys, results, tmp_path, fmt, name):
    """The documented rebuild (``report --out results/LEADERBOARD.md`` again) keeps working."""
    out = tmp_path / name
    assert run_cli(capsys, "report", "--results", str(results), "--format", fmt, "--out", str(out))[0] == 0
    code, _, err = run_cli(capsys, "report", "--results", str(results), "--format", fmt, "--out", str(out))
    assert code == 0, err


def test_eval_out_rewrites_its_own_earlier_output(capsys, tmp_path):
    out = tmp_path / "scores.json"
    pts = _points(tmp_path)
    assert run_cli(capsys, "eval", "toy/ring8", "--samples", str(pts), "--out", str(out))[0] == 0
    assert run_cli(capsys, "eval", "toy/ring8", "--samples", str(pts), "--out", str(out))[0] == 0


def test_html_page_name_leaves_the_folders_index_alone(capsys, results, tmp_path):
    """``--out site/page.html`` writes page.html only: an index.html beside it is not replaced nor moved."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html>my site</html>")
    code, _, err = run_cli(capsys, "report", "--results", str(results), "--format", "html", "--out", str(site / "page.html"))
    assert code == 0, err
    assert (site / "index.html").read_text() == "<html>my site</html>"
    assert "<title>" in (site / "page.html").read_text()
    assert sorted(p.name for p in site.iterdir()) == ["index.html", "page.html"]


# --- symbolic links in a results folder: never written through -------------------------------------
def _run(capsys, results, *extra):
    return run_cli(capsys, "run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", str(results), *extra)


def test_a_symlinked_run_folder_is_refused(capsys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "log.csv").write_text("precious\n")
    results = tmp_path / "R"
    results.mkdir()
    (results / RID).symlink_to(elsewhere, target_is_directory=True)
    code, _, err = _run(capsys, results)
    one_line_error(code, err, "symbolic link")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["log.csv"]
    assert (elsewhere / "log.csv").read_text() == "precious\n"
    assert not (results / f"{RID}.json").exists()


@pytest.mark.parametrize("name", ["log.csv", "evals.jsonl", "samples.png", "checkpoint.pt"])
def test_a_symlink_inside_a_run_folder_is_refused(capsys, tmp_path, name):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    results = tmp_path / "R"
    (results / RID).mkdir(parents=True)
    (results / RID / name).symlink_to(victim)
    code, _, err = _run(capsys, results)
    one_line_error(code, err, "symbolic link")
    assert victim.read_text() == "precious\n"


def test_a_symlinked_record_path_is_refused(capsys, results, tmp_path):
    outside = tmp_path / "outside.json"
    shutil.move(results / f"{RID}.json", outside)
    (results / f"{RID}.json").symlink_to(outside)
    before = outside.read_bytes()
    code, _, err = _run(capsys, results)
    one_line_error(code, err, "symbolic link")
    assert outside.read_bytes() == before and (results / f"{RID}.json").is_symlink()


def test_a_symlinked_results_folder_still_works(capsys, tmp_path):
    """The results folder itself may live elsewhere (a link to a bigger disk): only what is inside is checked."""
    real = tmp_path / "disk"
    real.mkdir()
    (tmp_path / "R").symlink_to(real, target_is_directory=True)
    code, _, err = _run(capsys, tmp_path / "R")
    assert code == 0, err
    assert (real / f"{RID}.json").is_file()


# --- a closed pipe ends quietly ------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["list"], ["list", "--json"]])
def test_closed_stdout_pipe_ends_quietly(argv):
    proc = subprocess.Popen([sys.executable, "-m", "ganbench.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    proc.stdout.close()  # before it writes (importing takes a second): as `| head -0` does
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert err == "", err
    assert code in (0, 141), code
