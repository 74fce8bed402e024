"""The report validates every record before it uses one (issue 13, "a report that validates").

Whatever a results folder holds, a report either uses a record or skips it with one warning that
names the file (and the field): a wrong type, a newer schema, a second copy of a run, two different
records of one run, a FIFO or a symlink loop named ``*.json``. Never a traceback, never a hang,
never a table that changes silently.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganbench.cli import main
from ganbench.core.records import load_records, read_record
from ganbench.reporting.leaderboard import build_leaderboard, leaderboard_markdown
from ganbench.reporting.markdown import to_markdown
from ganbench.reporting.tables import build_tables, to_csv, to_json

ROOT = Path(__file__).resolve().parents[1]
RID = "toy-ring8__ns__s{seed}"


def good(seed: int = 0, value=0.5) -> dict:
    """A record of the shape the runner writes."""
    rid = RID.format(seed=seed)
    details = {"n_samples": 100, "n_modes": 8}
    return {"schema": "ganbench.run/1", "run_id": rid,
            "task": {"name": "toy/ring8", "version": "1", "reference_split": "test", "main_metric": "modes_covered"},
            "objective": "ns", "seed": seed, "tag": None, "config": {"steps": 10, "lr_g": 1e-4}, "config_hash": "abc123",
            "steps": {"planned": 10, "completed": 10}, "status": "ok", "diverged": None, "error": None,
            "metrics": {"modes_covered": {"value": value, "direction": "max", **details},
                        "high_quality": {"value": "nan", "direction": "max", **details}},
            "wall_time_s": 1.5, "eval_time_s": 0.25, "artifacts": {"log": f"{rid}/log.csv"},
            "provenance": {"device": "cpu", "torch_threads": 1}, "finished": "2024-01-01T00:00:00Z", "started_unix": 1}


def put(path: Path, rec) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec, indent=2) if not isinstance(rec, str) else rec)
    return path


def report(results: Path, capsys, *extra) -> tuple[int, str, str]:
    code = main(["report", "--results", str(results), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def setp(rec: dict, dotted: str, value) -> dict:
    *parents, last = dotted.split(".")
    node = rec
    for p in parents:
        node = node[p]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return rec


DELETE = object()


# --- 1. field types --------------------------------------------------------------------------------
BAD_FIELDS = [  # (field, bad value, what the warning must say)
    ("task", "toy/ring8", "field 'task' must be an object, got string"),
    ("task.name", 3, "field 'task.name' must be a string, got integer"),
    ("task.name", DELETE, "field 'task.name' is missing"),
    ("task.version", [1], "field 'task.version' must be a string or an integer, got list"),
    ("task.version", True, "field 'task.version' must be a string or an integer, got boolean"),
    ("task.main_metric", {"a": 1}, "field 'task.main_metric'"),
    ("objective", None, "field 'objective' must be a string, got null"),
    ("seed", "0", "field 'seed' must be an integer, got string"),
    ("seed", 1.5, "field 'seed' must be an integer, got number"),
    ("seed", True, "field 'seed' must be an integer, got boolean"),
    ("config", [], "field 'config' must be an object, got list"),
    ("config.steps", "10", "field 'config.steps' must be an integer, got string"),
    ("config_hash", 5, "field 'config_hash' must be a string, got integer"),
    ("run_id", DELETE, "field 'run_id' is missing"),
    ("status", "done", "field 'status' must be one of 'ok', 'diverged', 'failed', got 'done'"),
    ("metrics", [], "field 'metrics' must be an object, got list"),
    ("metrics.modes_covered", 0.5, "field 'metrics.modes_covered' must be an object, got number"),
    ("metrics.modes_covered.value", [1, 2], "field 'metrics.modes_covered.value' must be a number, got list"),
    ("metrics.modes_covered.value", "0.5", "field 'metrics.modes_covered.value' must be a number or one of 'nan', 'inf', '-inf', got '0.5'"),
    ("metrics.modes_covered.value", 10 ** 400, "field 'metrics.modes_covered.value' must be a number, got an integer too large"),
    ("metrics.modes_covered.value", DELETE, "field 'metrics.modes_covered.value' is missing"),
    ("metrics.modes_covered.direction", "up", "field 'metrics.modes_covered.direction' must be one of 'max', 'min'"),
    ("steps", 10, "field 'steps' must be an object, got integer"),
    ("steps.completed", "all", "field 'steps.completed'"),
    ("tag", 7, "field 'tag' must be a string or null, got integer"),
    ("variant", "lr_g=1", "field 'variant' must be an object, got string"),
    ("diverged", "nan", "field 'diverged' must be an object or null, got string"),
    ("diverged", {"step": "late"}, "field 'diverged.step' must be an integer, got string"),
    ("error", ["x"], "field 'error' must be a string or null, got list"),
    ("artifacts", ["log.csv"], "field 'artifacts' must be an object, got list"),
    ("artifacts.log", {"path": "x"}, "field 'artifacts.log' must be a string, got object"),
    ("artifacts.log", "a\x00b", "field 'artifacts.log'"),
    ("provenance", "cpu", "field 'provenance' must be an object or null, got string"),
    ("wall_time_s", "1s", "field 'wall_time_s' must be a number or null, got string"),
]


@pytest.mark.parametrize("field,value,says", BAD_FIELDS, ids=[f"{f}=" + ("<deleted>" if v is DELETE else repr(v))[:40] for f, v, _ in BAD_FIELDS])
def test_a_record_of_the_wrong_shape_is_skipped_with_one_warning_naming_file_and_field(tmp_path, capsys, field, value, says):
    res = tmp_path / "results"
    put(res / "toy" / f"{RID.format(seed=1)}.json", good(1, 0.7))
    bad = put(res / "toy" / f"{RID.format(seed=0)}.json", setp(good(0), field, value))
    loaded = load_records(res)
    assert [r["seed"] for r in loaded.records] == [1]
    assert len(loaded.problems) == 1
    path, why = loaded.problems[0]
    assert Path(path) == bad and says in why, why
    code, out, err = report(res, capsys)
    lines = err.strip().splitlines()
    assert code == 0 and "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(f"warning: skipped {bad}: ") and says in lines[0]
    assert "| ns | 1 | 1 |" in out  # the good record is reported alone


def test_the_runner_also_refuses_a_record_of_the_wrong_shape(tmp_path):
    """read_record (the runner's "already recorded?" check) applies the same validation."""
    path = put(tmp_path / "r.json", setp(good(0), "metrics.modes_covered.value", [1]))
    with pytest.raises(ValueError, match=r"field 'metrics.modes_covered.value' must be a number, got list"):
        read_record(path)
    assert read_record(put(tmp_path / "ok.json", good(0)))["seed"] == 0


def _json_values():
    scalars = st.none() | st.booleans() | st.integers() | st.integers(min_value=-10 ** 320, max_value=10 ** 320) \
        | st.floats() | st.text(max_size=8) | st.sampled_from(["nan", "inf", "-inf", "ok", "max", "min", "1"])
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                        max_leaves=8)


