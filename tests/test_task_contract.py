"""Runs over every registered task automatically: adding a task needs no new test code.

For each task: the spec is valid, the data loads (skipped with the reason when a data file is
absent), the nets produce the right shapes, one training step of every compatible objective is
finite, and the task's metrics compute on its own reference samples.
"""

import functools
import math
import warnings

import pytest
import torch

from ganbench.core.config import resolve
from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.engine.evaluator import evaluate_samples
from ganbench.metrics import METRICS
from ganbench.metrics.base import MetricSkipped
from ganbench.objectives import OBJECTIVES, build_objective
from ganbench.objectives.inputs import split_labels
from ganbench.engine.trainer import TrainState, make_optimizer, seed_everything
from ganbench.tasks import TASKS

TASK_NAMES = TASKS.names()


def _params(names):
    """Tasks whose setup takes minutes (training a feature classifier, generating a big oracle set,
    parsing a large reference split) run their contract checks under ``-m slow`` only."""
    return [pytest.param(n, marks=pytest.mark.slow) if TASKS.get(n).spec.slow_setup else n for n in names]


SETUP_NAMES = _params(TASK_NAMES)


def skip_without_data(test):
    """A task's data is read lazily (vocabulary, tokeniser, reference split): wherever a missing
    file surfaces inside a contract check, the check is skipped with the message saying how to get it."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except DataNotFoundError as exc:
            pytest.skip(str(exc))

    return wrapper


def _task(name):
    try:
        return TASKS.get(name)()
    except DataNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("name", TASK_NAMES)
def test_spec_is_valid(name):
    spec = TASKS.get(name).spec
    assert spec.name == name
    assert spec.main_metric in spec.metrics
    assert all(m in METRICS for m in spec.metrics), [m for m in spec.metrics if m not in METRICS]
    assert spec.summary and spec.protocol and spec.data_source
    assert all(isinstance(v, int) and v > 0 for v in spec.budgets.values())


def _compatible(task, name):
    obj = build_objective(name)
    cfg = resolve(task.spec, obj, dict(task.spec.smoke), steps=1)
    try:
        obj.check(task, cfg)
    except UserError:
        return None
    return obj, cfg


@pytest.mark.parametrize("name", SETUP_NAMES)
@skip_without_data
def test_one_step_of_every_compatible_objective_is_finite(name):
    task = _task(name)
    ran = 0
    for objective_name in OBJECTIVES.names():
        pair = _compatible(task, objective_name)
        if pair is None:
            continue
        objective, cfg = pair
        seed_everything(0)
        try:
            G, D = task.build_models(cfg)
        except DataNotFoundError as exc:
            pytest.skip(str(exc))
        state = TrainState(task, cfg, G, D, make_optimizer(G.parameters(), cfg, "g"),
                           make_optimizer(D.parameters(), cfg, "d") if D is not None else None,
                           torch.Generator().manual_seed(0))
        logs = objective.step(state)
        assert logs and all(math.isfinite(v) for v in logs.values()), (objective_name, logs)
        ran += 1
    assert ran >= 1, f"no objective can train {name}"


@pytest.mark.parametrize("name", SETUP_NAMES)
@skip_without_data
def test_samples_have_the_shape_of_real_data(name):
    task = _task(name)
    cfg = resolve(task.spec, build_objective(_first_compatible(task)), dict(task.spec.smoke), steps=1)
    try:
        G, _ = task.build_models(cfg)
    except DataNotFoundError as exc:
        pytest.skip(str(exc))
    rng = torch.Generator().manual_seed(0)
    real, real_labels = split_labels(task.real_batch(4, rng))  # a class-conditional task: (x, y)
    fake, fake_labels = split_labels(task.sample(G, 4, rng))
    assert len(fake) == 4 and (real_labels is None) == (fake_labels is None)
    if fake_labels is not None:
        assert len(fake_labels) == len(real_labels) == 4
    if isinstance(real, torch.Tensor) and isinstance(fake, torch.Tensor) and task.spec.continuous:
        assert fake.shape[1:] == real.shape[1:]


@pytest.mark.parametrize("name", SETUP_NAMES)
@skip_without_data
def test_metrics_compute_on_reference_samples(name):
    task = _task(name)
    try:
        samples = task.reference_samples(min(task.spec.eval_samples, 200))
    except DataNotFoundError as exc:
        pytest.skip(str(exc))
    fast = [m for m in task.spec.metrics if not METRICS.entry(m).meta.get("slow")]
    absent = {m for m in fast if METRICS.get(m).unavailable(task)}  # weights only the user supplies (LPIPS' AlexNet)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricSkipped)
        values = evaluate_samples(task, samples, fast)
    assert set(values) == set(fast) - absent
    for v in values.values():
        assert v.direction in ("max", "min")


def _first_compatible(task):
    for n in OBJECTIVES.names():
        if _compatible(task, n) is not None:
            return n
    raise AssertionError(f"no objective for {task.spec.name}")
