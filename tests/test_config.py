import pytest

from ganbench.core.config import config_hash, parse_overrides, resolve
from ganbench.core.errors import UserError
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

SPEC = TASKS.get("toy/ring8").spec


def test_layers_and_overrides():
    cfg = resolve(SPEC, build_objective("wgan-gp"), {"lr_g": 3e-4}, budget="quick")
    assert cfg["n_dis"] == 5 and cfg["gp_weight"] == 10.0  # objective layer
    assert cfg["batch_size"] == SPEC.defaults["batch_size"]  # task layer
    assert cfg["steps"] == SPEC.budgets["quick"] and cfg["lr_g"] == 3e-4
    assert resolve(SPEC, build_objective("ns"), steps=7)["steps"] == 7


def test_parse_overrides_values():
    assert parse_overrides(["lr_g=1e-4", "ema=0.999", "n_dis=2", "optimizer=rmsprop", "x=true"]) == {
        "lr_g": 1e-4, "ema": 0.999, "n_dis": 2, "optimizer": "rmsprop", "x": True}


@pytest.mark.parametrize("bad", ["lr_g", "=3", "lr_g=", "noequals"])
def test_malformed_set(bad):
    with pytest.raises(UserError, match="malformed --set"):
        parse_overrides([bad])


def test_unknown_key_suggests_and_type_checked():
    with pytest.raises(UserError, match="did you mean lr_g"):
        resolve(SPEC, build_objective("ns"), {"lr_gg": 1e-3})
    with pytest.raises(UserError, match="expected a int"):
        resolve(SPEC, build_objective("ns"), {"n_dis": "many"})


def test_hash_ignores_cadence_not_semantics():
    base = resolve(SPEC, build_objective("ns"))
    assert config_hash(base) == config_hash({**base, "checkpoint_every": 7})
    assert config_hash(base) != config_hash({**base, "lr_g": 1.0})