def _paths(rec: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in rec.items():
        out.append(prefix + k)
        if isinstance(v, dict):
            out += _paths(v, prefix + k + ".")
    return out


FIELD_PATHS = [p for p in _paths(good(0)) if p != "schema"] + ["variant", "metrics.new", "task.extra", "diverged.step",
                                                                 "steps.other"]


@st.composite
def _mutated(draw):
    rec = good(draw(st.sampled_from([0, 1])))  # seed 1 claims the run of the good record beside it
    for _ in range(draw(st.integers(1, 3))):
        dotted = draw(st.sampled_from(FIELD_PATHS))
        *parents, last = dotted.split(".")
        node = rec
        for p in parents:
            if not isinstance(node, dict):
                break
            node = node.setdefault(p, {})
        if not isinstance(node, dict):
            continue
        if draw(st.booleans()) and last in node:
            del node[last]
        else:
            node[last] = draw(_json_values())
    return rec


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_mutated(), _json_values()))
def test_fuzz_any_json_in_any_field_is_used_or_skipped_never_a_traceback(data):
    check_fuzzed(data)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_mutated(), _json_values()))
def test_fuzz_longer(data):
    check_fuzzed(data)


def check_fuzzed(data) -> None:
    """Random JSON in random fields (or as the whole file) beside a good record: every file is
    used, excluded or skipped with one one-line reason (only other ganbench.* files in silence),
    and every report format renders what is used, without an exception."""
    from ganbench.reporting.html import render_html

    with tempfile.TemporaryDirectory() as tmp:
        res = Path(tmp)
        fuzzed = put(res / "r.json", json.dumps(data))  # NaN/Infinity literals and huge integers included
        fine = put(res / "toy" / "g.json", good(1, 0.7))
        loaded = load_records(res)
        said = {Path(p): why for p, why in loaded.problems}
        assert len(said) == len(loaded.problems) and all(why and "\n" not in why for why in said.values())
        where = {Path(r["_path"]) for r in loaded.records + loaded.excluded} | set(said)
        assert fine in where
        schema = data.get("schema") if isinstance(data, dict) else None
        quiet = isinstance(schema, str) and schema.startswith("ganbench.") and not schema.startswith("ganbench.run/")
        assert (fuzzed in where) != quiet
        tables = build_tables(loaded.records, loaded.excluded)
        to_markdown(tables, loaded.records), to_csv(tables), to_json(tables, loaded.problems)
        leaderboard_markdown(loaded.records, excluded=loaded.excluded)
        render_html(build_leaderboard(loaded.records, excluded=loaded.excluded), problems=loaded.problems)


