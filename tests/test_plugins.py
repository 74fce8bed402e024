"""Plugins from a user's own package: an installed distribution's entry points and ``--plugin FILE``.

The end-to-end test builds a real distribution in a temporary folder, installs it with pip (no
network: ``--no-deps --no-build-isolation``) and drives the ``ganbench`` command in subprocesses,
as a user would. The rules (clashes, wrong base class, import failures) are also checked in this
process against fresh registries, which is fast and leaves the package's registries untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ganbench.core import plugins
from ganbench.core.errors import UserError
from ganbench.core.registry import Registry

GOOD_PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "my-gan-plugin"
version = "0.1"

[project.entry-points."ganbench.tasks"]
"toy/ring8-wide" = "my_gan_plugin:RingWide"

[project.entry-points."ganbench.objectives"]
my-hinge = "my_gan_plugin:MyHinge"

[project.entry-points."ganbench.nets"]
my-mlp = "my_gan_plugin:MyMLP"

[tool.setuptools]
py-modules = ["my_gan_plugin"]
"""

GOOD_MODULE = '''
"""A plugin: a wider ring task, a renamed hinge objective and a one-layer MLP generator."""
from dataclasses import replace

from ganbench.nets.mlp import MLPGenerator
from ganbench.objectives.adversarial import Hinge
from ganbench.tasks.toy_ring8 import Ring8


class RingWide(Ring8):
    radius = 2.0
    spec = replace(Ring8.spec, name="toy/ring8-wide", version="1", summary="8 Gaussians on a circle of radius 2",
                   defaults={**Ring8.spec.defaults, **Ring8.spec.smoke}, suites=())


class MyHinge(Hinge):
    name = "my-hinge"
    summary = "hinge loss, shipped by a plugin"


class MyMLP(MLPGenerator):
    """one hidden layer of my_width units"""
    defaults = {"my_width": 8}  # a key of its own: --set my_width=... sizes it on any task

    @classmethod
    def from_config(cls, task, cfg):
        return cls(int(cfg["latent_dim"]), 2, int(cfg["my_width"]), 1)
'''

BAD_PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "bad-gan-plugin"
version = "0.2"

[project.entry-points."ganbench.tasks"]
"toy/broken" = "bad_gan_import:Broken"
"toy/not-a-task" = "bad_gan_classes:NotATask"
"toy/ring8" = "bad_gan_classes:Ring8Again"

