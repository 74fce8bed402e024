"""Every input is checked when the run is configured: one line, exit 2, nothing written; OS errors
become one line naming the path and the cause, and nothing already recorded is touched."""

import errno
import json
import shutil

import pytest

from fs_faults import unwritable_dir  # noqa: F401 (fixture)
from cli_helpers import NETS, QUIET, one_line_error, run_cli
from ganbench.core import config as config_mod
from ganbench.core.errors import UserError
from ganbench.core.records import read_record
from ganbench.objectives import OBJECTIVES, build_objective
from ganbench.tasks import TASKS


@pytest.mark.parametrize("extra, needle", [
    (["--seeds", "3-1"], "malformed --seeds"),
    (["--seeds", ","], "malformed --seeds"),
    (["--seeds", " , ,"], "malformed --seeds"),
    (["--seeds", "99999999999999999999999"], "is not an integer in [-2**63, 2**63)"),
    (["-o", ","], "no objective"),
    (["-o", ""], "no objective"),
    (["--budget", "quick"], "--budget or --steps, not both"),
    (["--set", "lr_d=inf"], "lr_d"),
    (["--set", "lr_d=nan"], "lr_d"),
    (["--set", "lr_d=NaN"], "not a finite number"),
    (["--set", "lr_g=-inf"], "lr_g"),
    (["--set", "lr_g=Infinity"], "not a finite number"),
    (["--set", "lr_g=-0.0001"], "lr_g must be a finite number > 0"),
    (["--set", "lr_d=0"], "lr_d must be a finite number > 0"),
    (["--set", "batch_size=0"], "batch_size must be an integer >= 1"),
    (["--set", "batch_size=-3"], "batch_size must be an integer >= 1"),
    (["--set", "n_dis=0"], "n_dis must be an integer >= 1"),
    (["--set", "ema=1.5"], "ema must be in [0, 1)"),
    (["--set", "ema=1"], "ema must be in [0, 1)"),
    (["--set", "ema=-0.1"], "ema must be in [0, 1)"),
    (["--set", "beta1=1"], "beta1 must be in [0, 1)"),
    (["--set", "beta2=-0.5"], "beta2 must be in [0, 1)"),
    (["--set", "eval_every=-1"], "eval_every must be an integer >= 0"),
    (["--set", "checkpoint_every=0"], "checkpoint_every must be an integer >= 1"),
    (["--set", "steps=0"], "steps"),
    (["--set", "g_hidden=0"], "g_hidden must be an integer >= 1"),
    (["--set", "latent_dim=0"], "latent_dim must be an integer >= 1"),
    (["--set", "d_maxout=0"], "d_maxout must be an integer >= 1"),
    (["--set", "g_layers=-1"], "g_layers must be an integer >= 0"),
    (["--set", "gp_weight=-1"], "gp_weight must be a finite number >= 0"),
    (["--set", "r1_gamma=nan"], "r1_gamma"),
])
def test_bad_run_input_is_one_line_and_writes_nothing(tmp_path, capsys, extra, needle):
    results = tmp_path / "runs"
    code, out, err = run_cli(capsys, "run", "toy/ring8", "--steps", "2", "--results", str(results), *NETS, *QUIET, *extra)
    one_line_error(code, err, needle)
    assert not results.exists() and out == ""


@pytest.mark.parametrize("cfg, needle", [
    ({"d_dropout": 1.0}, "d_dropout must be in [0, 1)"),
    ({"gumbel_beta_max": 0.0}, "gumbel_beta_max must be a finite number > 0"),
    ({"rollouts": 0}, "rollouts must be an integer >= 1"),
    ({"rollout_update_rate": 1.0}, "rollout_update_rate must be in [0, 1)"),
    ({"organ_lambda": 1.5}, "organ_lambda must be in [0, 1]"),
    ({"pretrain_g_steps": -1}, "pretrain_g_steps must be an integer >= 0"),
    ({"grad_clip": -1.0}, "grad_clip must be a finite number >= 0"),
    ({"d_l2": float("inf")}, "d_l2"),
    ({"d_filter_sizes": [1, 0, 3]}, "d_filter_sizes must be integers >= 1"),
    ({"d_num_filters": [4, -1]}, "d_num_filters must be integers >= 1"),
    ({"g_emb_dim": 0}, "g_emb_dim must be an integer >= 1"),
    ({"some_plugin_key": float("nan")}, "some_plugin_key must be a finite number"),
    ({"some_list": [1.0, float("inf")]}, "some_list must hold finite numbers"),
])
def test_domain_keys_have_ranges_too(cfg, needle):
    with pytest.raises(UserError) as info:
        config_mod.check_ranges(cfg)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_every_shipped_default_config_passes_the_range_check():
    checked = 0
    for task_entry in TASKS.entries():
        spec = TASKS.get(task_entry.name).spec
        for obj_entry in OBJECTIVES.entries():
            try:
                cfg = config_mod.resolve(spec, build_objective(obj_entry.name))
            except UserError as exc:
                assert "must be" not in str(exc), (task_entry.name, obj_entry.name, exc)
                continue
            checked += 1
    assert checked >= len(list(TASKS.entries()))


