"""Every adversarial loss trains a sequence task through its relaxation, by default, from a shared MLE phase."""

import math

import pytest
import torch

import ganbench
from ganbench.core.config import config_hash, resolve
from ganbench.core.errors import UserError
from ganbench.engine.checkpoint import load_checkpoint
from ganbench.engine.runner import RunRequest, prepare
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

ADVERSARIAL = ("ns", "minimax", "hinge", "wgan-gp", "lsgan", "rsgan")
TINY = {"d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8], "batch_size": 8}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_relaxation_is_the_default_for_losses_that_need_it_and_only_for_them():
    spec = TASKS.get("text/oracle-tiny").spec
    for name in ADVERSARIAL:
        cfg = resolve(spec, build_objective(name))
        assert cfg["gumbel"] is True and cfg["pretrain_g_steps"] > 0, name
    for name in ("mle", "seqgan"):  # the discrete methods keep their configs (and hashes) as before
        cfg = resolve(spec, build_objective(name))
        assert cfg["gumbel"] is False
    assert "pretrain_g_steps" not in resolve(spec, build_objective("mle"))
    # points and images have no relaxation: nothing is added to their configs
    assert "gumbel" not in resolve(TASKS.get("toy/ring8").spec, build_objective("hinge"))


def test_gumbel_false_keeps_the_refusal_and_a_too_long_pre_training_is_refused():
    with pytest.raises(UserError, match="gumbel=true"):
        prepare(RunRequest("text/oracle-tiny", "hinge", 0, "unused", overrides={"gumbel": False}, steps=50))
    with pytest.raises(UserError, match="must exceed pretrain_g_steps"):
        prepare(RunRequest("text/oracle-tiny", "hinge", 0, "unused", overrides={"pretrain_g_steps": 50}, steps=50))
    with pytest.raises(UserError, match="optimizer=adam"):
        prepare(RunRequest("text/oracle-tiny", "hinge", 0, "unused", overrides={"pretrain_g_steps": 5, "optimizer": "rmsprop"},
                           steps=50))


def test_a_config_from_before_the_pre_training_keeps_its_hash():
    """The committed text/coco rsgan runs (gumbel, init_g, no pre-training key) are found again."""
    spec = TASKS.get("text/oracle-tiny").spec
    cfg = resolve(spec, build_objective("rsgan"), {"pretrain_g_steps": 0})
    old = {k: v for k, v in cfg.items() if k != "pretrain_g_steps"}
    assert config_hash(cfg) == config_hash(old)
    assert config_hash(resolve(spec, build_objective("rsgan"))) != config_hash(old)


def test_every_adversarial_loss_trains_a_tiny_sequence_task_through_the_relaxation(tmp_path, cache):
    pre, steps = 6, 10
    records = ganbench.run("text/oracle-tiny", list(ADVERSARIAL), 0, steps=steps, results=tmp_path / "runs",
                           overrides={**TINY, "pretrain_g_steps": pre, "gp_weight": 1.0, "r1_gamma": 0.5}, device="cpu")
    assert [r["objective"] for r in records] == list(ADVERSARIAL)
    for r in records:
        assert r["status"] == "ok", (r["objective"], r.get("error"), r.get("diverged"))
        rel = r["relaxation"]
        assert rel["kind"] == "gumbel-softmax" and rel["anneal_steps"] == steps - pre
        assert rel["pretrain"]["objective"] == "mle" and rel["pretrain"]["steps"] == pre
        assert rel["pretrain"]["lr_g"] == resolve(TASKS.get("text/oracle-tiny").spec, build_objective("mle"))["lr_g"]
        assert math.isfinite(r["metrics"]["nll_oracle"]["value"])
        log = (tmp_path / "runs" / r["run_id"] / "log.csv").read_text().splitlines()
        head = log[0].split(",")
        adversarial = [dict(zip(head, line.split(","))) for line in log[1 + pre:]]
        assert len(adversarial) == steps - pre
        for row in adversarial:  # the losses and both penalties (on the soft inputs) are finite numbers
            for key in ("loss_d", "loss_g", "penalty_d"):
                assert math.isfinite(float(row[key])), (r["objective"], key, row)
    # the six losses shared one MLE phase: the first computed and stored it, the others loaded it
    snapshots = list((cache / "mle-snapshots").glob(f"*-{pre}.pt"))
    assert len(snapshots) == 1
    loaded = [r["objective"] for r in records
              if "mle_snapshot_loaded" in (tmp_path / "runs" / r["run_id"] / "log.csv").read_text().splitlines()[0]]
    assert loaded == list(ADVERSARIAL[1:])


def test_the_mle_phase_is_the_mle_objectives_computation(tmp_path, monkeypatch):
    """Computed by a relaxed hinge run from scratch, the pre-trained generator equals an mle run's."""
    pre = 7
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "a"))
    ganbench.run("text/oracle-tiny", "mle", 3, steps=pre, results=tmp_path / "ra", overrides={"batch_size": 8}, device="cpu")
    (mle_snap,) = (tmp_path / "a" / "mle-snapshots").glob("*.pt")
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "b"))  # no snapshot: the hinge run computes the phase itself
    ganbench.run("text/oracle-tiny", "hinge", 3, steps=pre + 2, results=tmp_path / "rb",
                 overrides={**TINY, "pretrain_g_steps": pre}, device="cpu")
    (own_snap,) = (tmp_path / "b" / "mle-snapshots").glob("*.pt")
    assert own_snap.name == mle_snap.name  # one fingerprint: same start, same MLE settings
    a = torch.load(mle_snap, weights_only=True)["G"]
    b = torch.load(own_snap, weights_only=True)["G"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # after the phase the generator's optimiser runs the adversarial objective's settings
    ck = load_checkpoint(tmp_path / "rb" / "text-oracle-tiny__hinge__s3" / "checkpoint.pt")
    hinge = resolve(TASKS.get("text/oracle-tiny").spec, build_objective("hinge"))
    group = ck["opt_g"]["param_groups"][0]
    assert group["lr"] == hinge["lr_g"] and tuple(group["betas"]) == (hinge["beta1"], hinge["beta2"])
