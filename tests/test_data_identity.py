"""A run's identity covers the user files it reads: changed data is a new run, never a stale skip.

text/corpus reads a train and a test file the task cannot pin; their checksums go into the config
hash and the record (``data``). Re-running the same command after a file changed must not reuse
the old record (the runner refuses and asks for ``--tag``, as for any other change of identity),
and an interrupted run must not resume from a checkpoint trained on the old file.
"""

import hashlib

import pytest

from ganbench.cli import main
from ganbench.core.config import config_hash, resolve
from ganbench.core.errors import UserError
from ganbench.core.records import read_record
from ganbench.engine.runner import RunRequest, execute, prepare
from ganbench.engine.runner import resolve as resolve_run
from ganbench.engine.trainer import train
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

SMOKE = {"g_emb_dim": 8, "g_hidden_dim": 8, "batch_size": 8}
RECORD = "text-corpus__mle__s0"


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.delenv("GANBENCH_CORPUS_TRAIN", raising=False)
    monkeypatch.delenv("GANBENCH_CORPUS_TEST", raising=False)
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("the cat sat .\na dog ran .\nthe dog sat .\n", encoding="utf-8")
    test.write_text("the cat ran .\na dog sat .\n", encoding="utf-8")
    return train, test


def cli(train, test, results, *extra):
    sets = [a for k, v in {**SMOKE, "train_file": train, "test_file": test}.items() for a in ("--set", f"{k}={v}")]
    return main(["run", "text/corpus", "-o", "mle", "--steps", "2", *sets, "--results", str(results),
                 "--no-progress", "--no-table", *extra])


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_changed_corpus_is_a_new_run_not_a_stale_skip(corpus, tmp_path, capsys):
    train, test = corpus
    res = tmp_path / "runs"
    assert cli(train, test, res) == 0
    first = read_record(res / f"{RECORD}.json")
    assert first["data"] == {"train": sha(train), "test": sha(test)}  # the record names the data
    assert cli(train, test, res) == 0 and "skipped" in capsys.readouterr().out  # same files: the same run

    train.write_text("the cat sat .\na dog ran .\nthe bird sang .\n", encoding="utf-8")  # same path, new data
    kept = (res / f"{RECORD}.json").read_bytes()
    assert cli(train, test, res) == 2
    out = capsys.readouterr()
    assert "skipped" not in out.out and "--tag" in out.err  # refused, not reused
    assert (res / f"{RECORD}.json").read_bytes() == kept  # the old record is untouched

    assert cli(train, test, res, "--tag", "new-data") == 0
    second = read_record(res / f"{RECORD}__new-data.json")
    assert second["data"]["train"] == sha(train) != first["data"]["train"]
    assert second["data"]["test"] == first["data"]["test"]
    assert second["config_hash"] != first["config_hash"] and second["config"] == {**first["config"]}


def test_interrupted_run_does_not_resume_on_changed_data(corpus, tmp_path):
    train_file, test_file = corpus
    req = RunRequest("text/corpus", "mle", 0, tmp_path, steps=6, overrides={**SMOKE, "train_file": str(train_file),
                                                                           "test_file": str(test_file)})
    task, objective, cfg = prepare(req)
    assert train(task, objective, cfg, 0, tmp_path / "run", progress=False, stop_after=3).status == "stopped"
    train_file.write_text("the cat sat .\na dog ran .\nthe bird sang .\n", encoding="utf-8")
    task, objective, cfg = prepare(req)
    with pytest.raises(UserError, match="refusing to resume"):
        train(task, objective, cfg, 0, tmp_path / "run", progress=False)


def test_missing_or_unreadable_corpus_is_an_input_error_before_anything_is_written(corpus, tmp_path, capsys):
    train, test = corpus
    res = tmp_path / "runs"
    assert cli(tmp_path / "missing.txt", test, res) == 2
    assert "missing.txt does not exist" in capsys.readouterr().err
    assert cli(tmp_path, test, res) == 2  # a folder given as a file
    assert "is not a file" in capsys.readouterr().err
    assert not res.exists() or not any(res.iterdir())


def test_the_hash_covers_data_and_leaves_data_free_configs_as_they_were():
    cfg = resolve(TASKS.get("toy/ring8").spec, build_objective("ns"))
    assert config_hash(cfg, {}) == config_hash(cfg) == config_hash(cfg, None)  # built-in tasks: unchanged
    assert config_hash(cfg, {"train": "a" * 64}) != config_hash(cfg)
    assert config_hash(cfg, {"train": "a" * 64}) != config_hash(cfg, {"train": "b" * 64})
    assert config_hash(cfg, {"train": "a" * 64}) != config_hash(cfg, {"test": "a" * 64})


def test_any_task_that_declares_data_gets_the_same_treatment(tmp_path, monkeypatch):
    """The runner asks every task (a plugin's too) through the Task hook, not text/corpus by name."""
    cls = TASKS.get("toy/ring8")
    data = {"points": "0" * 64}
    monkeypatch.setattr(cls, "data_identity", lambda self, config: dict(data))
    req = RunRequest("toy/ring8", "ns", 0, tmp_path, steps=2, progress=False,
                     overrides={"g_hidden": 16, "g_layers": 1, "d_hidden": 16, "d_layers": 1, "batch_size": 32})
    first = execute(req).record
    assert first["data"] == data and first["config_hash"] == resolve_run(req).config_hash
    assert execute(req).action == "skipped"
    data["points"] = "1" * 64
    with pytest.raises(UserError, match="--tag"):
        execute(req)