def test_sweep_config_errors_surface_before_anything_runs(tmp_path, capsys):
    results = tmp_path / "runs"
    for text, needle in (("set: {ema: 1.5}\n", "ema must be in [0, 1)"),
                         ("objectives: []\n", "no objective"),
                         ("grid: {lr_g: [1.0e-4, .inf]}\n", "lr_g")):
        sweep = tmp_path / "s.yaml"
        sweep.write_text("tasks: [toy/ring8]\nsteps: 2\n" + text)
        code, out, err = run_cli(capsys, "sweep", str(sweep), "--results", str(results), "--no-progress")
        one_line_error(code, err, needle)
        assert not results.exists()
    sweep.write_text("tasks: [toy/ring8]\nsteps: 2\n")
    code, out, err = run_cli(capsys, "sweep", str(sweep), "--results", str(results), "--workers", "0")
    one_line_error(code, err, "--workers must be at least 1")


def test_api_rejects_empty_seed_and_objective_lists(tmp_path):
    import ganbench

    with pytest.raises(UserError, match="no seed"):
        ganbench.run("toy/ring8", seeds=[], steps=2, results=tmp_path)
    with pytest.raises(UserError, match="no objective"):
        ganbench.run("toy/ring8", objectives=[], steps=2, results=tmp_path)
    assert not any(tmp_path.iterdir())


# --- paths that cannot be written ---------------------------------------------------------------
def test_results_under_a_regular_file(tmp_path, capsys):
    plain = tmp_path / "plain"
    plain.write_text("x")
    code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "2", "--results", str(plain / "runs"), *NETS, *QUIET)
    one_line_error(code, err, "is a file, not a folder")
    sweep = tmp_path / "s.yaml"
    sweep.write_text("tasks: [toy/ring8]\nsteps: 2\n")
    code, _, err = run_cli(capsys, "sweep", str(sweep), "--results", str(plain))
    one_line_error(code, err, "is a file, not a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "s.yaml"]


def test_unwritable_results_folder(tmp_path, capsys, unwritable_dir):
    for results in (unwritable_dir, unwritable_dir / "runs"):
        code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "2", "--results", str(results), *NETS, *QUIET)
        one_line_error(code, err, "cannot write")
        assert str(unwritable_dir) in err
    assert not any(unwritable_dir.iterdir())


def _fill_disk(monkeypatch, module, name):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, name, full)


def test_disk_full_while_writing_the_record_touches_nothing_recorded(tmp_path, capsys, monkeypatch):
    import ganbench.core.atomic as atomic

    res = tmp_path / "runs"
    base = ["run", "toy/ring8", "--steps", "2", "--results", str(res), *NETS, *QUIET]
    assert run_cli(capsys, *base)[0] == 0  # an ok record of another run
    assert run_cli(capsys, *base, "--tag", "broken", "--set", "lr_g=0.5", "--set", "lr_d=0.5")[0] in (0, 1)
    broken = res / "toy-ring8__ns__s0__broken.json"
    rec = read_record(broken)
    rec["status"], rec["error"] = "failed", "RuntimeError: made to fail by the test"
    broken.write_text(json.dumps(rec))  # a failed record the next launch retries
    before = {p: p.read_bytes() for p in res.glob("*.json")}
    _fill_disk(monkeypatch, atomic.os, "fsync")
    code, _, err = run_cli(capsys, *base, "--tag", "broken", "--set", "lr_g=0.5", "--set", "lr_d=0.5")
    one_line_error(code, err, "No space left on device")
    assert str(broken) in err
    assert {p: p.read_bytes() for p in res.glob("*.json")} == before  # the failure is still in place, untouched
    assert not list(res.rglob(".*.tmp")) and not (res / broken.stem / "previous-failures").exists()