def test_garbage_files_are_skipped_with_one_warning_each(tmp_path, capsys):
    res = tmp_path / "results"
    put(res / "good.json", good(1))
    cases = {"deep.json": "[" * 100_000 + "]" * 100_000,  # deeper than Python's recursion limit
             "bigint.json": '{"schema": "ganbench.run/1", "seed": ' + "9" * 5000 + "}",  # over int's digit limit
             "list.json": "[1, 2]", "empty.json": "", "nan.json": "NaN"}
    for name, text in cases.items():
        put(res / name, text)
    (res / "latin1.json").write_bytes(b'{"schema": "ganbench.run/1", "x": "\xff"}')
    (res / "binary.json").write_bytes(bytes(range(256)))
    names = sorted([*cases, "latin1.json", "binary.json"])
    loaded = load_records(res)
    assert [r["seed"] for r in loaded.records] == [1]
    assert sorted(Path(p).name for p, _ in loaded.problems) == names
    code, _, err = report(res, capsys)
    assert code == 0 and "Traceback" not in err and len(err.strip().splitlines()) == len(names)


# --- 2. schema versions ----------------------------------------------------------------------------
def test_a_newer_run_schema_is_skipped_with_a_warning_to_upgrade(tmp_path, capsys):
    res = tmp_path / "results"
    put(res / "a.json", good(0))
    newer = put(res / "b.json", {**good(1), "schema": "ganbench.run/2"})
    put(res / "eval.json", {"schema": "ganbench.eval/1", "task": "toy/ring8", "metrics": {}})  # `ganbench eval --out`
    put(res / "other.json", {"schema": "ganbench.sweep/3"})
    loaded = load_records(res)
    assert [r["seed"] for r in loaded.records] == [0]
    assert [(Path(p), ) for p, _ in loaded.problems] == [(newer, )]
    why = loaded.problems[0][1]
    assert "ganbench.run/2" in why and "upgrade ganbench" in why
    code, _, err = report(res, capsys)
    assert code == 0 and err.count("warning:") == 1 and "upgrade ganbench" in err


# --- 3. copies and conflicting records -------------------------------------------------------------
def _three_seeds(res: Path) -> None:
    for seed, v in enumerate([0.2, 0.4, 0.9]):
        put(res / "toy" / f"{RID.format(seed=seed)}.json", {**good(seed, v), "finished": f"2024-01-0{seed + 1}T00:00:00Z"})


def test_a_copy_of_a_record_in_a_sub_folder_counts_once_with_a_warning(tmp_path, capsys):
    res = tmp_path / "results"
    _three_seeds(res)
    code, clean, err = report(res, capsys)
    assert code == 0 and not err
    original = res / "toy" / f"{RID.format(seed=2)}.json"
    backup = res / "backup" / "old" / original.name
    backup.parent.mkdir(parents=True)
    shutil.copy(original, backup)
    loaded = load_records(res)
    assert sorted(r["seed"] for r in loaded.records) == [0, 1, 2]
    assert len(loaded.problems) == 1
    path, why = loaded.problems[0]
    assert {str(path), *[w for w in (str(original), str(backup)) if w in why]} == {str(backup), str(original)}
    assert "counted once" in why
    code, out, err = report(res, capsys)
    assert code == 0 and out == clean  # the copy changes nothing in the table
    assert err.count("warning:") == 1 and str(backup) in err and str(original) in err


def test_of_two_copies_the_one_beside_its_run_folder_is_kept(tmp_path):
    """Even when the stray copy is the shallower file: its artifacts (the run folder) stay reachable."""
    res = tmp_path / "results"
    _three_seeds(res)
    original = res / "toy" / f"{RID.format(seed=2)}.json"
    (res / "toy" / original.stem).mkdir()
    stray = res / original.name
    shutil.copy(original, stray)
    loaded = load_records(res)
    kept = next(r for r in loaded.records if r["seed"] == 2)
    assert kept["_path"] == str(original) and [Path(p) for p, _ in loaded.problems] == [stray]


