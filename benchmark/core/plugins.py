"""Plugins: tasks, objectives, metric families and nets from a user's own package or file.

Two ways in, one set of rules:

* **An installed distribution** declares entry points in the groups ``ganbench.tasks``,
  ``ganbench.objectives``, ``ganbench.metrics``, ``ganbench.nets`` and ``ganbench.remedies``
  (``toy/ring8-wide = "my_gan.tasks:RingWide"``). Each registry reads its group lazily, the first
  time it is listed, searched or asked for a name. A plugin that fails to import or breaks the
  rules below is recorded in the registry's ``plugin_errors`` (``ganbench list`` shows one line
  each) and skipped: it never breaks the built-ins.
* **``--plugin MODULE_OR_FILE``** (repeatable) or ``GANBENCH_PLUGINS`` (``os.pathsep``-separated):
  a module name or a ``.py`` path is imported and every class *defined in it* that subclasses a
  registry's base and names itself is registered. ``--plugin`` names it on this command, so any
  problem is a :class:`~ganbench.core.errors.UserError` (the CLI exits 2). The environment
  variable is set once for every command, so a problem there is one line of
  :func:`env_problems` (``ganbench list`` shows it, other commands warn) and the built-ins work
  on. ``--plugin`` is put into ``GANBENCH_PLUGINS`` so that sweep workers, which start as fresh
  processes, load it as well. A plugin that calls ``sys.exit()`` while it is imported is such a
  problem, not the end of the command.

What a plugin class must be (the :data:`CONTRACTS`), and the name it registers under:

=========  =======================================  ==============================================
kind       base                                     name(s)
=========  =======================================  ==============================================
task       ``ganbench.core.task.Task``              ``spec.name`` (its own ``spec``: a TaskSpec)
objective  ``ganbench.objectives.base.Objective``   its own ``name``
metric     ``ganbench.metrics.base.MetricFamily``   every key of its own ``provides`` ({name: "max"|"min"})
net        ``torch.nn.Module``                      ``net_name``; needs ``role`` ("generator" |
                                                    "discriminator") and classmethod ``from_config(task, cfg)``
remedy     ``ganbench.remedies.base.Remedy``        its own ``name``; needs ``keys`` ({config key: off value})
=========  =======================================  ==============================================

An entry point's name must be the name the class declares (for a metric family: one of its
metrics; a net without ``net_name`` takes the entry point's name). Entries keep their origin
(``plugin <distribution> <version>``, ``plugin file <path>``, ``plugin module <name>``), which
``ganbench list`` shows and every run record's provenance lists (:func:`loaded_origins`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ganbench.core.errors import UserError

if TYPE_CHECKING:  # the registries call discover(); this module only fills the ones it is handed
    from ganbench.core.registry import Registry

ENV = "GANBENCH_PLUGINS"
ROLES = ("generator", "discriminator")

# the registries plugins may add to (imported when plugins are loaded, never at import time)
PLUGIN_REGISTRIES = ("ganbench.tasks:TASKS", "ganbench.objectives:OBJECTIVES", "ganbench.metrics:METRICS",
                     "ganbench.nets:NETS", "ganbench.remedies:REMEDIES")


# -- what a plugin class must declare -------------------------------------------------------------
@dataclass(frozen=True)
class Contract:
    """How a class of one kind names itself, and what else it must have."""

    declares: str  # the class attribute that names it, for messages
    names: Callable[[type], list[tuple[str, dict]]]  # [(name, meta)]; [] when the class names nothing itself
    check: Callable[[type], str | None] = lambda cls: None  # a problem, or None


def _own(cls: type, attr: str) -> Any:
    return cls.__dict__.get(attr)


def _task_names(cls: type) -> list[tuple[str, dict]]:
    spec = _own(cls, "spec")
    return [(spec.name, {})] if spec is not None and isinstance(getattr(spec, "name", None), str) else []


def _task_check(cls: type) -> str | None:
    from ganbench.core.task import TaskSpec

    return None if isinstance(_own(cls, "spec"), TaskSpec) else "its spec is not a ganbench TaskSpec"


def _objective_names(cls: type) -> list[tuple[str, dict]]:
    name = _own(cls, "name")
    return [(name, {})] if isinstance(name, str) and name else []


def _metric_names(cls: type) -> list[tuple[str, dict]]:
    provides = _own(cls, "provides") or {}
    return [(name, {"direction": direction}) for name, direction in dict(provides).items()]


def _metric_check(cls: type) -> str | None:
    bad = {n: d for n, d in dict(_own(cls, "provides") or {}).items() if d not in ("max", "min")}
    return f"provides directions must be 'max' or 'min', got {bad}" if bad else None


def _net_names(cls: type) -> list[tuple[str, dict]]:
    name = _own(cls, "net_name")
    return [(name, {"role": getattr(cls, "role", None)})] if isinstance(name, str) and name else []


def _remedy_names(cls: type) -> list[tuple[str, dict]]:
    name = _own(cls, "name")
    keys = getattr(cls, "keys", None)
    return [(name, {"keys": dict(keys or {}), "release": None if keys is None else 7})] if isinstance(name, str) and name else []


def _remedy_check(cls: type) -> str | None:
    keys = getattr(cls, "keys", None)
    if not isinstance(keys, dict) or not keys:
        return "a remedy needs keys = {config key: off value}, the settings that switch it on"
    return None


def _net_check(cls: type) -> str | None:
    if getattr(cls, "role", None) not in ROLES:
        return f"a net needs role = 'generator' or 'discriminator', got {getattr(cls, 'role', None)!r}"
    if not isinstance(inspect.getattr_static(cls, "from_config", None), classmethod):
        return "a net needs a classmethod from_config(task, cfg) that builds it"
    return None


CONTRACTS: dict[str, Contract] = {
    "task": Contract("spec = TaskSpec(name=...)", _task_names, _task_check),
    "objective": Contract("name", _objective_names),
    "metric": Contract("provides = {name: direction}", _metric_names, _metric_check),
    "net": Contract("net_name", _net_names, _net_check),
    "remedy": Contract("name", _remedy_names, _remedy_check),
}


def summary_of(cls: type) -> str:
    """One line for ``ganbench list``: a task's spec summary, a ``summary`` attribute, or the docstring."""
    spec = getattr(cls, "spec", None)
    for text in (getattr(spec, "summary", None), getattr(cls, "summary", None), cls.__dict__.get("__doc__")):
        if isinstance(text, str) and text.strip():
            return text.strip().splitlines()[0]
    return cls.__name__


