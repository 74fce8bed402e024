"""Protocol sensitivity: variants declared per domain, re-evaluation of finished runs, and the
rankings, Kendall's τ and rank changes the report shows.

The ranking arithmetic is checked against cases with known answers (identical → τ 1, reversed →
τ -1, one adjacent swap among four → τ 2/3 and exactly those two marked). The re-evaluation is
checked against the runner itself: the rebuilt generator scored under the default protocol gives
the record's very value (plain G and EMA, points and sequences)."""

import json
import math
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.core.errors import UserError
from ganbench.core.protocol import SAMPLE_COUNT, ProtocolVariant
from ganbench.domains import declared
from ganbench.engine import sensitivity as eng
from ganbench.reporting.sensitivity import (compare_rankings, competition_ranks, html_fragment, markdown_lines,
                                            sensitivity_report, tau_summary)


# --- declarations ---------------------------------------------------------------------------------
def test_every_domain_declares_its_variants_and_the_default_sets_are_cheap():
    by = {d.name: d for d in declared()}
    for d in by.values():
        names = [v.name for v in d.protocol_variants]
        assert len(names) == len(set(names)) and {"samples-half", "samples-double"} <= set(names)
    assert {v.axis for v in by["image"].protocol_variants} == {"samples", "reference", "extractor"}
    assert {v.axis for v in by["text"].protocol_variants} == {"samples", "temperature"}
    assert {v.axis for v in by["molecule"].protocol_variants} == {"samples", "reference", "temperature"}
    # the pretrained extractors cost minutes on a CPU, double the samples twice the evaluation: only on request
    assert not any(v.default for v in by["image"].protocol_variants if v.axis == "extractor")
    assert not any(v.default for d in by.values() for v in d.protocol_variants if v.name == "samples-double")


def test_a_bad_declaration_fails_when_declared():
    with pytest.raises(ValueError, match="settings must be among"):
        ProtocolVariant("x", "samples", {"sample": 0.5}, "typo")
    with pytest.raises(ValueError, match="positive factor"):
        ProtocolVariant("x", "samples", {"samples": 0}, "none")
    with pytest.raises(ValueError, match="one word"):
        ProtocolVariant("all", "samples", {"samples": 2}, "reserved")


def test_selection_by_name_axis_default_and_all():
    variants = eng.declared_variants("image/digits")
    assert [v.name for v in eng.select(variants, None)] == ["samples-half", "reference-train"]
    assert [v.name for v in eng.select(variants, ["default", "samples-double"])] == ["samples-half", "samples-double",
                                                                                     "reference-train"]
    assert [v.name for v in eng.select(variants, ["extractor"])] == ["extractor-inception-v3", "extractor-dinov2"]
    assert len(eng.select(variants, ["all"])) == len(variants)
    assert [v.name for v in eng.select(variants, ["samples-half", "temperature"])] == ["samples-half"]
    with pytest.raises(UserError, match="unknown protocol variant nope: choose from"):
        eng.check_selection(["nope"])


# --- ranking arithmetic with known answers ----------------------------------------------------------
SCORES = {"a": 4.0, "b": 3.0, "c": 2.0, "d": 1.0}


def test_identical_rankings_give_tau_one_and_nothing_moves():
    out = compare_rankings(SCORES, {k: v + 10 for k, v in SCORES.items()}, "max")
    assert out["tau"] == pytest.approx(1.0) and out["moved"] == [] and not out["winner_changed"]


def test_reversed_rankings_give_tau_minus_one_and_everyone_moves():
    out = compare_rankings(SCORES, {k: -v for k, v in SCORES.items()}, "max")
    assert out["tau"] == pytest.approx(-1.0) and out["moved"] == ["a", "b", "c", "d"] and out["winner_changed"]


def test_one_adjacent_swap_is_marked_and_tau_counts_one_discordant_pair():
    out = compare_rankings(SCORES, {"a": 4.0, "b": 1.5, "c": 2.0, "d": 1.0}, "max")
    assert out["moved"] == ["b", "c"] and not out["winner_changed"]
    assert out["tau"] == pytest.approx((5 - 1) / 6)  # 6 pairs, 1 discordant
    assert out["ranks"]["b"] == {"default": 2, "variant": 3}