def test_two_different_records_of_one_run_are_flagged_and_neither_is_averaged(tmp_path, capsys):
    res = tmp_path / "results"
    _three_seeds(res)
    first = res / "toy" / f"{RID.format(seed=2)}.json"
    other = put(res / "toy-old" / first.name, {**good(2, 0.1), "finished": "2023-01-01T00:00:00Z"})
    loaded = load_records(res)
    assert sorted(r["seed"] for r in loaded.records) == [0, 1]
    assert sorted(r["_path"] for r in loaded.excluded) == sorted([str(first), str(other)])
    assert len(loaded.problems) == 1 and str(first) in loaded.problems[0][1] + str(loaded.problems[0][0]) \
        and str(other) in loaded.problems[0][1] + str(loaded.problems[0][0])
    (table,) = build_tables(loaded.records, loaded.excluded)
    (row,) = table.rows
    assert row.seeds == [0, 1] and row.cells["modes_covered"].mean == pytest.approx(0.3)
    assert any(str(first) in n and str(other) in n for n in table.notes)
    code, out, err = report(res, capsys)
    assert code == 0 and err.count("warning:") == 1
    assert "| ns[lr_g=0.0001] | 2 | 0,1 |" in out and str(first) in out and str(other) in out  # said in the notes
    html_dir = tmp_path / "site"
    code, _, _ = report(res, capsys, "--format", "html", "--out", str(html_dir))
    assert code == 0 and str(other) in (html_dir / "index.html").read_text()


def test_a_record_differing_only_in_its_finish_time_is_another_record(tmp_path):
    """Same run id and config, different content: two runs (e.g. thread counts differed), so flagged."""
    res = tmp_path / "results"
    put(res / "a" / "x.json", good(0))
    put(res / "b" / "x.json", {**good(0), "finished": "2030-01-01T00:00:00Z"})
    loaded = load_records(res)
    assert loaded.records == [] and len(loaded.excluded) == 2 and len(loaded.problems) == 1


# --- 4. only regular files -------------------------------------------------------------------------
class Hang(BaseException):
    """Not an OSError (a reader catching those would swallow it and block on the next file)."""


@contextmanager
def deadline(seconds: float):
    def fire(signum, frame):
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # and again, until the reader gives up
        raise Hang(f"still reading after {seconds}s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_special_files_named_json_are_skipped_never_a_hang(tmp_path, capsys):
    res = tmp_path / "results"
    put(res / "good.json", good(0))
    os.mkfifo(res / "fifo.json")
    (res / "folder.json").mkdir()
    os.symlink("loop.json", res / "loop.json")
    os.symlink(res / "fifo.json", res / "to-fifo.json")
    specials = {"fifo.json", "folder.json", "loop.json", "to-fifo.json"}
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", res / "zero.json")
        specials.add("zero.json")
    with deadline(10):
        loaded = load_records(res)
    assert [r["seed"] for r in loaded.records] == [0]
    assert sorted(Path(p).name for p, _ in loaded.problems) == sorted(specials)
    assert all("not a regular file" in why for _, why in loaded.problems), loaded.problems
    with deadline(20):
        code, out, err = report(res, capsys)
    assert code == 0 and err.count("warning:") == len(specials) and "Traceback" not in err


def test_a_symlink_to_a_regular_record_is_read(tmp_path):
    res = tmp_path / "results"
    res.mkdir()
    os.symlink(put(tmp_path / "elsewhere" / "x.json", good(0)), res / "x.json")
    assert [r["seed"] for r in load_records(res).records] == [0]


# --- 5. the committed results ----------------------------------------------------------------------
def test_committed_results_load_completely_and_report_as_committed(capsys, committed_results):
    loaded = load_records(committed_results)
    assert len(loaded.records) == 325 and not loaded.problems and not loaded.excluded
    code = main(["report", "--results", str(committed_results)])
    out, err = capsys.readouterr()
    assert code == 0 and not err
    committed = (committed_results / "LEADERBOARD.md").read_text().splitlines()
    made = [i for i, line in enumerate(committed) if line.startswith("Made by `")]
    assert made == [2]
    new = out.splitlines()
    assert new[2].startswith("Made by `") and len(new) == len(committed)
    assert [x for i, x in enumerate(new) if i != 2] == [x for i, x in enumerate(committed) if i != 2]


def test_the_api_warns_of_each_file_left_out_and_notes_the_runs_left_out(tmp_path):
    import ganbench
    from ganbench.core.records import RecordWarning

    res = tmp_path / "results"
    _three_seeds(res)
    put(res / "bad.json", setp(good(5), "seed", "five"))
    put(res / "old" / f"{RID.format(seed=2)}.json", good(2, 0.1))
    with pytest.warns(RecordWarning) as caught:
        df = ganbench.load_results(res)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and "field 'seed' must be an integer" in messages[0] and "differs from" in messages[1]
    assert sorted(set(df["seed"])) == [0, 1] and len(df.attrs["skipped"]) == 2
    with pytest.warns(RecordWarning):
        board = ganbench.leaderboard(res)
    (note,) = board["toy/ring8"].attrs["notes"]
    assert "seed 2" in note and str(res / "old") in note