def _problem(registry: Registry, cls: Any) -> str | None:
    """Why ``cls`` cannot be a plugin of ``registry`` (None if it can)."""
    base = registry.base or object
    if not (inspect.isclass(cls) and issubclass(cls, base)):
        return f"{getattr(cls, '__name__', cls)!s} is not a subclass of {base.__module__}.{base.__qualname__}"
    contract = CONTRACTS.get(registry.kind)
    return contract.check(cls) if contract else None


def _prints_to_stderr():
    """What a plugin prints while it is imported goes to stderr: stdout is the command's output
    (``ganbench list --json``, ``ganbench eval``'s JSON), which a print would make unreadable."""
    import contextlib

    return contextlib.redirect_stdout(sys.stderr)


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):  # a plugin that ends the process instead of raising
        return f"it called sys.exit({exc.code!r})"
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0][:200]}" if text else exc.__class__.__name__


# -- installed distributions: entry points ----------------------------------------------------------
def discover(registry: Registry) -> None:
    """Read ``registry``'s entry-point group, then the ``GANBENCH_PLUGINS`` modules (once per process)."""
    if registry.group:
        for ep in _all_entry_points().select(group=registry.group):
            _add_entry_point(registry, ep)
    load_env_plugins()


@lru_cache(maxsize=1)
def _all_entry_points():
    """Every installed entry point, read once per process (one scan of the installed metadata)."""
    from importlib.metadata import entry_points

    return entry_points()