def test_direction_and_ties():
    assert competition_ranks({"x": 1.0, "y": 2.0}, "min") == {"x": 1, "y": 2}
    assert competition_ranks({"x": 1.0, "y": 2.0}, "max") == {"y": 1, "x": 2}
    assert competition_ranks({"x": 1.0, "y": 1.0, "z": 0.0}, "max") == {"x": 1, "y": 1, "z": 3}
    one = compare_rankings({"a": 1.0}, {"a": 2.0}, "max")
    assert one["tau"] is None and one["note"] == "fewer than 2 methods"
    tied = compare_rankings({"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 1.0}, "max")
    assert tied["tau"] is None and tied["note"] == "all tied" and tied["moved"] == ["a"]  # 2nd -> tied 1st


# --- the report from records and sensitivity documents ------------------------------------------------
def _record(objective, seed, value, tag=None, chash="h1", status="ok", task="toy/ring8"):
    return {"run_id": f"{task.replace('/', '-')}__{objective}__s{seed}" + (f"__{tag}" if tag else ""),
            "task": {"name": task, "version": "1", "main_metric": "modes_covered"}, "objective": objective,
            "seed": seed, "tag": tag, "config_hash": chash, "status": status, "variant": {},
            "metrics": {"modes_covered": {"value": value, "direction": "max"}} if status == "ok" else {}}


def _doc(rec, values: dict, skipped=None, error=None):
    variants = {name: {"axis": "samples", "summary": name, "protocol": {"metric": "modes_covered", "n_samples": n,
                                                                        "seed": rec["seed"]}, "value": v}
                for name, (n, v) in values.items()}
    if error:
        variants[error] = {"axis": "samples", "summary": error, "protocol": {"metric": "modes_covered"}, "error": "boom"}
    return {"schema": eng.SCHEMA, "run_id": rec["run_id"], "config_hash": rec["config_hash"],
            "default": {"protocol": {"metric": "modes_covered", "n_samples": 2500, "seed": rec["seed"]}},
            "variants": variants, "skipped": skipped or {}}


def test_report_groups_methods_like_the_leaderboard_and_marks_the_swap():
    recs = [_record("ns", 0, 8), _record("ns", 1, 6), _record("hinge", 0, 5), _record("hinge", 1, 5),
            _record("lsgan", 0, 3), _record("ns", 0, 1, tag="<b>x|y</b>"), _record("wgan-gp", 0, 0, status="diverged")]
    docs = {recs[0]["run_id"]: _doc(recs[0], {"samples-half": (1250, 4)}, {"extractor-dinov2": "weights not on disk"}),
            recs[1]["run_id"]: _doc(recs[1], {"samples-half": (1250, 4)}),
            recs[2]["run_id"]: _doc(recs[2], {"samples-half": (1250, 6)}, error="samples-double"),
            recs[3]["run_id"]: _doc(recs[3], {"samples-half": (1250, 6)}),
            recs[4]["run_id"]: _doc(recs[4], {"samples-half": (1250, 2)}),
            recs[5]["run_id"]: _doc(recs[5], {"samples-half": (1250, 1)})}
    report = sensitivity_report(recs, docs)
    json.dumps(report)  # JSON-able as is
    (t,) = report["tasks"]
    labels = [m["method"] for m in t["methods"]]
    assert labels == ["ns", "hinge", "lsgan", "ns[<b>x|y</b>]"]  # by default rank; a diverged run has no value
    assert {m["method"]: m["default"]["rank"] for m in t["methods"]} == {"ns": 1, "hinge": 2, "lsgan": 3, "ns[<b>x|y</b>]": 4}
    half = next(v for v in t["variants"] if v["name"] == "samples-half")
    assert half["moved"] == ["ns", "hinge"] and half["winner_changed"]
    assert half["tau"] == pytest.approx((5 - 1) / 6)
    assert not half["mixed_protocols"]  # the seed differs per run, the protocol does not
    double = next(v for v in t["variants"] if v["name"] == "samples-double")
    hinge = next(m for m in double["methods"] if m["method"] == "hinge")
    assert hinge["errors"] == 1 and hinge["mean"] is None and hinge["partial"]  # a failed metric is never averaged
    assert t["skipped"] == [{"name": "extractor-dinov2", "reasons": ["weights not on disk"]}]
    assert t["runs_ok"] == 6 and t["runs_reevaluated"] == 6
    md = "\n".join(markdown_lines(report))
    assert "| Kendall τ vs default | | 0.67 | n/a (fewer than 2 methods) |" in md
    assert "| hinge | 2 (5.000) | **1 (6.000) ▲** |" in md and "| ns | 1 (7.000) | **2 (4.000) ▼** |" in md
    assert "ns[<b>x\\|y</b>]" in md  # a pipe in a tag cannot break the table
    page = html_fragment(report)
    assert "<b>x" not in page and "&lt;b&gt;x|y&lt;/b&gt;" in page and 'class="moved"' in page
    rows = tau_summary(report)
    assert {r["variant"] for r in rows} == {"samples-half", "samples-double"}


def test_a_task_without_reevaluated_runs_is_left_out():
    assert sensitivity_report([_record("ns", 0, 8)], {}) == {"schema": "ganbench.sensitivity-report/1", "tasks": []}


# --- re-evaluating real runs ----------------------------------------------------------------------------
SMALL_TOY = {"g_hidden": 16, "g_layers": 1, "d_hidden": 16, "d_layers": 1, "batch_size": 32}


@pytest.fixture(scope="module")
def toy_runs(tmp_path_factory):
    from ganbench.api import run

    results = tmp_path_factory.mktemp("sens") / "runs"
    run("toy/ring8", ["ns", "hinge"], [0], steps=5, overrides=SMALL_TOY, results=results, device="cpu")
    run("toy/ring8", "ns", [0], steps=5, overrides={**SMALL_TOY, "ema": 0.5}, tag="ema", results=results, device="cpu")
    return results


def _load(results, run_id):
    from ganbench.core.records import read_record
    from ganbench.engine.runner import load_task

    rec = read_record(Path(results) / f"{run_id}.json")
    return load_task(rec["task"]["name"]), rec


def test_reevaluation_writes_resumes_and_skips_what_is_done(toy_runs):
    lines = []
    done = eng.reevaluate(toy_runs, ["samples"], device="cpu", log=lines.append)
    assert len(done) == 3 and all(r.computed == ["samples-half", "samples-double"] for r in done)
    assert len(lines) == 3 and lines[0].startswith("[1/3] ") and "2 computed" in lines[0]
    path = toy_runs / "toy-ring8__ns__s0" / eng.FILE
    doc = json.loads(path.read_text())
    half = doc["variants"]["samples-half"]
    assert half["protocol"]["n_samples"] == 1250 and half["details"]["n_samples"] == 1250
    assert doc["variants"]["samples-double"]["protocol"]["n_samples"] == 5000
    assert doc["default"]["protocol"] == {"metric": "modes_covered", "n_samples": 2500, "seed": 0}  # no split to name
    assert doc["default"]["value"] == json.loads((toy_runs / "toy-ring8__ns__s0.json").read_text())["metrics"][
        "modes_covered"]["value"]
    again = eng.reevaluate(toy_runs, ["all"], device="cpu", log=None)  # idempotent: nothing left to compute
    assert all(r.computed == [] and len(r.kept) == 2 for r in again)
    assert json.loads(path.read_text())["variants"] == doc["variants"]
    del doc["variants"]["samples-double"]  # an interrupted pass: only the missing variant is computed
    path.write_text(json.dumps(doc))
    resumed = {r.run_id: r for r in eng.reevaluate(toy_runs, ["samples"], device="cpu", log=None)}
    assert resumed["toy-ring8__ns__s0"].computed == ["samples-double"]
    assert resumed["toy-ring8__hinge__s0"].computed == [] and resumed["toy-ring8__hinge__s0"].kept == ["samples-half", "samples-double"]
    doc["record_finished"] = "another run"  # the run was recorded again: everything is recomputed
    path.write_text(json.dumps(doc))
    redone = {r.run_id: r for r in eng.reevaluate(toy_runs, ["samples-half"], device="cpu", log=None)}
    assert redone["toy-ring8__ns__s0"].computed == ["samples-half"]
    assert "samples-double" not in json.loads(path.read_text())["variants"]


def test_runs_without_a_checkpoint_or_not_ok_are_named_not_crashed_on(toy_runs, tmp_path):
    import shutil

    copy = tmp_path / "runs"
    shutil.copytree(toy_runs, copy)
    (copy / "toy-ring8__hinge__s0" / "checkpoint.pt").unlink()
    lines = []
    done = eng.reevaluate(copy, ["samples-half"], device="cpu", log=lines.append)
    assert len(done) == 2 and any("toy-ring8__hinge__s0: not re-evaluated, no checkpoint.pt" in line for line in lines)


def test_cli_sensitivity(toy_runs, tmp_path, capsys):
    assert main(["sensitivity", "--results", str(toy_runs), "--device", "cpu"]) == 0  # the default set: samples-half
    out = capsys.readouterr().out
    assert out.count("\n") == 3 and "0 computed, 1 already there" in out
    assert main(["sensitivity", "--results", str(tmp_path / "absent")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["sensitivity", "--results", str(toy_runs), "--variants", "samples-triple"]) == 2
    assert "unknown protocol variant samples-triple" in capsys.readouterr().err


def test_report_from_a_real_folder(toy_runs):
    from ganbench.core.records import load_records

    eng.reevaluate(toy_runs, ["all"], device="cpu", log=None)
    report = sensitivity_report(load_records(toy_runs).records)
    (t,) = report["tasks"]
    assert sorted(m["method"].split("[")[0] for m in t["methods"]) == ["hinge", "ns", "ns+ema=0.5"]
    assert "ns+ema=0.5[ema]" in {m["method"] for m in t["methods"]}  # remedy and tag name the row, as in the leaderboard
    assert [v["name"] for v in t["variants"]] == ["samples-half", "samples-double"]
    assert all(v["n_methods"] == 3 for v in t["variants"])


def test_the_leaderboard_shows_the_panel_in_markdown_html_and_json(toy_runs, tmp_path):
    import json

    from ganbench.core.records import load_records
    from ganbench.reporting.html import write_html_report
    from ganbench.reporting.leaderboard import build_leaderboard, leaderboard_json, leaderboard_markdown

    eng.reevaluate(toy_runs, ["all"], device="cpu", log=None)
    records = load_records(toy_runs).records
    md = leaderboard_markdown(records)
    assert "## Protocol sensitivity" in md and "samples-double" in md and "τ" in md
    data = json.loads(leaderboard_json(build_leaderboard(records)))
    assert [t["task"] for t in data["sensitivity"]["tasks"]] == ["toy/ring8"]
    page = write_html_report(records, tmp_path / "site").read_text()
    assert '<section id="sensitivity">' in page and "samples-half" in page


# --- the knobs of other domains -----------------------------------------------------------------------
def test_a_reference_split_variant_reads_the_other_split_of_the_same_data():
    from ganbench.engine.runner import load_task

    task = load_task("image/digits")
    (variant,) = [v for v in eng.declared_variants("image/digits") if v.name == "reference-train"]
    default = eng.default_protocol(task, None, 0)
    p = eng.plan(task, None, variant, default)
    assert p.skip is None and p.protocol == {**default, "reference_split": "train"}
    view = eng.task_view(task, p.protocol)
    assert view.spec.reference_split == "train" and task.spec.reference_split == "test"
    assert len(view.reference_samples()) == 1297 and len(task.reference_samples()) == 500
    assert eng.task_view(task, default) is task


def test_an_extractor_without_weights_is_skipped_with_its_reason(monkeypatch, tmp_path):
    pytest.importorskip("timm")
    from ganbench.engine.runner import load_task

    monkeypatch.setenv("GANBENCH_DINOV2_WEIGHTS", str(tmp_path / "absent.pth"))
    task = load_task("image/digits")
    (variant,) = [v for v in eng.declared_variants("image/digits") if v.name == "extractor-dinov2"]
    p = eng.plan(task, None, variant, eng.default_protocol(task, None, 0))
    assert p.protocol["extractor"] == "dinov2-vitb14" and "weights not on disk" in p.skip and "\n" not in p.skip


def test_molecule_reference_variant_swaps_the_main_metric_for_its_testsf_twin():
    from ganbench.engine.runner import load_task

    task = load_task("molecule/moses-small")
    (variant,) = [v for v in eng.declared_variants("molecule/moses-small") if v.name == "reference-testsf"]
    p = eng.plan(task, None, variant, eng.default_protocol(task, None, 0))
    assert p.skip is None and p.protocol["metric"] == "fcd_testsf"


@pytest.fixture(scope="module")
def seq_runs(tmp_path_factory):
    """A tiny oracle-LSTM task trained 3 MLE steps, plain and with an EMA generator (nll_oracle is a
    float that tells the EMA weights from the plain ones)."""
    from ganbench.api import run
    from ganbench.tasks import TASKS

    results = tmp_path_factory.mktemp("sens-seq") / "runs"
    smoke = dict(TASKS.get("text/oracle-tiny").spec.smoke)
    run("text/oracle-tiny", "mle", [0], steps=3, overrides=smoke, results=results, device="cpu")
    run("text/oracle-tiny", "mle", [0], steps=3, overrides={**smoke, "ema": 0.5}, tag="ema", results=results, device="cpu")
    return results


@pytest.mark.parametrize("run_id", ["text-oracle-tiny__mle__s0", "text-oracle-tiny__mle__s0__ema"])
def test_the_rebuilt_generator_reproduces_the_recorded_value(seq_runs, run_id):
    from ganbench.engine.checkpoint import load_checkpoint

    task, rec = _load(seq_runs, run_id)
    G, step = eng.load_generator(task, rec, seq_runs / run_id / "checkpoint.pt", "cpu")
    assert step == 3
    default = eng.default_protocol(task, G, rec["seed"])
    assert default["temperature"] == 1.0
    same = eng.evaluate_plan(task, G, eng.Plan(SAMPLE_COUNT[0], default), default, "cpu")
    assert same.value == rec["metrics"]["nll_oracle"]["value"]  # bit for bit: the runner's weights and seed
    if run_id.endswith("__ema"):  # the plain weights would not have given the recorded value
        G.load_state_dict(load_checkpoint(seq_runs / run_id / "checkpoint.pt")["G"])
        assert eng.evaluate_plan(task, G, eng.Plan(SAMPLE_COUNT[0], default), default, "cpu").value != same.value


def test_temperature_variants_rescore_a_sequence_generator(seq_runs):
    task, rec = _load(seq_runs, "text-oracle-tiny__mle__s0")
    done = {r.run_id: r for r in eng.reevaluate(seq_runs, ["temperature"], device="cpu", log=None)}
    assert done[rec["run_id"]].computed == ["temperature-0.8", "temperature-1.2"]
    doc = json.loads((seq_runs / rec["run_id"] / eng.FILE).read_text())
    cold, hot = (doc["variants"][f"temperature-{t}"]["value"] for t in ("0.8", "1.2"))
    default = rec["metrics"]["nll_oracle"]["value"]
    assert math.isfinite(cold) and math.isfinite(hot) and len({cold, hot, default}) == 3
    assert doc["variants"]["temperature-0.8"]["protocol"]["temperature"] == 0.8
    G, _ = eng.load_generator(task, rec, seq_runs / rec["run_id"] / "checkpoint.pt", "cpu")
    p = eng.plan(task, G, eng.declared_variants(task.spec.name)[2], eng.default_protocol(task, G, 0))
    eng.evaluate_plan(task, G, p, eng.default_protocol(task, G, 0), "cpu")
    assert G.temperature == 1.0  # the generator is left at its own temperature
