"""`ganbench reproduce`: re-run a record here, compare every metric with it, never touch it."""

import json

import pytest

from ganbench.cli import main

SMALL = ["--steps", "30", "--set", "g_hidden=16", "--set", "d_hidden=16", "--set", "batch_size=16", "--no-progress",
         "--no-table"]


@pytest.fixture
def recorded(tmp_path):
    res = tmp_path / "committed"
    assert main(["run", "toy/ring8", "--seeds", "0,1", "--results", str(res), *SMALL]) == 0
    return res


def test_a_record_re_run_on_the_same_machine_reproduces_bit_for_bit(recorded, tmp_path, capsys):
    record = recorded / "toy-ring8__ns__s0.json"
    before = record.read_bytes()
    out = tmp_path / "drift" / "reproduce.json"
    assert main(["reproduce", str(record), "--results", str(tmp_path / "again"), "--out", str(out)]) == 0
    assert record.read_bytes() == before  # the committed record is never touched
    data = json.loads(out.read_text())
    assert data["schema"] == "ganbench.reproduce/1"
    (run,) = data["runs"]
    assert run["run_id"] == "toy-ring8__ns__s0" and run["config_hash"] == json.loads(before)["config_hash"]
    assert run["committed_on"]["device_name"] == run["here"]["device_name"]
    for name, m in run["metrics"].items():
        assert m["identical"] and m["delta"] == 0.0, name
        assert m["seed_std"] is not None  # two committed seeds of the method beside it
    assert "identical" in capsys.readouterr().out


def test_the_report_states_how_far_numbers_moved(recorded, tmp_path):
    from ganbench.core.records import load_records
    from ganbench.reporting.leaderboard import leaderboard_markdown

    out = recorded / "reproduce" / "here.json"  # beside the records: the report finds it
    assert main(["reproduce", str(recorded / "toy-ring8__ns__s1.json"), "--results", str(tmp_path / "again"),
                 "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    data["runs"][0]["metrics"]["modes_covered"].update(here=1.0, delta=-1.0, identical=False, delta_over_seed_std=2.0)
    out.write_text(json.dumps(data))  # as if re-run on another CPU
    md = leaderboard_markdown(load_records(recorded).records, source=str(recorded))
    assert "## Across machines" in md and "| toy/ring8 | modes_covered | 1 |" in md
    assert "modes_covered moved by ≤ 1 (2.00 seed std)" in md


def test_reproduce_refuses_what_it_cannot_compare(recorded, tmp_path, capsys):
    record = recorded / "toy-ring8__ns__s0.json"
    assert main(["reproduce", str(record), "--results", str(recorded)]) == 2  # beside the committed records
    assert "never beside" in capsys.readouterr().err
    changed = json.loads(record.read_text())
    changed["config"]["lr_g"] = 0.5  # the config no longer gives its hash
    bad = tmp_path / "x" / record.name
    bad.parent.mkdir()
    bad.write_text(json.dumps(changed))
    assert main(["reproduce", str(bad), "--results", str(tmp_path / "again")]) == 2
    assert "not the same run" in capsys.readouterr().err
    assert main(["reproduce", str(tmp_path / "missing.json")]) == 2
