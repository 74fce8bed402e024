import os
import subprocess
import sys

import pytest

from ganbench.core.errors import UnknownNameError
from ganbench.core.registry import Registry


def test_duplicate_names_fail():
    reg = Registry("task")
    reg.register("toy/a", "math:sqrt", "a")
    with pytest.raises(ValueError, match="duplicate"):
        reg.register("toy/a", "math:cos", "again")


def test_unknown_name_suggests_close_ones():
    reg = Registry("task")
    reg.register("toy/ring8", "math:sqrt", "ring")
    reg.register("toy/grid25", "math:cos", "grid")
    with pytest.raises(UnknownNameError) as err:
        reg.get("toy/rng8")
    assert "did you mean toy/ring8" in str(err.value)
    assert reg.close_names("ring8") == ["toy/ring8"]


def test_lazy_import_and_load():
    reg = Registry("thing")
    reg.register("sqrt", "math:sqrt", "square root")
    assert reg.get("sqrt")(9.0) == 3.0
    reg.register("broken", "math:nope", "points nowhere")
    with pytest.raises(ImportError, match="math:nope"):
        reg.get("broken")


def test_listing_imports_no_task_module():
    code = ("import sys; from ganbench.tasks import TASKS; from ganbench.objectives import OBJECTIVES; from ganbench.metrics import METRICS;"
            "from ganbench.nets import NETS;"
            "names = TASKS.names(); assert 'toy/ring8' in names and 'mlp-generator' in NETS.names();"
            "nets = ('ganbench.nets.mlp', 'ganbench.domains.image.nets', 'ganbench.domains.sequence.generator');"
            "bad = [m for m in sys.modules if m.startswith('ganbench.tasks.') or m in ('rdkit', 'torchvision', 'torch_fidelity', *nets)];"
            "print(bad); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_reading_plugin_registries_imports_no_torch():
    """Entry points are read when a registry is first listed; with no plugin installed, nothing heavy comes in."""
    code = ("import sys; from ganbench.tasks import TASKS; from ganbench.metrics import METRICS; from ganbench.nets import NETS;"
            "TASKS.names(); METRICS.names(); NETS.names(); assert 'toy/ring8' in TASKS;"
            "bad = [m for m in ('torch', 'numpy') if m in sys.modules]; assert not bad, bad")
    env = {k: v for k, v in os.environ.items() if k != "GANBENCH_PLUGINS"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_builtin_entries_have_origin_ganbench():
    from ganbench.nets import NETS
    from ganbench.tasks import TASKS

    assert {e.origin for reg in (TASKS, NETS) for e in reg.entries()} == {"ganbench"}
    assert not any(e.is_plugin for e in TASKS.entries())


def test_plugins_are_read_lazily_and_once(monkeypatch):
    from ganbench.core import plugins

    seen = []
    monkeypatch.setattr(plugins, "discover", lambda reg: seen.append(reg.kind))
    reg = Registry("net", group="ganbench.nets", base="torch.nn:Module")
    reg.register("a", "math:sqrt", "a")  # registering built-ins reads nothing
    assert seen == []
    assert "a" in reg and reg.names() == ["a"] and reg.get("a")(4.0) == 2.0
    assert seen == ["net"]
    assert Registry("thing").names() == [] and seen == ["net"]  # no group: no plugins to look for


def test_base_given_as_a_string_resolves_on_first_use():
    reg = Registry("thing", group="x.y", base="collections:OrderedDict")
    assert reg._base == "collections:OrderedDict"
    from collections import OrderedDict

    assert reg.base is OrderedDict


def test_every_registry_entry_resolves():
    from ganbench.metrics import METRICS
    from ganbench.objectives import OBJECTIVES
    from ganbench.tasks import TASKS

    from ganbench.nets import NETS

    for reg in (TASKS, OBJECTIVES, METRICS, NETS):
        for entry in reg.entries():
            assert entry.summary and "\n" not in entry.summary
            assert entry.load() is not None
