"""Name -> "module:attr" registries with lazy import (the lm-evaluation-harness shape).

Listing a registry never imports the targets, so ``ganbench list`` stays fast and does not need
RDKit or torchvision. Duplicate names fail at registration; an unknown name raises a
:class:`~ganbench.core.errors.UnknownNameError` that suggests the close names.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Iterator

from ganbench.core.errors import UnknownNameError


@dataclass(frozen=True)
class Entry:
    """One registered name: where it lives, a one-line summary, and free metadata."""

    name: str
    target: str  # "package.module:Attribute"
    summary: str
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def load(self) -> Any:
        module_name, _, attr = self.target.partition(":")
        module = importlib.import_module(module_name)
        try:
            return getattr(module, attr)
        except AttributeError as exc:  # a registry line that points nowhere is a bug, not user error
            raise ImportError(f"registry entry {self.name!r} points to missing {self.target!r}") from exc


class Registry:
    """An ordered mapping of names to lazily imported objects."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        self._loaded: dict[str, Any] = {}

    def register(self, name: str, target: str, summary: str, **meta: Any) -> None:
        if name in self._entries:
            raise ValueError(f"duplicate {self.kind} name {name!r}: already registered as {self._entries[name].target}")
        if ":" not in target:
            raise ValueError(f"{self.kind} {name!r}: target must be 'module:attr', got {target!r}")
        self._entries[name] = Entry(name, target, summary, dict(meta))

    def names(self) -> list[str]:
        return list(self._entries)

    def entries(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, name: str) -> Entry:
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
        return f"unknown {self.kind} {name!r}: {hint} (ganbench list shows them all)"
