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


def test_committed_records_keep_their_hash_when_re_resolved(committed_results):
    """Every committed record: re-resolving its task, objective and steps with its recorded
    overrides adds only the keys of ADDED_KEYS (at their defaults) and gives the recorded hash."""
    from ganbench.core.config import ADDED_KEYS
    from ganbench.core.records import load_records

    loaded = load_records(committed_results)
    assert loaded.records and not loaded.problems
    for rec in loaded.records:
        spec = TASKS.get(rec["task"]["name"]).spec
        objective = build_objective(rec["objective"])
        old = rec["config"]
        base = resolve(spec, objective, steps=old["steps"])
        overrides = {k: v for k, v in old.items() if k != "steps" and base.get(k, object()) != v}
        # a key added later whose default is no longer what configs without it did (pretrain_g_steps:
        # the relaxed losses now pre-train by default) is set back to its legacy value, as the
        # committed scripts that made those records now do
        overrides |= {k: sorted(a.legacy, key=str)[0] for k, a in ADDED_KEYS.items()
                      if k not in old and k in base and base[k] not in a.legacy}
        cfg = resolve(spec, objective, overrides, steps=old["steps"])
        assert set(old) <= set(cfg) and set(cfg) - set(old) <= set(ADDED_KEYS), rec["run_id"]
        assert {k: cfg[k] for k in old} == old
        assert config_hash(cfg) == rec["config_hash"], rec["run_id"]
        # the simple form: the recorded config plus the new keys it resolves to
        assert config_hash({**old, **{k: cfg[k] for k in ADDED_KEYS if k in cfg}}) == rec["config_hash"]


def test_added_keys_enter_the_hash_once_they_leave_their_legacy_value():
    base = resolve(SPEC, build_objective("ns"))
    assert base["g_arch"] == "mlp-generator" and base["d_arch"] == "mlp-discriminator"
    old = {k: v for k, v in base.items() if k not in ("g_arch", "d_arch")}
    assert config_hash(base) == config_hash(old)  # a release-1 config and its re-resolution agree
    assert config_hash(base) != config_hash({**base, "g_arch": "my-net"})
    assert config_hash(base) != config_hash({**base, "d_arch": "my-critic"})
    assert config_hash({**base, "g_arch": "a"}) != config_hash({**base, "g_arch": "b"})


def test_nets_are_checked_when_the_run_is_configured():
    with pytest.raises(UserError, match="unknown generator net 'resnet-9000'.*mlp-generator"):
        resolve(SPEC, build_objective("ns"), {"g_arch": "resnet-9000"})
    with pytest.raises(UserError, match="d_arch=mlp-generator is a generator net"):
        resolve(SPEC, build_objective("ns"), {"d_arch": "mlp-generator"})
