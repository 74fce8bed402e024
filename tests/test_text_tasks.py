"""Text tasks: COCO protocol facts, sample files, the user-corpus task, and `ganbench eval`."""

import json
import os
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.engine.evaluator import evaluate_samples
from ganbench.tasks import TASKS

DATA = Path(os.environ.get("GANBENCH_DATA", "/nonexistent"))
needs_coco = pytest.mark.skipif(not (DATA / "coco-captions" / "test.txt").is_file(), reason="COCO captions not available")


@pytest.fixture(scope="module")
def coco():
    if not (DATA / "coco-captions" / "test.txt").is_file():
        pytest.skip("COCO captions not available (set GANBENCH_DATA)")
    return TASKS.get("text/coco")()


@needs_coco
def test_coco_protocol_facts(coco):
    assert len(coco.train_sentences) == 10_000 and len(coco.test_sentences) == 10_000
    assert coco.vocab_size == 4659 + 4  # words of the training captions + pad, start, end, unknown
    assert coco.max_len == 37 + 1
    d = coco.test_details()
    assert d["test_sentences_scored"] + d["test_sentences_with_unknown_words"] + d["test_sentences_too_long"] == 10_000
    assert d["test_sentences_with_unknown_words"] == 3185


@needs_coco
def test_real_captions_reach_the_measured_bleu_ceiling(coco):
    """Train captions scored as a model against the test split: BLEU-2..5 .740/.520/.337/.218
    (published-results.md, measured with NLTK's tokenizer and sentence_bleu)."""
    values = evaluate_samples(coco, coco.reference_samples(None).__class__(coco.train_sentences), ["bleu2", "bleu3", "bleu4", "bleu5"])
    got = [round(values[f"bleu{n}"].value, 3) for n in (2, 3, 4, 5)]
    assert got == [0.740, 0.520, 0.337, 0.218]
    assert values["bleu2"].details["n_references"] == 10_000


@needs_coco
def test_eval_cli_counts_empty_lines_and_unknown_words(coco, tmp_path, capsys):
    f = tmp_path / "samples.txt"
    f.write_text("a man riding a horse on a beach.\n\nA CAT sitting on a qwertyuiop.\na dog .\n", encoding="utf-8")
    assert main(["eval", "text/coco", "--samples", str(f), "--metrics", "bleu2,self_bleu2,nll_test"]) == 0
    out = json.loads(capsys.readouterr().out)
    bleu = out["metrics"]["bleu2"]
    assert bleu["n_hypotheses"] == 4 and bleu["empty_hypotheses"] == 1 and bleu["unknown_words"] == 1
    assert out["metrics"]["nll_test"]["value"] == "nan" and "unavailable" in out["metrics"]["nll_test"]


def test_corpus_task_needs_files_and_reads_them(tmp_path, monkeypatch):
    monkeypatch.delenv("GANBENCH_CORPUS_TRAIN", raising=False)
    monkeypatch.delenv("GANBENCH_CORPUS_TEST", raising=False)
    task = TASKS.get("text/corpus")()
    with pytest.raises(DataNotFoundError, match="train_file"):
        task.train_tokens()
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("the cat sat .\na dog ran .\nthe dog sat .\n")
    test.write_text("the cat ran .\n\na bird sang .\n")
    monkeypatch.setenv("GANBENCH_CORPUS_TRAIN", str(train))
    monkeypatch.setenv("GANBENCH_CORPUS_TEST", str(test))
    task = TASKS.get("text/corpus")()
    assert task.max_len == 5 and task.train_tokens().shape == (3, 5)
    assert task.test_details()["test_sentences_with_unknown_words"] == 1  # "bird sang"
    values = evaluate_samples(task, task.reference_samples(), ["bleu2", "self_bleu2"])
    assert values["bleu2"].value == pytest.approx(1.0)


def test_corpus_files_from_config_win(tmp_path, monkeypatch):
    from ganbench.core.config import resolve
    from ganbench.objectives import build_objective

    monkeypatch.delenv("GANBENCH_CORPUS_TRAIN", raising=False)
    train, test = tmp_path / "tr.txt", tmp_path / "te.txt"
    train.write_text("one two three\nfour five\n")
    test.write_text("one two\n")
    task = TASKS.get("text/corpus")()
    cfg = resolve(task.spec, build_objective("mle"), {"train_file": str(train), "test_file": str(test), **task.spec.smoke}, steps=2)
    G, D = task.build_models(cfg)
    assert task.vocab_size == 5 + 4
    with pytest.raises(UserError, match="does not exist"):
        task2 = TASKS.get("text/corpus")()
        task2.build_models({**cfg, "train_file": str(tmp_path / "missing.txt")})
        task2.train_tokens()


def test_oracle_sample_files(tmp_path):
    task = TASKS.get("text/oracle-tiny")()
    good = tmp_path / "good.txt"
    rows = task.test_tokens()[:3].tolist()
    good.write_text("\n".join(" ".join(map(str, r)) for r in rows) + "\n\n")
    assert torch.equal(task.load_samples(good), task.test_tokens()[:3])
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 3\n")
    with pytest.raises(UserError, match="bad.txt:1"):
        task.load_samples(bad)
    values = evaluate_samples(task, task.load_samples(good), ["nll_oracle", "nll_test"])
    assert values["nll_oracle"].details["oracle_entropy_floor"] > 0
    assert "unavailable" in values["nll_test"].details


def test_oracle_data_is_fixed_and_split(tmp_path):
    task = TASKS.get("text/oracle-tiny")()
    train, test = task.train_tokens(), task.test_tokens()
    assert train.shape == (2000, 10) and test.shape == (2000, 10)
    assert not torch.equal(train[:100], test[:100])
    again = TASKS.get("text/oracle-tiny")()
    assert torch.equal(again.train_tokens(), train)
    floor = task.oracle_entropy()
    assert 0 < floor < torch.log(torch.tensor(200.0)).item()
