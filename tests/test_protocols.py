"""Leaderboards compare like with like: one protocol per table, one column per comparable metric,
tests that fit the design, on the committed records themselves."""

import pytest

from ganbench.core.records import load_records
from ganbench.reporting.leaderboard import build_leaderboard
from ganbench.reporting.protocols import place
from ganbench.reporting.ranking import rank_task
from ganbench.reporting.tables import build_tables


@pytest.fixture(scope="module")
def committed(committed_results):
    return load_records(committed_results).records


@pytest.fixture(scope="module")
def tables(committed):
    return build_tables(committed)


def main_table(tables, task):
    return next(t for t in tables if t.task == task and not t.exploratory)


def test_every_table_ranks_one_protocol(tables):
    for t in tables:
        placed = {place(r).training.steps for r in t.records}
        assert len(placed) == 1, (t.key, placed)  # one budget (pre-training counted)
        assert len({(r["task"]["name"], str(r["task"]["version"])) for r in t.records}) == 1
        assert len({c.label for c in t.columns}) == len(t.columns)


@pytest.mark.parametrize("task, steps, rows", [
    ("toy/ring8", 20_000, {"ns", "hinge", "minimax", "ns+pack=2"}),
    ("toy/grid25", 30_000, {"ns", "hinge", "minimax", "ns+pack=2"}),
    ("molecule/moses", 30_000, {"mle"}),
])
def test_the_default_tables_hold_only_default_protocol_rows(tables, task, steps, rows):
    t = main_table(tables, task)
    assert t.protocol.is_default and t.protocol.steps == steps
    assert {r.label for r in t.rows} == rows  # no 1,000/5,000/50,000-step rows, no fine-tunes, no small nets
    assert all(int(r["config"]["steps"]) == steps for r in t.records)
    if task.startswith("toy/"):  # PacGAN's nets with the cosine decay are what the default fixes
        assert all(r["config"]["g_hidden"] == 400 and r["config"]["lr_decay"] == "cosine" for r in t.records)


def test_fine_tunes_count_their_pre_training(tables):
    ft = [t for t in tables if t.task == "molecule/moses" and t.protocol.pretrain]
    assert ft and all(t.exploratory for t in ft)
    h384 = next(t for t in ft if "mle[h384]" in t.protocol.name)
    assert h384.protocol.steps == 30_000 + 550 and {r.objective for r in h384.rows} == {"seqgan", "organ"}
    assert "30,000 (mle[h384]) + 550 own" in h384.protocol.describe()


def test_fashion_mnist_has_each_metric_once(tables):
    t = main_table(tables, "image/fashion-mnist")
    assert t.protocol.is_default and [c.label for c in t.columns] == \
        ["fid", "kid", "is", "precision", "recall", "density", "coverage"]
    assert {r.label for r in t.rows} == {"ns", "hinge", "lsgan", "wgan-gp"} and all(r.n_ok == 3 for r in t.rows)
    quick = next(x for x in tables if x.task == "image/fashion-mnist" and x.protocol.budgets == ("quick",))
    assert quick.protocol.steps == 300 and len(quick.columns) == 7


def test_coco_losses_are_compared_paired_by_seed_and_holm_adjusted(committed, tables):
    t = main_table(tables, "text/coco")
    lb = build_leaderboard([r for r in committed if r["task"]["name"] == "text/coco"])
    comps = lb.comparisons[t.key]
    others = [c for c in comps.values() if c.method != c.best]
    assert others and all(c.paired and c.test == "paired t-test" and c.n == 3 for c in others)
    ps = sorted(c.p_value for c in others)
    assert 0.015 < ps[0] < ps[-1] < 0.09  # mle better on every seed: paired p = 0.017-0.084
    assert all(c.p_adjusted >= c.p_value for c in others)
    r = lb.ranking(t)
    assert r.design == "paired" and r.exact and r.defensibly_first() == ["mle"]
    assert r.methods[0].next_seeds.short() == "≈ 4 pairs"  # not "39 seeds" from an unpaired test


def test_the_intervals_do_not_change_with_the_bootstrap_seed(tables):
    for t in tables:
        if len(t.rows) < 2:
            continue
        a = [(m.label, m.interval, round(m.p_first, 12)) for m in rank_task(t, seed=1).methods]
        b = [(m.label, m.interval, round(m.p_first, 12)) for m in rank_task(t, seed=987_654).methods]
        assert a == b, t.key


