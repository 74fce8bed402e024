"""Name -> "module:attr" registries with lazy import (the lm-evaluation-harness shape), open to plugins.

Listing a registry never imports a built-in target, so ``ganbench list`` stays fast and does not
need RDKit or torchvision. Duplicate built-in names fail at registration; an unknown name raises a
:class:`~ganbench.core.errors.UnknownNameError` that suggests the close names.

A registry built with an entry-point ``group`` and a ``base`` class is open to plugins
(:mod:`ganbench.core.plugins` finds and checks them). Every :class:`Entry` says where it came
from in ``origin``: ``"ganbench"`` for built-ins, ``"plugin <distribution> <version>"`` for an
installed entry point, ``"plugin file <path>"`` / ``"plugin module <name>"`` for ``--plugin``.
Plugins are looked for lazily, the first time the registry is listed, searched or asked for a
name, so importing a registry module costs nothing more than before. A plugin never replaces a
name that is already taken: the clash is refused with both origins named. Problems with
installed plugins (import failure, wrong base class, clash) are kept in :attr:`Registry.plugin_errors`
instead of raised, so a broken plugin never breaks the built-ins.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Iterator

from ganbench.core.errors import UnknownNameError, UserError

BUILTIN = "ganbench"  # the origin of every entry registered by this package itself


def import_target(target: str) -> Any:
    """``"package.module:Attribute"`` -> the attribute (imports the module)."""
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Entry:
    """One registered name: where it lives, a one-line summary, free metadata, and its origin."""

    name: str
    target: str  # "package.module:Attribute"
    summary: str
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    origin: str = BUILTIN

    @property
    def is_plugin(self) -> bool:
        return self.origin != BUILTIN

    def load(self) -> Any:
        try:
            return import_target(self.target)
        except AttributeError as exc:  # a registry line that points nowhere is a bug, not user error
            raise ImportError(f"registry entry {self.name!r} points to missing {self.target!r}") from exc


class Registry:
    """An ordered mapping of names to lazily imported objects, optionally open to plugins.

    ``group``: the entry-point group plugins register under (e.g. ``"ganbench.tasks"``);
    ``base``: the class every plugin must subclass, or its ``"module:attr"`` (resolved only when a
    plugin is checked, so a registry module stays cheap to import).
    """

    def __init__(self, kind: str, group: str | None = None, base: type | str | None = None):
        self.kind = kind
        self.group = group
        self._base = base
        self._entries: dict[str, Entry] = {}
        self._loaded: dict[str, Any] = {}
        self.plugin_errors: list[str] = []  # one line per plugin that could not be registered
        self._discovered = group is None  # a registry without a group has no plugins to look for

    # -- built-ins -------------------------------------------------------------------------
    def register(self, name: str, target: str, summary: str, **meta: Any) -> None:
        if ":" not in target:
            raise ValueError(f"{self.kind} {name!r}: target must be 'module:attr', got {target!r}")
        old = self._entries.get(name)
        if old is not None and not old.is_plugin:
            raise ValueError(f"duplicate {self.kind} name {name!r}: already registered as {old.target}")
        if old is not None:  # registered late (after plugins were read): the built-in keeps its name
            self._refuse_plugin(name, old)
        self._entries[name] = Entry(name, target, summary, dict(meta))

    # -- plugins ---------------------------------------------------------------------------
    @property
    def base(self) -> type | None:
        """The class plugins must subclass (imported on first use)."""
        if isinstance(self._base, str):
            self._base = import_target(self._base)
        return self._base

    def add_plugin(self, name: str, obj: Any, origin: str, summary: str, **meta: Any) -> None:
        """Register an already imported plugin object; a taken name raises UserError naming both origins."""
        self._discover()
        old = self._entries.get(name)
        if old is not None and self._loaded.get(name) is obj:  # the same class reached twice (entry point and --plugin)
            return
        if old is not None:
            raise UserError(f"{self.kind} {name!r} from {origin} clashes with {self.kind} {name!r} from {old.origin}: "
                            f"refused; rename one of them")
        target = f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', name)}"
        self._entries[name] = Entry(name, target, summary.splitlines()[0] if summary else name, dict(meta), origin)
        self._loaded[name] = obj

    def _refuse_plugin(self, name: str, plugin: Entry) -> None:
        self._loaded.pop(name, None)
        self.plugin_errors.append(f"{self.kind} {name!r} from {plugin.origin} clashes with {self.kind} {name!r} "
                                  f"from {BUILTIN}: refused; rename it")

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True  # first, so that a plugin importing this registry does not recurse
        from ganbench.core.plugins import discover

        discover(self)

    # -- lookup ----------------------------------------------------------------------------
    def names(self) -> list[str]:
        self._discover()
        return list(self._entries)

    def entries(self) -> Iterator[Entry]:
        self._discover()
        return iter(list(self._entries.values()))

    def __contains__(self, name: object) -> bool:
        self._discover()
        return name in self._entries

    def __len__(self) -> int:
        self._discover()
        return len(self._entries)

    def entry(self, name: str) -> Entry:
        self._discover()
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.unknown_message(name)) from None

    def get(self, name: str) -> Any:
        """Import (once) and return the registered object."""
        if name not in self._loaded:
            self._loaded[name] = self.entry(name).load()
        return self._loaded[name]

    def close_names(self, name: str, n: int = 3) -> list[str]:
        names = self.names()
        close = difflib.get_close_matches(name, names, n=n, cutoff=0.5)
        if not close:  # "ring8" should still find "toy/ring8"
            close = [x for x in names if name and (name in x or x.split("/")[-1] == name)][:n]
        return close

    def unknown_message(self, name: str) -> str:
        close = self.close_names(name)
        hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(self.names()) or 'none'}"
        broken = f"; {len(self.plugin_errors)} {self.kind} plugin(s) failed to load" if self.plugin_errors else ""
        return f"unknown {self.kind} {name!r}: {hint} (ganbench list shows them all{broken})"
