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
            "names = TASKS.names(); assert 'toy/ring8' in names;"
            "bad = [m for m in sys.modules if m.startswith('ganbench.tasks.') or m in ('rdkit', 'torchvision', 'torch_fidelity')];"
            "print(bad); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_registry_entry_resolves():
    from ganbench.metrics import METRICS
    from ganbench.objectives import OBJECTIVES
    from ganbench.tasks import TASKS

    for reg in (TASKS, OBJECTIVES, METRICS):
        for entry in reg.entries():
            assert entry.summary and "\n" not in entry.summary
            assert entry.load() is not None