def _add_entry_point(registry: Registry, ep) -> None:
    dist = getattr(ep, "dist", None)
    origin = f"plugin {dist.name} {dist.version}" if dist is not None else f"plugin entry point {ep.value}"
    where = f"{registry.kind} plugin {ep.name!r} ({origin}, {ep.value})"
    try:
        with _prints_to_stderr():
            obj = ep.load()
    except (Exception, SystemExit) as exc:  # a broken plugin must not break the built-ins
        registry.plugin_errors.append(f"{where}: import failed: {_first_line(exc)}")
        return
    try:
        problem = _problem(registry, obj)
    except Exception as exc:  # the base itself failed to import (e.g. torch missing): same treatment
        problem = f"cannot check it: {_first_line(exc)}"
    contract = CONTRACTS.get(registry.kind)
    names = contract.names(obj) if problem is None and contract else [(ep.name, {})]
    if problem is None and registry.kind == "net" and not names:  # a net may take the entry point's name
        names = [(ep.name, {"role": obj.role})]
    if problem is None and ep.name not in [n for n, _ in names]:
        declared = ", ".join(n for n, _ in names) or "nothing"
        problem = f"the entry point's name must be the name the class declares ({contract.declares}); it declares {declared}"
    if problem is not None:
        registry.plugin_errors.append(f"{where}: {problem}")
        return
    for name, meta in names:
        try:
            registry.add_plugin(name, obj, origin, summary_of(obj), **meta)
        except UserError as exc:
            registry.plugin_errors.append(str(exc))


# -- --plugin and GANBENCH_PLUGINS ----------------------------------------------------------------
_loaded_specs: dict[str, str] = {}  # spec -> origin, for plugins loaded in this process
_env_failures: dict[str, str] = {}  # spec of GANBENCH_PLUGINS -> why it could not be loaded (one line)
_env_loading = False


def env_specs() -> list[str]:
    return [s.strip() for s in os.environ.get(ENV, "").split(os.pathsep) if s.strip()]


def use(specs: list[str]) -> None:
    """Load the ``--plugin`` specs now (errors: UserError), put them into the environment so that
    worker processes load them too, and load those of ``GANBENCH_PLUGINS`` (errors:
    :func:`env_problems`)."""
    normalized = [_normalize(s) for s in specs]
    for spec in normalized:
        load_plugin(spec)
    merged = env_specs() + [s for s in normalized if s not in env_specs()]
    if merged:
        os.environ[ENV] = os.pathsep.join(merged)
    load_env_plugins()


def load_env_plugins() -> None:
    """Import every plugin named in ``GANBENCH_PLUGINS`` that this process has not imported yet; one
    that cannot be loaded is remembered in :func:`env_problems` and skipped."""
    global _env_loading
    if _env_loading:  # a plugin being imported touched a registry: it is registered when it finishes
        return
    _env_loading = True
    try:
        for spec in env_specs():
            if spec in _env_failures:
                continue
            try:
                load_plugin(spec)
            except UserError as exc:
                _env_failures[spec] = f"${ENV}: {exc}"
    finally:
        _env_loading = False


def env_problems() -> list[str]:
    """One line per ``GANBENCH_PLUGINS`` entry that could not be loaded in this process."""
    return list(_env_failures.values())


def _normalize(spec: str) -> str:
    """A file path becomes absolute (worker processes may run elsewhere); a module name stays."""
    return str(Path(spec).resolve()) if _is_file_spec(spec) else spec


