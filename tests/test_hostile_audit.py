"""Cases found by the issue-24 audit (a new user, beyond the cases the issue lists): each was
silently wrong, lost a record from the reports, or was a traceback or a misleading message before.

Plans: ``--set steps`` against ``--steps``, a YAML key given twice, a results folder inside a run
folder or empty, a data folder that does not exist, a ``--set`` key given twice. Files: samples
that are no regular file, array files that lie about their size, CSV headers, byte-order marks
and compression for point and token files, a damaged ``log.csv`` on resume. The API: counts,
seeds and tags of the wrong type, a string where a list of names goes. Output: warnings on one
line, a plugin's prints kept out of ``list --json``.
"""

import gzip
import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch

import ganbench
from cli_helpers import NETS, QUIET, SMALL, ganbench_child, objective_plugin, one_line_error, run_cli
from ganbench.core.errors import UserError


def _sweep(tmp_path, text, name="sweep.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# --- plans -----------------------------------------------------------------------------------------
def test_set_steps_against_steps_is_refused_not_ignored(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "3", "--set", "steps=5", *NETS, *QUIET,
                           "--results", str(tmp_path / "R"))
    one_line_error(code, err, "steps")
    assert "--set steps" in err and not (tmp_path / "R").exists()
    path = _sweep(tmp_path, "tasks: [toy/ring8]\nsteps: 3\nset: {steps: 5}\n")
    code, _, err = run_cli(capsys, "sweep", str(path), "--dry-run", "--results", str(tmp_path / "R"))
    one_line_error(code, err, "--set steps")


def test_set_steps_alone_still_sets_the_length(tmp_path):
    recs = ganbench.run("toy/ring8", "ns", seeds=0, overrides={**SMALL, "steps": 2}, results=tmp_path / "R")
    assert recs[0]["steps"]["completed"] == 2


def test_yaml_key_given_twice_is_refused(capsys, tmp_path):
    path = _sweep(tmp_path, "tasks: [toy/ring8]\nsteps: 2\ntasks: [toy/grid25]\n")
    code, _, err = run_cli(capsys, "sweep", str(path), "--dry-run", "--results", str(tmp_path / "R"))
    one_line_error(code, err, "'tasks' twice")
    path = _sweep(tmp_path, "tasks: [toy/ring8]\nsteps: 2\nset: {lr_g: 1.0e-4, lr_g: 2.0e-4}\n", "inner.yaml")
    code, _, err = run_cli(capsys, "sweep", str(path), "--dry-run", "--results", str(tmp_path / "R"))
    one_line_error(code, err, "'lr_g' twice")


def test_sweep_file_that_is_a_folder_says_so(capsys, tmp_path):
    code, _, err = run_cli(capsys, "sweep", str(tmp_path), "--dry-run")
    one_line_error(code, err, "is a folder")


def test_results_inside_a_run_folder_is_refused(capsys, tmp_path):
    results = tmp_path / "R"
    assert run_cli(capsys, "run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", str(results))[0] == 0
    nested = results / "toy-ring8__ns__s0" / "nested"
    code, _, err = run_cli(capsys, "run", "toy/grid25", "--steps", "2", *NETS, *QUIET, "--results", str(nested))
    one_line_error(code, err, "inside the run folder")
    assert not nested.exists()
    path = _sweep(tmp_path, "tasks: [toy/grid25]\nsteps: 2\n")
    code, _, err = run_cli(capsys, "sweep", str(path), "--dry-run", "--results", str(nested))
    one_line_error(code, err, "inside the run folder")


def test_empty_results_folder_name_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", "")
    one_line_error(code, err, "--results")
    assert list(tmp_path.iterdir()) == []


def test_a_data_folder_that_does_not_exist_is_refused(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", str(tmp_path / "R"),
                           "--data-dir", str(tmp_path / "nope"))
    one_line_error(code, err, "does not exist")
    pts = tmp_path / "p.npy"
    np.save(pts, np.zeros((10, 2)))
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(pts), "--data-dir", str(pts))
    one_line_error(code, err, "not a folder")


# --- files -------------------------------------------------------------------------------------------
def test_samples_that_are_not_regular_files(capsys, tmp_path):
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", "/dev/zero")
    one_line_error(code, err, "not a regular file")
    fifo = tmp_path / "fifo.npy"
    os.mkfifo(fifo)
    code, _, err = run_cli(capsys, "eval", "molecule/moses-small", "--samples", str(fifo))
    one_line_error(code, err, "not a regular file")


