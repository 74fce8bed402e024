"""Sweep files -> run requests, skip-if-recorded, and `ganbench sweep` on the local process pool."""

import json

import pytest

from ganbench.cli import main
from ganbench.core.errors import UserError
from ganbench.engine.executors import Progress, record_crash
from ganbench.core.records import load_records, read_record, run_id
from ganbench.engine.runner import execute
from ganbench.engine.sweep import classify, parse_seeds, plan_sweep, point_tag

NETS = "g_hidden: 16, g_layers: 1, d_hidden: 16, d_layers: 1"
SMOKE = "set: {" + NETS + ", batch_size: 32}\n"


def write(tmp_path, text, name="sweep.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_grid_points_seeds_expand_with_readable_unique_tags(tmp_path):
    f = write(tmp_path, """
tasks: [toy/ring8, toy/grid25]
objectives: [ns, hinge]
seeds: 0-2
steps: 20
grid: {lr_g: [1e-4, 5.0e-4], n_dis: [1, 2]}
points: [{lr_d: 1e-4}, {lr_d: 2e-4, tag: fast-d}]
tag: lr
""")
    plan = plan_sweep(f, results=tmp_path / "runs")
    assert len(plan.requests) == 2 * 2 * 2 * 2 * 2 * 3
    first = plan.requests[0]
    assert (first.task, first.objective, first.seed) == ("toy/ring8", "ns", 0)
    assert first.overrides == {"lr_g": 0.0001, "n_dis": 1, "lr_d": 0.0001}  # "1e-4" (a YAML string) became a float
    assert first.tag == "lr-lr_g=0.0001,n_dis=1,lr_d=0.0001"
    named = {r.tag for r in plan.requests if r.overrides["lr_d"] == 2e-4}  # an explicit tag names the point
    assert "lr-fast-d,lr_g=0.0005,n_dis=2" in named and len(named) == 4
    assert len({(r.task, r.objective, r.seed, r.tag, tuple(r.overrides.items())) for r in plan.requests}) == len(plan.requests)
    # deterministic: the same file gives the same plan
    again = plan_sweep(f, results=tmp_path / "runs")
    assert [r.tag for r in again.requests] == [r.tag for r in plan.requests]


def test_tag_is_readable_and_bounded_and_its_file_name_safe():
    assert point_tag({"lr_g": 1e-4, "gumbel": True, "sizes": [1, 2]}) == "lr_g=0.0001,gumbel=true,sizes=1+2"
    tag = point_tag({"name": "a/b c"})
    assert tag == "name=a/b c" and run_id("toy/ring8", "ns", 0, tag) == "toy-ring8__ns__s0__name=a%2Fb%20c"
    long = point_tag({f"key{i}": 0.123456789 for i in range(20)})
    assert len(long) <= 96 and "~" in long
    assert long != point_tag({f"key{i}": 0.123456789 for i in range(21)})  # the hash keeps them apart
    assert point_tag({}) is None and point_tag({}, prefix="x") == "x"


def test_no_grid_means_plain_records(tmp_path):
    f = write(tmp_path, "tasks: toy/ring8\nobjectives: [ns]\nseeds: [0, 1]\nbudget: quick\n")
    plan = plan_sweep(f)
    assert [r.tag for r in plan.requests] == [None, None] and plan.requests[0].budget == "quick"


def test_suite_sweep_takes_the_suites_tasks_objectives_seeds(tmp_path):
    from ganbench.engine.suites import get_suite

    f = write(tmp_path, "suite: quick\nseeds: [0, 1, 2]\n")
    plan = plan_sweep(f)
    suite = get_suite("quick")
    expected = [(t, o) for t in suite.tasks() for o in suite.objectives_for(t)]
    assert sorted({(r.task, r.objective) for r in plan.requests}) == sorted(expected)
    assert len(plan.requests) == 3 * len(expected) and all(r.budget == "quick" for r in plan.requests)


@pytest.mark.parametrize("text, needle", [
    ("taks: [toy/ring8]\n", "did you mean 'tasks'"),
    ("tasks: [toy/rng8]\n", "did you mean toy/ring8"),
    ("tasks: [toy/ring8]\nobjectives: [wgan_gp]\n", "did you mean wgan-gp"),
    ("tasks: [toy/ring8]\nseeds: a-b\n", "malformed seeds"),
    ("tasks: [toy/ring8]\nseeds: [0, 0]\n", "repeat"),
    ("tasks: [toy/ring8]\nsteps: 10\nbudget: quick\n", "budget or steps"),
    ("tasks: [toy/ring8]\nset: {lr_g: 1}\ngrid: {lr_g: [1, 2]}\n", "both in set and varied"),
    ("tasks: [toy/ring8]\ngrid: {lr_g: []}\n", "is empty"),
    ("tasks: [toy/ring8]\ngrid: {lr_g: [1.0e-4, 0.0001]}\n", "same run"),
    ("tasks: [toy/ring8\n", "not valid YAML"),
    ("- toy/ring8\n", "must be a YAML mapping"),
    ("suite: quick\ntasks: [toy/ring8]\n", "not both"),
])
def test_bad_sweep_files_are_user_errors(tmp_path, text, needle):
    with pytest.raises(UserError, match=needle.replace("(", r"\(").replace("[", r"\[")):
        plan_sweep(write(tmp_path, text))


def test_unknown_hyper_parameter_caught_before_anything_runs(tmp_path):
    f = write(tmp_path, "tasks: [toy/ring8]\ngrid: {lr_gen: [1.0e-4]}\n")
    with pytest.raises(UserError, match="unknown hyper-parameter"):
        classify(plan_sweep(f, results=tmp_path / "runs").requests)
    assert not (tmp_path / "runs").exists()


def test_seeds_forms():
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds([5, "7-8"]) == [5, 7, 8]
    assert parse_seeds(4) == [4]


def test_classify_skips_recorded_retries_failed_and_refuses_other_configs(tmp_path):
    res = tmp_path / "runs"
    f = write(tmp_path, "tasks: [toy/ring8]\nobjectives: [ns]\nseeds: [0, 1, 2]\nsteps: 20\n" + SMOKE)
    reqs = plan_sweep(f, results=res).requests
    execute(reqs[0])  # done
    split = classify(reqs)
    assert [r.seed for r in split.todo] == [1, 2] and [r.seed for r, _ in split.done] == [0]
    # a failed record is retried
    crashed = record_crash(reqs[1], "WorkerDied: test")
    assert crashed["status"] == "failed" and read_record(res / "toy-ring8__ns__s1.json")["error"] == "WorkerDied: test"
    assert [r.seed for r in classify(reqs).todo] == [1, 2]
    # the same runs under another config conflict (the user must tag them)
    g = write(tmp_path, "tasks: [toy/ring8]\nobjectives: [ns]\nseeds: [0]\nsteps: 21\n" + SMOKE, "other.yaml")
    other = classify(plan_sweep(g, results=res).requests)
    assert len(other.conflicts) == 1 and "another config" in other.conflicts[0][2]
    code = main(["sweep", str(g), "--results", str(res)])
    assert code == 2


def test_record_crash_stamps_the_runs_device_and_precision(tmp_path):
    """A run that died on its device must not be recorded as a CPU fp32 run by the parent."""
    res = tmp_path / "runs"
    f = write(tmp_path, "tasks: [toy/ring8]\nobjectives: [ns]\nseeds: [0]\nsteps: 20\ndevice: cpu\n"
                        "set: {" + NETS + ", batch_size: 32, amp: bf16}\n")
    (req,) = plan_sweep(f, results=res).requests
    record_crash(req, "WorkerDied: test")
    prov = read_record(res / "toy-ring8__ns__s0.json")["provenance"]
    assert prov["device"] == "cpu" and prov["precision"] == "bf16"


def test_record_crash_keeps_good_records(tmp_path):
    res = tmp_path / "runs"
    f = write(tmp_path, "tasks: [toy/ring8]\nobjectives: [ns]\nseeds: [0]\nsteps: 20\n" + SMOKE)
    (req,) = plan_sweep(f, results=res).requests
    execute(req)
    before = (res / "toy-ring8__ns__s0.json").read_text()
    summary = record_crash(req, "WorkerDied: test")
    assert summary["status"] == "ok" and (res / "toy-ring8__ns__s0.json").read_text() == before


def test_progress_lines_and_eta(capsys):
    import io

    buf = io.StringIO()
    p = Progress(2, enabled=False, out=buf)
    p({"run_id": "a", "action": "ran", "status": "ok", "wall_time_s": 1.5, "metric": "m", "value": 0.25})
    p({"run_id": "b", "action": "ran", "status": "failed", "wall_time_s": None, "metric": "m", "value": None,
       "error": "ValueError: x"})
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("[1/2] a: ran, ok, 1.5s, m=0.25 (eta ") and lines[1] == "[2/2] b: ran, failed, ValueError: x"


def test_sweep_cli_runs_in_parallel_records_failures_and_skips_on_rerun(tmp_path, capsys):
    res = tmp_path / "runs"
    f = write(tmp_path, """
tasks: [toy/ring8]
objectives: [ns]
seeds: [0, 1]
steps: 20
set: {""" + NETS + """}
points: [{batch_size: 32}, {batch_size: 1, tag: broken}]
""")
    code = main(["sweep", str(f), "--results", str(res), "--workers", "2", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1  # some runs failed ...
    loaded = load_records(res)
    assert not loaded.problems and len(loaded.records) == 4  # ... but every run has its record
    status = {r["run_id"]: r["status"] for r in loaded.records}
    assert status["toy-ring8__ns__s0__batch_size=32"] == "ok" and status["toy-ring8__ns__s1__broken"] == "failed"
    assert sum(s == "failed" for s in status.values()) == 2
    assert "Expected more than 1 value" in read_record(res / "toy-ring8__ns__s0__broken.json")["error"]
    assert out.count("\n[") + out.startswith("[") == 4 and "sweep done: 2 failed, 2 ok" in out
    stamps = {p.name: p.stat().st_mtime_ns for p in res.glob("*.json") if "broken" not in p.name}
    code = main(["sweep", str(f), "--results", str(res), "--workers", "2", "--no-progress"])
    out = capsys.readouterr().out
    assert "2 already recorded, 2 to run" in out  # the ok runs are skipped, the failed ones retried
    assert {p.name: p.stat().st_mtime_ns for p in res.glob("*.json") if "broken" not in p.name} == stamps
    assert len(list((res / "toy-ring8__ns__s0__broken" / "previous-failures").glob("*.json"))) == 1


def test_dry_run_lists_and_runs_nothing(tmp_path, capsys):
    f = write(tmp_path, "tasks: [toy/ring8]\nseeds: [0, 1]\nsteps: 20\n" + SMOKE)
    assert main(["sweep", str(f), "--results", str(tmp_path / "runs"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("would run") == 2 and not (tmp_path / "runs").exists()


def test_ray_executor_without_cluster_is_a_user_error(tmp_path, capsys, monkeypatch):
    pytest.importorskip("ray")
    import ray

    if ray.is_initialized():
        pytest.skip("a Ray instance is already connected in this process")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    f = write(tmp_path, "tasks: [toy/ring8]\nsteps: 20\n" + SMOKE)
    code = main(["sweep", str(f), "--results", str(tmp_path / "runs"), "--executor", "ray"])
    assert code == 2 and "--address" in capsys.readouterr().err


def test_records_are_json_with_the_sweep_config(tmp_path):
    f = write(tmp_path, "tasks: [toy/ring8]\nseeds: [3]\nsteps: 20\ngrid: {lr_g: [3.0e-4]}\n" + SMOKE)
    (req,) = plan_sweep(f, results=tmp_path / "runs").requests
    rec = execute(req).record
    data = json.loads((tmp_path / "runs" / f"{rec['run_id']}.json").read_text())
    assert data["tag"] == "lr_g=0.0003" and data["config"]["lr_g"] == 3e-4 and data["config"]["g_hidden"] == 16


def test_a_run_that_kills_its_worker_is_found_and_recorded_failed(monkeypatch):
    """run_local's retry logic with a simulated pool: 'bad' kills whichever worker runs it."""
    from ganbench.engine import executors

    rounds = []

    def fake_round(reqs, workers, on_done):
        rounds.append((list(reqs), workers))
        inflight = list(reqs[:workers])
        if "bad" in inflight:  # the pool breaks: nothing in flight finishes
            return [], list(reqs[workers:]), inflight
        done = [{"run_id": r, "status": "ok"} for r in reqs]
        for d in done:
            on_done(d)
        return done, [], []

    crashed = []
    monkeypatch.setattr(executors, "_pool_round", fake_round)
    monkeypatch.setattr(executors, "record_crash", lambda req, why: crashed.append((req, why)) or {"run_id": req, "status": "failed"})
    seen = []
    out = executors.run_local(["a", "bad", "c", "d", "e"], workers=2, on_done=seen.append)
    assert crashed == [("bad", executors.WORKER_DIED)]  # only the culprit is blamed
    assert sorted(s["run_id"] for s in out) == ["a", "bad", "c", "d", "e"] and len(seen) == 5
    assert {s["run_id"]: s["status"] for s in out}["a"] == "ok"  # the innocent run in flight was retried
    assert (["bad"], 1) in rounds  # ... and the suspect ran alone before being blamed


def test_run_and_sweep_plan_through_one_planner(tmp_path):
    from ganbench.cli import _plan, build_parser

    res = str(tmp_path / "runs")
    args = build_parser().parse_args(["run", "--suite", "quick", "--seeds", "0-1", "--results", res, "--set", "g_hidden=16"])
    f = write(tmp_path, "suite: quick\nseeds: 0-1\nset: {g_hidden: 16}\n")
    key = lambda r: (r.task, r.objective, r.seed, r.budget, r.steps, dict(r.overrides), r.tag, str(r.results))  # noqa: E731
    cli, sweep = [key(r) for r in _plan(args)], [key(r) for r in plan_sweep(f, results=res).requests]
    assert cli == sweep and len(cli) > 2 and all(k[3] == "quick" for k in cli)
    args = build_parser().parse_args(["run", "toy/ring8", "--steps", "20", "-o", "ns,hinge", "--tag", "x", "--results", res])
    f = write(tmp_path, "tasks: [toy/ring8]\nobjectives: [ns, hinge]\nsteps: 20\ntag: x\n", "plain.yaml")
    assert [key(r) for r in _plan(args)] == [key(r) for r in plan_sweep(f, results=res).requests]


@pytest.mark.parametrize("args, needle", [
    (["toy/ring8", "--seeds", "0,0"], "repeat a seed"),
    (["toy/ring8", "toy/ring8"], "asked for twice"),
    (["toy/ring8", "--seeds", "3-1"], "malformed --seeds"),
    (["toy/ring8", "--suite", "quick"], "not both"),
    ([], "name at least one task"),
])
def test_run_plans_are_checked_like_sweep_plans(tmp_path, capsys, args, needle):
    assert main(["run", *args, "--results", str(tmp_path)]) == 2
    assert needle in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_a_suite_starts_every_task_once_before_repeating_one(tmp_path):
    """Side by side, the first round holds each task once (their reference builds overlap; the
    single-run molecule task does not wait for the end), and the plan still holds every run once."""
    from ganbench.engine.planning import plan_runs
    from ganbench.engine.suites import get_suite

    reqs = plan_runs(results=tmp_path / "runs", suite="quick")
    tasks = get_suite("quick").tasks()
    first = [r.task for r in reqs[: len(tasks)]]
    assert sorted(first) == sorted(tasks)
    keys = [(r.task, r.objective, r.seed) for r in reqs]
    assert len(set(keys)) == len(keys) == sum(len(get_suite("quick").objectives_for(t)) for t in tasks)