def test_disk_full_while_checkpointing_is_not_a_method_failure(tmp_path, capsys, monkeypatch):
    import ganbench.engine.checkpoint as checkpoint

    res = tmp_path / "runs"
    _fill_disk(monkeypatch, checkpoint.torch, "save")
    code, _, err = run_cli(capsys, "run", "toy/ring8", "--steps", "2", "--results", str(res), *NETS, *QUIET)
    one_line_error(code, err, "No space left on device")
    assert "checkpoint.pt" in err and not list(res.glob("*.json"))  # no "failed" record blaming the method


def test_truncated_checkpoint_says_to_delete_it(tmp_path, capsys):
    res = tmp_path / "runs"
    base = ["run", "toy/ring8", "--steps", "4", "--results", str(res), *NETS, *QUIET]
    assert run_cli(capsys, *base, "--set", "checkpoint_every=2")[0] == 0
    (res / "toy-ring8__ns__s0.json").unlink()
    ckpt = res / "toy-ring8__ns__s0" / "checkpoint.pt"
    ckpt.write_bytes(ckpt.read_bytes()[: ckpt.stat().st_size // 2])
    code, _, err = run_cli(capsys, *base, "--set", "checkpoint_every=2")
    one_line_error(code, err, "delete it")
    assert str(ckpt) in err and not (res / "toy-ring8__ns__s0.json").exists()


def test_a_copied_record_of_another_seed_is_never_taken_for_this_run(tmp_path, capsys):
    res = tmp_path / "runs"
    base = ["run", "toy/ring8", "--steps", "2", "--results", str(res), *NETS, *QUIET]
    assert run_cli(capsys, *base)[0] == 0
    shutil.copy(res / "toy-ring8__ns__s0.json", res / "toy-ring8__ns__s1.json")
    code, _, err = run_cli(capsys, *base, "--seeds", "1")
    one_line_error(code, err, "seed 0, not 1")
    assert "hash" not in err


def test_a_copied_checkpoint_of_another_seed_names_the_seed(tmp_path, capsys):
    res = tmp_path / "runs"
    base = ["run", "toy/ring8", "--steps", "4", "--results", str(res), *NETS, *QUIET]
    assert run_cli(capsys, *base)[0] == 0
    shutil.copytree(res / "toy-ring8__ns__s0", res / "toy-ring8__ns__s1")
    code, _, err = run_cli(capsys, *base, "--seeds", "1")
    one_line_error(code, err, "seed 0, now 1")
    assert not (res / "toy-ring8__ns__s1.json").exists()


def test_another_config_names_the_keys_that_differ(tmp_path, capsys):
    res = tmp_path / "runs"
    base = ["run", "toy/ring8", "--steps", "2", "--results", str(res), *NETS, *QUIET]
    assert run_cli(capsys, *base)[0] == 0
    code, _, err = run_cli(capsys, *base, "--set", "lr_g=0.001")
    one_line_error(code, err, "recorded under another config (lr_g 0.0005 -> 0.001)")  # the task's default lr_g
    path = res / "toy-ring8__ns__s0.json"
    rec = json.loads(path.read_text())
    rec["task"]["version"] = "0"
    path.write_text(json.dumps(rec))
    code, _, err = run_cli(capsys, *base)
    one_line_error(code, err, "task version 0")


def test_eval_samples_that_are_folders_or_not_images(tmp_path, capsys):
    folder = tmp_path / "dir.npy"
    folder.mkdir()
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(folder))
    one_line_error(code, err, "is a folder")
    code, _, err = run_cli(capsys, "eval", "toy/ring8", "--samples", str(tmp_path / "missing.npy"))
    one_line_error(code, err, "does not exist")
    pngs = tmp_path / "pngs"
    pngs.mkdir()
    (pngs / "0.png").write_bytes(b"this is not a PNG")
    code, _, err = run_cli(capsys, "eval", "image/digits", "--samples", str(pngs))
    one_line_error(code, err, "0.png")
