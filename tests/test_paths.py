"""Paths are built, never pasted: every user string that reaches a file name goes through one
encoder, and nothing a user types can make a command write outside the folder it was given."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fs_faults import unwritable_dir  # noqa: F401 (fixture)
from ganbench.cli import main
from ganbench.core.errors import UserError
from ganbench.core.paths import (MAX_COMPONENT, decode_component, decode_task, encoded_length, ensure_inside,
                                 safe_component, task_component)
from ganbench.core.records import load_records, read_record, run_id
from ganbench.engine.runner import execute
from ganbench.engine.sweep import plan_sweep
from ganbench.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "g_hidden=8", "--set", "g_layers=1", "--set", "d_hidden=8", "--set", "d_layers=1",
         "--steps", "2", "--no-table", "--no-progress"]
FILE_SAFE = re.compile(r"[A-Za-z0-9._=,+~%-]+")
HOSTILE = ["x/../../victim", "../", "..", ".", "/tmp/x", "a\\..\\..\\b", "C:\\evil", "tab\there", "new\nline",
           "nul\x00byte", "bell\x07", "é-ü-漢字", "emoji-🙂", "100%", "%2F", ".hidden", "a b", "a:b*c?<>|\""]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- the encoder --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_becomes_one_safe_component_and_decodes_back(text):
    name = safe_component(text, "tag")
    assert FILE_SAFE.fullmatch(name) and name not in (".", "..") and not name.startswith(".")
    assert "/" not in name and "\\" not in name and os.sep not in name
    assert decode_component(name) == text


def test_readable_names_stay_as_they_are():
    for text in ("lr_g=0.0001,n_dis=2", "fast-d", "v1.2", "a+b", "lr-x~1a2b3c4d"):
        assert safe_component(text, "tag") == text


@given(st.text(min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_encoding_is_reversible_and_safe_for_any_text(text):
    if encoded_length(text) > MAX_COMPONENT:
        with pytest.raises(UserError, match="shorten the tag"):
            safe_component(text, "tag")
        return
    name = safe_component(text, "tag")
    assert FILE_SAFE.fullmatch(name) and not name.startswith(".")
    assert decode_component(name) == text


@given(st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_distinct_task_names_never_share_a_file_name(a, b):
    if a != b:
        assert task_component(a) != task_component(b)
    assert decode_task(task_component(a)) == a


NAMES = st.text(alphabet="a_-/.", min_size=1, max_size=6)  # the characters that could make joins ambiguous
RUNS = st.tuples(NAMES, NAMES, st.integers(-2, 2), st.none() | NAMES)


@given(RUNS, RUNS)
@settings(max_examples=500, deadline=None)
def test_two_different_runs_never_share_a_run_id(a, b):
    assert (run_id(*a) == run_id(*b)) == (a == b)
    assert "/" not in run_id(*a) and not run_id(*a).startswith(".")


def test_task_names_keep_their_committed_form():
    assert task_component("toy/ring8") == "toy-ring8" and task_component("image/fashion-mnist") == "image-fashion-mnist"
    assert task_component("a-b/c") != task_component("a/b-c")


def test_empty_and_too_long_are_refused_with_the_fix():
    with pytest.raises(UserError, match="empty"):
        safe_component("", "tag")
    with pytest.raises(UserError, match=r"shorten the tag"):
        safe_component("x" * (MAX_COMPONENT + 1), "tag")
    with pytest.raises(UserError, match=r"shorten the tag"):
        safe_component("é" * 50, "tag")  # 50 characters, 300 once encoded
    with pytest.raises(UserError, match="empty"):
        run_id("toy/ring8", "ns", 0, "")


def test_run_ids_are_unambiguous():
    ids = {run_id("toy/ring8", "ns", 0, None), run_id("toy/ring8", "ns", 0, "s1"), run_id("toy/ring8", "ns__s0", 0, None),
           run_id("toy/ring8", "ns", 0, "a__s1"), run_id("toy/ring8__ns", "s0", 0, None), run_id("toy-ring8/x", "ns", 0, None),
           run_id("toy/ring8-x", "ns", 0, None)}
    assert len(ids) == 7


def test_ensure_inside_refuses_what_leaves_the_folder(tmp_path):
    assert ensure_inside(tmp_path, tmp_path / "a" / "b.json") == tmp_path / "a" / "b.json"
    for bad in (tmp_path / ".." / "x.json", tmp_path / "a" / ".." / ".." / "x", Path("/etc/passwd")):
        with pytest.raises(UserError, match="outside"):
            ensure_inside(tmp_path, bad)


def test_committed_records_keep_their_file_names(committed_results):
    loaded = load_records(committed_results)
    assert loaded.records  # the repository ships records
    for rec in loaded.records:
        rid = run_id(rec["task"]["name"], rec["objective"], rec["seed"], rec.get("tag"))
        assert rid == rec["run_id"] == Path(rec["_path"]).stem


# --- every command that writes -------------------------------------------------------------------
@pytest.mark.parametrize("tag", HOSTILE + ["x" * 120])
def test_run_tag_cannot_leave_the_results_folder(tmp_path, capsys, tag):
    results = tmp_path / "a" / "b" / "runs"
    code = main(["run", "toy/ring8", "--results", str(results), "--tag", tag, *SMALL])
    capsys.readouterr()
    assert code == 0
    outside = {f for f in files_under(tmp_path) if not f.startswith(os.path.join("a", "b", "runs"))}
    assert outside == {"a", os.path.join("a", "b")}  # only the parents of the results folder
    (record,) = results.glob("*.json")
    rec = read_record(record)
    assert rec["tag"] == tag and rec["run_id"] == record.stem and FILE_SAFE.fullmatch(record.stem)
    assert (results / record.stem / "log.csv").is_file()


def test_run_tag_too_long_is_one_line_and_writes_nothing(tmp_path, capsys):
    code = main(["run", "toy/ring8", "--results", str(tmp_path / "runs"), "--tag", "é" * 100, *SMALL])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "shorten the tag" in err
    assert not (tmp_path / "runs").exists()


def test_sweep_tags_and_points_cannot_leave_the_results_folder(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        "tasks: [toy/ring8]\nsteps: 2\nseeds: [0]\n"
        "set: {g_hidden: 8, g_layers: 1, d_hidden: 8, d_layers: 1}\n"
        "tag: ../../evil\n"
        "points: [{lr_g: 1.0e-4, tag: '/abs/../x'}, {lr_g: 2.0e-4, tag: 'a\\b'}]\n"
        "grid: {optimizer: ['adam', 'rmsprop']}\n")
    results = tmp_path / "out" / "runs"
    plan = plan_sweep(sweep, results=results)  # what `ganbench sweep` runs, here without a process pool
    assert {execute(req).record["status"] for req in plan.requests} == {"ok"}
    outside = {f for f in files_under(tmp_path) if not f.startswith(os.path.join("out", "runs"))}
    assert outside == {"s.yaml", "out"}
    recs = load_records(results).records
    assert len(recs) == 4 and all(FILE_SAFE.fullmatch(Path(r["_path"]).stem) for r in recs)
    assert {r["tag"].split(",")[0] for r in recs} == {"../../evil-/abs/../x", "../../evil-a\\b"}


def test_point_tags_are_readable_and_bounded():
    from ganbench.engine.sweep import point_tag

    assert point_tag({"lr_g": 1e-4, "gumbel": True, "sizes": [1, 2]}) == "lr_g=0.0001,gumbel=true,sizes=1+2"
    assert point_tag({"name": "a/b c"}) == "name=a/b c"  # the file name encodes it, the tag stays as written
    long = point_tag({f"key{i}": "é/" * 5 for i in range(20)})
    assert "~" in long and len(safe_component(long, "tag")) <= 96
    assert point_tag({}) is None and point_tag({}, prefix="x") == "x"


def _points(tmp_path):
    pts = tmp_path / "points.npy"
    np.save(pts, TASKS.get("toy/ring8")().reference_samples(200))
    return pts


@pytest.mark.parametrize("command", ["eval", "report"])
def test_out_paths_that_cannot_be_written_are_one_line_errors(tmp_path, capsys, command, unwritable_dir):
    res = tmp_path / "runs"
    assert main(["run", "toy/ring8", "--results", str(res), *SMALL]) == 0
    capsys.readouterr()
    plain = tmp_path / "plain.txt"
    plain.write_text("a file")
    folder = tmp_path / "folder"
    folder.mkdir()
    base = (["eval", "toy/ring8", "--samples", str(_points(tmp_path))] if command == "eval"
            else ["report", "--results", str(res), "--format", "json"])
    before = files_under(tmp_path)
    for out, needle in ((folder, "is a folder"), (plain / "x.json", "is a file"),
                        (unwritable_dir / "x.json", "cannot write")):
        code = main([*base, "--out", str(out)])
        out_text, err = capsys.readouterr()
        assert code == 2, (out, err)
        assert err.startswith("ganbench: error:") and err.count("\n") == 1 and needle in err, err
        assert out_text == ""  # checked before any work, nothing printed
    assert files_under(tmp_path) == before
    good = tmp_path / "new" / "deeper" / "out.json"  # an explicit path the user chose: fine
    assert main([*base, "--out", str(good)]) == 0 and json.loads(good.read_text())


def test_html_report_out_under_a_file_is_one_line(tmp_path, capsys):
    res = tmp_path / "runs"
    assert main(["run", "toy/ring8", "--results", str(res), *SMALL]) == 0
    plain = tmp_path / "plain.txt"
    plain.write_text("a file")
    capsys.readouterr()
    code = main(["report", "--results", str(res), "--format", "html", "--out", str(plain / "site")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is a file" in err
