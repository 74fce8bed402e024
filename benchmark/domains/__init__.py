"""One package per domain: its task base class, nets, features, metrics, drawing, and the facts the
reports need about it, declared as the package's ``DOMAIN`` (a :class:`~ganbench.core.domain.Domain`).

The registry below has one line per domain. A task belongs to the domain its name starts with
(``image/cifar10`` -> ``image``); the metric registry, the stability summary, the HTML report and
the suites ask :func:`domain_of` instead of naming domains. ``sequence`` is not a domain: it is the
discrete-sequence machinery that text and molecule share.

Registry order is the order of ``ganbench list`` and of the metric registry; cross-domain report
tables order domains by their ``report_rank``.
"""

from __future__ import annotations

from ganbench.core.domain import Domain
from ganbench.core.registry import Registry

DOMAINS = Registry("domain")

# name            target                                  one-line summary
DOMAINS.register("toy", "ganbench.domains.toy:DOMAIN", "2-D Gaussian mixtures (mode coverage)")
DOMAINS.register("text", "ganbench.domains.text:DOMAIN", "token sequences: the SeqGAN oracle and caption corpora")
DOMAINS.register("image", "ganbench.domains.image:DOMAIN", "images (FID, KID, IS, precision/recall, density/coverage)")
DOMAINS.register("video", "ganbench.domains.video:DOMAIN", "videos: Moving-digits generation and prediction (fvd_local, per-frame FID, PSNR/SSIM)")
DOMAINS.register("molecule", "ganbench.domains.molecule:DOMAIN", "SMILES molecules (MOSES and GuacaMol metrics)")


def _registry(registry: Registry | None) -> Registry:
    return DOMAINS if registry is None else registry  # looked up per call: a test may swap DOMAINS


def _load(reg: Registry, name: str) -> Domain:
    domain = reg.get(name)
    if not isinstance(domain, Domain) or domain.name != name:
        raise TypeError(f"domain entry {name!r} must point at a Domain named {name!r}, "
                        f"got {domain!r} from {reg.entry(name).target}")
    return domain


def declared(registry: Registry | None = None) -> list[Domain]:
    """Every registered domain's declaration, in registry order (imports only the light packages)."""
    reg = _registry(registry)
    return [_load(reg, name) for name in reg.names()]


def domain_of(task_name: str, registry: Registry | None = None) -> Domain | None:
    """The domain of a task (the part of its name before '/'); None for a name no domain claims."""
    reg = _registry(registry)
    name = str(task_name).split("/", 1)[0]
    return _load(reg, name) if name in reg else None


def evaluable_metrics(spec, registry: Registry | None = None) -> tuple[str, ...]:
    """The metrics a task can be scored with: its own (what runs compute), then its domain's
    on-request ones (``Metric.meta['on_request']``: e.g. video's ``fvd``, which needs a weights
    file the user supplies and so is no task's default)."""
    domain = domain_of(spec.name, registry)
    extra = [m.name for m in (domain.metrics if domain is not None else ())
             if m.meta.get("on_request") and m.name not in spec.metrics]
    return (*spec.metrics, *extra)


__all__ = ["DOMAINS", "Domain", "declared", "domain_of", "evaluable_metrics"]