[tool.setuptools]
py-modules = ["bad_gan_import", "bad_gan_classes"]
"""

BAD_IMPORT = 'raise ImportError("needs the frobnicate package")\n'
BAD_CLASSES = '''
from ganbench.tasks.toy_ring8 import Ring8


class NotATask:
    pass


class Ring8Again(Ring8):
    spec = Ring8.spec
'''

FILE_PLUGIN = '''
"""A plugin file: a task scored by a metric family defined beside it."""
from dataclasses import replace

import numpy as np

from ganbench.metrics.base import MAX, MetricFamily, MetricValue
from ganbench.tasks.toy_ring8 import Ring8


class MeanRadius(MetricFamily):
    """mean distance of the samples from the origin"""
    provides = {"mean_radius": MAX}

    def compute(self):
        pts = np.concatenate(self._batches)
        return {"mean_radius": MetricValue(float(np.linalg.norm(pts, axis=1).mean()), MAX)}


class RingFile(Ring8):
    spec = replace(Ring8.spec, name="toy/ring8-file", version="1", summary="ring8 scored by a plugin metric",
                   metrics=("modes_covered", "mean_radius"), defaults={**Ring8.spec.defaults, **Ring8.spec.smoke},
                   suites=())
'''


def _ganbench(args, env_extra, cwd, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != "GANBENCH_PLUGINS"}
    env.update({"OMP_NUM_THREADS": "1", **env_extra})
    return subprocess.run([sys.executable, "-m", "ganbench.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _write_dist(root: Path, pyproject: str, modules: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    for name, text in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(text))
    return root


def test_installed_and_file_plugins_end_to_end(tmp_path):
    good = _write_dist(tmp_path / "plugin", GOOD_PYPROJECT, {"my_gan_plugin": GOOD_MODULE})
    bad = _write_dist(tmp_path / "bad", BAD_PYPROJECT, {"bad_gan_import": BAD_IMPORT, "bad_gan_classes": BAD_CLASSES})
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--no-index", "--target", str(site), str(good), str(bad)],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    env = {"PYTHONPATH": str(site)}

    (tmp_path / "ringfile.py").write_text(textwrap.dedent(FILE_PLUGIN))
    file_origin = f"plugin file {tmp_path / 'ringfile.py'}"

    # list: plugin entries are marked; each broken plugin is one line; the built-ins stay
    out = _ganbench(["--plugin", "./ringfile.py", "list"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()

    def listed(name: str, mark: str) -> bool:
        return any(line.split()[:1] == [name] and line.endswith(f"[{mark}]") for line in lines)

    assert all(listed(name, "plugin my-gan-plugin 0.1") for name in ("toy/ring8-wide", "my-hinge", "my-mlp"))
    assert listed("toy/ring8-file", file_origin) and listed("mean_radius", file_origin)
    assert any(line.split()[:1] == ["toy/ring8"] and "plugin" not in line for line in lines)
    problems = [line for line in out.stderr.splitlines() if line.startswith("ganbench: plugin problem:")]
    assert len(problems) == 3 and len(out.stderr.strip().splitlines()) == 3, out.stderr
    assert any("'toy/broken'" in p and "ImportError: needs the frobnicate package" in p for p in problems)
    assert any("'toy/not-a-task'" in p and "not a subclass of ganbench.core.task.Task" in p for p in problems)
    assert any("'toy/ring8' from plugin bad-gan-plugin 0.2 clashes" in p and "from ganbench" in p for p in problems)

    # run: a plugin task with a plugin objective and a plugin net (and the net's own config key), and
    # a task from --plugin ./file.py (given after the command) scored by the metric family beside it
    runs = tmp_path / "runs"
    out = _ganbench(["run", "toy/ring8-wide", "toy/ring8-file", "--plugin", "./ringfile.py", "--objective", "my-hinge",
                     "--set", "g_arch=my-mlp", "--set", "my_width=4", "--steps", "20", "--results", str(runs),
                     "--no-progress", "--no-table"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    rec = json.loads((runs / "toy-ring8-wide__my-hinge__s0.json").read_text())
    assert rec["status"] == "ok" and rec["config"]["g_arch"] == "my-mlp" and rec["config"]["my_width"] == 4
    assert "modes_covered" in rec["metrics"]
    assert rec["provenance"]["plugins"] == sorted([file_origin, "plugin my-gan-plugin 0.1"])
    rec = json.loads((runs / "toy-ring8-file__my-hinge__s0.json").read_text())
    assert rec["status"] == "ok" and rec["metrics"]["mean_radius"]["direction"] == "max"
    assert rec["metrics"]["mean_radius"]["value"] > 0

    out = _ganbench(["report", "--results", str(runs)], env, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "toy/ring8-wide" in out.stdout and "my-hinge" in out.stdout


@pytest.mark.parametrize("spec, message", [
    ("./missing.py", "plugin file .*missing.py does not exist"),
    ("./broken.py", "plugin file .*broken.py failed to import: ZeroDivisionError: division by zero"),
    ("no_such_plugin_module", "plugin module 'no_such_plugin_module' is not importable here"),
])
def test_plugin_that_cannot_load_is_one_line_and_exit_2(tmp_path, spec, message):
    import re

    (tmp_path / "broken.py").write_text("x = 1 / 0\n")
    out = _ganbench(["--plugin", spec, "list"], {}, tmp_path)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and re.search(message, out.stderr), out.stderr


def test_env_plugins_load_like_the_option(tmp_path):
    """A plugin of the environment that cannot load is one line; the built-ins are listed (issue 24:
    it used to make every command exit 2)."""
    out = _ganbench(["list"], {"GANBENCH_PLUGINS": os.pathsep.join(["", str(tmp_path / "gone.py")])}, tmp_path)
    assert out.returncode == 0 and "toy/ring8" in out.stdout
    assert out.stderr.count("\n") == 1 and "gone.py does not exist" in out.stderr


# -- the rules, in this process, against fresh registries --------------------------------------------
@pytest.fixture
def fresh(monkeypatch):
    """Fresh task/objective/metric/net/remedy registries (no entry points) for load_plugin to fill."""
    regs = {"task": Registry("task", base="ganbench.core.task:Task"),
            "objective": Registry("objective", base="ganbench.objectives.base:Objective"),
            "metric": Registry("metric", base="ganbench.metrics.base:MetricFamily"),
            "net": Registry("net", base="torch.nn:Module"),
            "remedy": Registry("remedy", base="ganbench.remedies.base:Remedy")}
    regs["task"].register("toy/ring8", "ganbench.tasks.toy_ring8:Ring8", "ring")
    by_target = dict(zip(plugins.PLUGIN_REGISTRIES, regs.values()))
    monkeypatch.setattr(plugins, "_registry", lambda target: by_target[target])
    monkeypatch.setattr(plugins, "_loaded_specs", {})
    return regs


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


NET_PLUGIN = '''
from torch import nn


class Block(nn.Module):  # a helper without net_name: not registered
    pass


class TinyD(nn.Module):
    net_name = "tiny-d"
    role = "discriminator"

    @classmethod
    def from_config(cls, task, cfg):
        return cls()
'''


def test_file_plugin_registers_its_classes_with_origin(fresh, tmp_path):
    path = _file(tmp_path, "nets_plugin.py", NET_PLUGIN)
    assert plugins.load_plugin(path) == f"plugin file {path}"
    entry = fresh["net"].entry("tiny-d")
    assert entry.origin == f"plugin file {path}" and entry.is_plugin and entry.meta == {"role": "discriminator"}
    assert fresh["net"].names() == ["tiny-d"] and fresh["net"].get("tiny-d").__name__ == "TinyD"
    assert plugins.load_plugin(path) == entry.origin and fresh["net"].names() == ["tiny-d"]  # loaded once


def test_clashing_names_are_refused_naming_both_origins(fresh, tmp_path):
    first = _file(tmp_path, "a.py", NET_PLUGIN)
    second = _file(tmp_path, "b.py", NET_PLUGIN)
    plugins.load_plugin(first)
    with pytest.raises(UserError, match=rf"net 'tiny-d' from plugin file {second} clashes with net 'tiny-d' from plugin file {first}"):
        plugins.load_plugin(second)
    builtin = _file(tmp_path, "c.py", "from ganbench.tasks.toy_ring8 import Ring8\n\nclass Again(Ring8):\n    spec = Ring8.spec\n")
    with pytest.raises(UserError, match=r"task 'toy/ring8' from plugin file .*c.py clashes with task 'toy/ring8' from ganbench"):
        plugins.load_plugin(builtin)


def test_a_file_that_defines_no_plugin_is_refused(fresh, tmp_path):
    path = _file(tmp_path, "empty.py", NET_PLUGIN.replace("TinyD", "Helper2").replace('net_name = "tiny-d"', ""))
    with pytest.raises(UserError, match="defines no task, objective, metric family, net or remedy"):
        plugins.load_plugin(path)


def test_a_net_must_declare_role_and_from_config(fresh, tmp_path):
    path = _file(tmp_path, "n.py", "from torch import nn\n\nclass N(nn.Module):\n    net_name = 'n'\n    role = 'critic'\n")
    with pytest.raises(UserError, match="role = 'generator' or 'discriminator'"):
        plugins.load_plugin(path)
    path = _file(tmp_path, "m.py", "from torch import nn\n\nclass M(nn.Module):\n    net_name = 'm'\n    role = 'generator'\n")
    with pytest.raises(UserError, match="classmethod from_config"):
        plugins.load_plugin(path)


def test_entry_point_rules_are_recorded_not_raised(fresh):
    from importlib.metadata import EntryPoint

    reg = fresh["objective"]
    cases = {
        "ns2": "ganbench.objectives.adversarial:NonSaturating",  # declares name 'ns', not 'ns2'
        "sqrt": "math:sqrt",  # not a class, not an Objective
        "gone": "no_such_module_xyz:Thing",
        "hinge": "ganbench.objectives.adversarial:Hinge",  # fine
    }
    for name, value in cases.items():
        plugins._add_entry_point(reg, EntryPoint(name, value, "ganbench.objectives"))
    assert reg.names() == ["hinge"] and reg.entry("hinge").origin == "plugin entry point ganbench.objectives.adversarial:Hinge"
    errors = "\n".join(reg.plugin_errors)
    assert len(reg.plugin_errors) == 3 and "\n" not in "".join(reg.plugin_errors)
    assert "'ns2'" in errors and "it declares ns" in errors
    assert "'sqrt'" in errors and "not a subclass of ganbench.objectives.base.Objective" in errors
    assert "'gone'" in errors and "ModuleNotFoundError" in errors
    with pytest.raises(UserError, match="3 objective plugin"):
        reg.get("ns2")


def test_a_late_builtin_evicts_a_plugin_of_its_name():
    reg = Registry("thing")
    reg.add_plugin("x", object, "plugin p 1", "a plugin")
    reg.register("x", "math:sqrt", "the built-in")
    assert reg.entry("x").origin == "ganbench" and reg.get("x")(4.0) == 2.0
    assert reg.plugin_errors == ["thing 'x' from plugin p 1 clashes with thing 'x' from ganbench: refused; rename it"]


def test_module_plugin_registers_what_its_package_defines(fresh, tmp_path, monkeypatch):
    pkg = tmp_path / "pkgplug"
    pkg.mkdir()
    (pkg / "nets.py").write_text(textwrap.dedent(NET_PLUGIN))
    (pkg / "__init__.py").write_text("from torch.nn import Linear  # imported, not defined here\n"
                                     "from pkgplug.nets import TinyD\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert plugins.load_plugin("pkgplug") == "plugin module pkgplug"
    assert fresh["net"].names() == ["tiny-d"]
    # the same class reached a second way (say its entry point too) is one entry, not a clash
    fresh["net"].add_plugin("tiny-d", fresh["net"].get("tiny-d"), "plugin other 1", "again")
    assert fresh["net"].entry("tiny-d").origin == "plugin module pkgplug"


REMEDY_PLUGIN = '''
from ganbench.remedies.base import Remedy

class Jitter(Remedy):
    """adds a little noise to what D sees"""
    name = "jitter"
    keys = {"jitter": 0.0}

    def transform(self, x, state):
        return x + float(self.cfg["jitter"]) * 0.0


class NoKeys(Remedy):
    name = "nokeys"
'''


def test_a_remedy_plugin_registers_with_its_keys_and_must_declare_them(fresh, tmp_path):
    good, bad = REMEDY_PLUGIN.split("class NoKeys")
    plugins.load_plugin(_file(tmp_path, "rem.py", good))
    entry = fresh["remedy"].entry("jitter")
    assert entry.meta["keys"] == {"jitter": 0.0} and entry.is_plugin
    with pytest.raises(UserError, match="remedy NoKeys: a remedy needs keys"):
        plugins.load_plugin(_file(tmp_path, "rem2.py", "from ganbench.remedies.base import Remedy\nclass NoKeys" + bad))