def _npy_claiming(path, rows):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, 2), }" % rows
    header = header + " " * (118 - len(header)) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64)
    return path


def test_array_files_that_lie_about_their_size(capsys, tmp_path):
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(_npy_claiming(tmp_path / "h.npy", 10**12)))
    one_line_error(code, err, "truncated")
    (tmp_path / "empty.npy").write_bytes(b"")
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(tmp_path / "empty.npy"))
    one_line_error(code, err, "is empty")


def test_an_npz_that_inflates_past_the_bound_is_refused(tmp_path, monkeypatch):
    from ganbench.core import sample_files

    monkeypatch.setattr(sample_files, "MAX_ARRAY_BYTES", 1 << 20)
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        buf = io.BytesIO()
        np.save(buf, np.zeros((200_000, 2)))  # 3.2 MB of zeros in a few kB
        z.writestr("arr_0.npy", buf.getvalue())
    assert path.stat().st_size < 100_000
    with pytest.raises(UserError, match="more than 1 MB"):
        ganbench.evaluate("toy/ring8", path)


@pytest.mark.parametrize("name, content", [
    ("header.csv", b"x,y\n0.5,0\n0,1\n"),
    ("bom.csv", b"\xef\xbb\xbf0.5,0\n0,1\n"),
    ("bomheader.csv", b"\xef\xbb\xbfx,y\n0.5,0\n0,1\n"),
    ("points.csv.gz", gzip.compress(b"0.5,0\n0,1\n", mtime=0)),
    ("points.txt.gz", gzip.compress(b"0.5 0\n0 1\n", mtime=0)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_point_tables_as_users_save_them(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    plain = tmp_path / "plain.npy"
    np.save(plain, np.array([[0.5, 0.0], [0.0, 1.0]]))
    assert dict(ganbench.evaluate("toy/ring8", path)) == dict(ganbench.evaluate("toy/ring8", plain))


def test_token_files_with_a_byte_order_mark_or_compressed(tmp_path):
    task = ganbench.load_task("text/oracle-tiny")
    ids = task.reference_samples(30)
    text = "\n".join(" ".join(map(str, row.tolist())) for row in ids) + "\n"
    for name, data in (("plain.txt", text.encode()), ("bom.txt", b"\xef\xbb\xbf" + text.encode()),
                       ("ids.txt.gz", gzip.compress(text.encode()))):
        (tmp_path / name).write_bytes(data)
        assert torch.equal(task.load_samples(tmp_path / name), ids), name


def test_sentence_files_with_a_byte_order_mark_or_in_utf16(tmp_path):
    from ganbench.domains.text.corpus import read_lines

    text = "the cat sat\non the mat\n"
    (tmp_path / "plain.txt").write_text(text)
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    assert read_lines(tmp_path / "bom.txt") == read_lines(tmp_path / "utf16.txt") == read_lines(tmp_path / "plain.txt")
    assert read_lines(tmp_path / "bom.txt")[0].split()[0] == "the"  # not "\ufeffthe", an unknown word


def test_cache_variable_that_is_a_file_or_has_a_tilde(tmp_path, monkeypatch):
    from ganbench.core.data import cache_root

    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "file"))
    with pytest.raises(UserError, match="a file, not a folder"):
        cache_root()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GANBENCH_CACHE", "~/gb-cache")  # quoted in a .env file: the shell did not expand it
    assert cache_root() == tmp_path / "gb-cache"


def test_a_damaged_log_on_resume_is_one_line_not_a_failed_run(capsys, tmp_path):
    from ganbench.engine import runner
    from ganbench.engine.planning import RunRequest
    from ganbench.engine.trainer import train

    results = tmp_path / "R"
    req = RunRequest("toy/ring8", "ns", 0, results, steps=6, overrides={**SMALL, "checkpoint_every": 2})
    run = runner.resolve(req)
    train(run.task, run.objective, run.cfg, 0, run.run_dir, progress=False, stop_after=2)
    for damaged in ("step,loss_d\nabc,1\n", "garbage,,,\n1,2,3,4\n"):
        (run.run_dir / "log.csv").write_text(damaged)
        code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "6", "--set", "checkpoint_every=2", *NETS, *QUIET,
                               "--results", str(results))
        one_line_error(code, err, "log.csv")
        assert not list(results.glob("*.json"))


# --- the API -----------------------------------------------------------------------------------------
class Points:
    def sample(self, n, rng):
        return torch.zeros(n, 2)


@pytest.mark.parametrize("kwargs, needle", [({"n": 2.5}, "n 2.5"), ({"n": "10"}, "n '10'"), ({"n": True}, "n True"),
                                            ({"n": 10, "seed": 1.5}, "seed 1.5"), ({"n": 10, "seed": "a"}, "seed 'a'")])
def test_evaluate_takes_integer_counts_and_seeds(kwargs, needle):
    with pytest.raises(UserError, match=needle):
        ganbench.evaluate("toy/ring8", generator=Points(), **kwargs)


def test_evaluate_argument_types():
    pts = np.zeros((20, 2))
    with pytest.raises(UserError, match="n="):
        ganbench.evaluate("toy/ring8", pts, n=5)  # n counts draws from a generator
    assert list(ganbench.evaluate("toy/ring8", pts, metrics="modes_covered")) == ["modes_covered"]
    assert list(ganbench.evaluate("toy/ring8", pts, metrics="modes_covered,mode_kl")) == ["modes_covered", "mode_kl"]
    for task in (None, 123):
        with pytest.raises(UserError, match="task"):
            ganbench.evaluate(task, pts)


def test_run_argument_types(tmp_path):
    with pytest.raises(UserError, match="overrides"):
        ganbench.run("toy/ring8", "ns", seeds=0, steps=2, overrides=[("lr_g", 1)], results=tmp_path / "R")
    with pytest.raises(UserError, match="results"):
        ganbench.run("toy/ring8", "ns", seeds=0, steps=2, overrides=SMALL, results=None)
    with pytest.raises(UserError, match="tag 5"):
        ganbench.run("toy/ring8", "ns", seeds=0, steps=2, overrides=SMALL, tag=5, results=tmp_path / "R")
    assert not (tmp_path / "R").exists() or not list((tmp_path / "R").glob("*.json"))


def test_leaderboard_takes_one_task_name_as_a_string(tmp_path):
    ganbench.run("toy/ring8", "ns", seeds=0, steps=2, overrides=SMALL, results=tmp_path / "R")
    assert list(ganbench.leaderboard(tmp_path / "R", tasks="toy/ring8")) == ["toy/ring8"]
    assert list(ganbench.leaderboard(tmp_path / "R", tasks=["toy/ring8"])) == ["toy/ring8"]


def test_a_json_report_kept_in_the_results_folder_is_no_warning(capsys, tmp_path):
    results = tmp_path / "R"
    assert run_cli(capsys, "run", "toy/ring8", "--steps", "2", *NETS, *QUIET, "--results", str(results))[0] == 0
    assert run_cli(capsys, "report", "--results", str(results), "--format", "json", "--out", str(results / "board.json"))[0] == 0
    code, out, err = run_cli(capsys, "report", "--results", str(results))
    assert code == 0 and "board.json" not in err, err
    (results / "notes.json").write_text('{"mine": 1}')  # a file that is not ganbench's is still named
    code, out, err = run_cli(capsys, "report", "--results", str(results))
    assert code == 0 and "notes.json" in err


# --- output ------------------------------------------------------------------------------------------


def test_warnings_are_one_line(tmp_path):
    """A warning on stderr is one line like every other message (no source line under it)."""
    plugin = objective_plugin(tmp_path / "warns.py", "warns", "import warnings\nwarnings.warn("
                              "'reference statistics x.npz has no checksum;\\nrecomputing them', RuntimeWarning)")
    out = ganbench_child(["--plugin", plugin, "list", "--json"], {}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "ganbench: warning: reference statistics x.npz has no checksum;\\nrecomputing them\n", out.stderr


def test_a_plugin_that_prints_does_not_break_list_json(tmp_path):
    plugin = objective_plugin(tmp_path / "chatty.py", "chatty", "print('hello from a plugin')")
    out = ganbench_child(["--plugin", plugin, "list", "--json"], {}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "chatty" in [o["name"] for o in json.loads(out.stdout)["objectives"]]
    assert "hello from a plugin" in out.stderr