def test_tagged_variants_rank_with_their_protocol_named_by_their_settings(committed):
    """A tag is how a variant is stored beside its method's default run: a tagged run that changes a
    setting at a named protocol is ranked there, named by its settings (--tags-apart shows it apart);
    a tag on a run whose settings are the method's defaults only names it (it is that method's row)."""
    import copy

    quick = [r for r in committed if r["task"]["name"] == "toy/ring8" and r["config"]["steps"] == 1000]
    variant = []
    for r in quick[:3]:
        v = copy.deepcopy(r)
        v["tag"], v["config"]["lr_g"], v["config_hash"] = "try-lr", 1e-3, "f" * 16
        variant.append(v)
    objective = variant[0]["objective"]
    (together,) = build_tables(quick + variant)
    assert not together.exploratory and f"{objective}[lr_g=0.001]" in {r.label for r in together.rows}
    tables = build_tables(quick + variant, tags_apart=True)
    (named,) = [t for t in tables if not t.exploratory]
    (tagged,) = [t for t in tables if t.tagged]
    assert tagged.exploratory and {r.label for r in tagged.rows} == {f"{objective}[lr_g=0.001]"}
    assert f"{objective}[lr_g=0.001]" not in {r.label for r in named.rows}
    alias = copy.deepcopy(quick[0])
    alias["tag"] = "just-a-name"
    (t,) = build_tables([alias])
    assert not t.exploratory and t.rows[0].label == alias["objective"] and t.rows[0].aliases == ["just-a-name"]


def test_a_custom_protocols_tagged_run_keeps_its_tag_and_is_exploratory(tables):
    grid = [t for t in tables if t.task == "toy/grid25" and t.exploratory]
    labels = {r.label for t in grid for r in t.rows}
    assert "ns[pacgan-adam]" in labels and "ns[30k]" in labels


def test_the_committed_leaderboard_data_is_what_the_records_give(committed_results, tmp_path):
    """results/leaderboard/ (the data the pages are rendered from) is rebuilt exactly from the
    committed records, and its numbers are the Markdown's."""
    import csv
    import json

    from ganbench.cli import main

    out = tmp_path / "data"
    assert main(["report", "--results", str(committed_results), "--format", "data", "--out", str(out)]) == 0
    committed = committed_results / "leaderboard"
    assert sorted(p.name for p in (out / "tables").iterdir()) == sorted(p.name for p in (committed / "tables").iterdir())
    for p in (out / "tables").iterdir():
        assert p.read_text() == (committed / "tables" / p.name).read_text(), p.name
    assert (out / "index.csv").read_text() == (committed / "index.csv").read_text()
    mine, theirs = json.loads((out / "leaderboard.json").read_text()), json.loads((committed / "leaderboard.json").read_text())
    mine.pop("made_by"), theirs.pop("made_by")
    assert mine["rankings"] == theirs["rankings"] and mine["comparisons"] == theirs["comparisons"]
    rows = list(csv.DictReader(open(committed / "tables" / "toy-ring8_v1__default.csv", encoding="utf-8")))
    ns = next(r for r in rows if r["method"] == "ns" and r["metric"] == "modes_covered")
    assert float(ns["mean"]) == pytest.approx(7.6) and ns["protocol"] == "default" and ns["exploratory"] == "False"
    md = (committed_results / "LEADERBOARD.md").read_text()
    import re

    assert re.search(r"\| \d+ \| ns \| 5 \| 0,1,2,3,4 \| 0 \| 0 \| 7\.600 ± 0\.548 \|", md)


def test_rewriting_the_data_drops_the_tables_that_no_longer_exist_and_keeps_foreign_files(committed_results, tmp_path):
    from ganbench.cli import main

    out = tmp_path / "data"
    assert main(["report", "--results", str(committed_results / "toy"), "--format", "data", "--out", str(out)]) == 0
    stale = out / "tables" / "toy-ring8_v1__steps=1.csv"
    stale.write_text("old\n")
    index = (out / "index.csv").read_text()
    (out / "index.csv").write_text(index + "toy/ring8,x,1,x,,False,1,tables/toy-ring8_v1__steps=1.csv\n")
    mine = out / "tables" / "notes.csv"
    mine.write_text("a user's file\n")
    assert main(["report", "--results", str(committed_results / "toy"), "--format", "data", "--out", str(out)]) == 0
    assert not stale.exists() and mine.read_text() == "a user's file\n"
    assert (out / "tables" / "toy-ring8_v1__default.csv").is_file()
