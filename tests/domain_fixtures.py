"""Swapping a test-only domain into the domain registry, the way a new registry line would add it."""

import ganbench.domains as domains_mod
from ganbench.core.registry import Registry
from ganbench.domains import DOMAINS


def add_domain(monkeypatch, name: str, target: str, summary: str) -> Registry:
    """DOMAINS plus ``name`` (declared at ``target``, "module:attribute"), for this test only."""
    reg = Registry("domain")
    for e in DOMAINS.entries():
        reg.register(e.name, e.target, e.summary, **e.meta)
    reg.register(name, target, summary)
    monkeypatch.setattr(domains_mod, "DOMAINS", reg)
    return reg
