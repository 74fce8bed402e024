"""The same sweep through Ray: a local Ray instance on this machine stands in for a cluster."""

import pytest

from ganbench.engine.executors import Progress, run_requests
from ganbench.core.records import load_records
from ganbench.engine.sweep import classify, plan_sweep

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    if ray.is_initialized():
        pytest.skip("a Ray instance is already connected in this process")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_sweep_through_ray_records_every_run_and_skips_on_rerun(local_ray, tmp_path, capsys):
    f = tmp_path / "sweep.yaml"
    f.write_text("tasks: [toy/ring8]\nobjectives: [ns]\nseeds: [0, 1]\nsteps: 20\n"
                 "set: {g_hidden: 16, g_layers: 1, d_hidden: 16, d_layers: 1}\n"
                 "points: [{batch_size: 32}, {batch_size: 1, tag: broken}]\n")
    res = tmp_path / "runs"
    split = classify(plan_sweep(f, results=res).requests)
    assert len(split.todo) == 4
    summaries = run_requests(split.todo, "ray", on_done=Progress(4, enabled=False))
    assert sorted(s["status"] for s in summaries) == ["failed", "failed", "ok", "ok"]  # a failure does not stop it
    loaded = load_records(res)
    assert not loaded.problems and len(loaded.records) == 4
    assert all(r["config"]["g_hidden"] == 16 for r in loaded.records)
    assert capsys.readouterr().out.count("\n") == 4  # one line per finished run
    again = classify(plan_sweep(f, results=res).requests)
    assert len(again.done) == 2 and len(again.todo) == 2  # ok runs skipped, failed ones retried