def _is_file_spec(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or bool(os.altsep and os.altsep in spec) or Path(spec).is_file()


def load_plugin(spec: str) -> str:
    """Import a plugin module (by name) or file (by path) and register the classes defined in it;
    returns its origin. Unknown file, failed import, a clash or a class that breaks its contract:
    UserError."""
    spec = _normalize(spec)
    if spec in _loaded_specs:
        return _loaded_specs[spec]
    module, origin = _import_file(spec) if _is_file_spec(spec) else _import_module(spec)
    registries = [_registry(t) for t in PLUGIN_REGISTRIES]
    added = []
    for cls in _defined_in(module):
        for registry in registries:
            if not issubclass(cls, registry.base or object):
                continue
            names = CONTRACTS[registry.kind].names(cls)
            if not names:  # a helper base class that names nothing itself
                continue
            problem = _problem(registry, cls)
            if problem:
                raise UserError(f"{origin}: {registry.kind} {cls.__name__}: {problem}")
            for name, meta in names:
                registry.add_plugin(name, cls, origin, summary_of(cls), **meta)
                added.append(name)
    if not added:
        raise UserError(f"{origin} defines no task, objective, metric family, net or remedy: a class needs its own "
                        f"spec (Task), name (Objective, Remedy), provides (MetricFamily) or net_name (nn.Module net)")
    _loaded_specs[spec] = origin
    return origin


def _defined_in(module) -> list[type]:
    """The classes a plugin module defines: in the module itself or, for a package, in its submodules
    (what its ``__init__`` imports); classes it merely imports from elsewhere, e.g. the built-in
    base it subclasses, are not its plugins."""
    own = module.__name__
    return [v for v in vars(module).values()
            if inspect.isclass(v) and (v.__module__ == own or v.__module__.startswith(own + "."))]


def _registry(target: str) -> Registry:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _import_file(spec: str):
    path = Path(spec)
    if not path.is_file() or path.suffix != ".py":
        raise UserError(f"plugin file {spec} does not exist or is not a .py file: give a path to a Python "
                        f"file or an importable module name")
    name = f"_ganbench_plugin_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # dataclasses and pickling look classes up here
    try:
        with _prints_to_stderr():
            loader_spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise UserError(f"plugin file {spec} failed to import: {_first_line(exc)}") from None
    return module, f"plugin file {path}"


def _import_module(spec: str):
    try:
        with _prints_to_stderr():
            module = importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name and (spec == exc.name or spec.startswith(exc.name + ".")):
            raise UserError(f"plugin module {spec!r} is not importable here: install it, add it to PYTHONPATH, "
                            f"or give a path to a .py file") from None
        raise UserError(f"plugin module {spec} failed to import: {_first_line(exc)}") from None
    except (Exception, SystemExit) as exc:
        raise UserError(f"plugin module {spec} failed to import: {_first_line(exc)}") from None
    return module, f"plugin module {spec}{_distribution_of(spec)}"


def _distribution_of(module: str) -> str:
    """`` (distribution version)`` when an installed distribution provides the module, else ''."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    dists = packages_distributions().get(module.split(".")[0], [])
    if not dists:
        return ""
    try:
        return f" ({dists[0]} {version(dists[0])})"
    except PackageNotFoundError:
        return ""


# -- what a record says about plugins --------------------------------------------------------------
def plugin_registries() -> list[Registry]:
    return [_registry(t) for t in PLUGIN_REGISTRIES]


def loaded_origins() -> list[str]:
    """The distinct origins of every plugin entry registered in this process (sorted): what a run
    record's provenance lists, so a number names the plugin code (and version) that produced it."""
    return sorted({e.origin for reg in plugin_registries() for e in reg.entries() if e.is_plugin})


def problems() -> list[str]:
    """One line per plugin that could not be registered, over all registries and ``GANBENCH_PLUGINS``."""
    out = []
    for reg in plugin_registries():
        reg.names()  # reads the registry's entry points if nothing has yet
        out += reg.plugin_errors
    return out + env_problems()
