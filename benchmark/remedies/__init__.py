"""The remedy registry: mode-collapse and instability remedies as an axis of their own.

A remedy is what the literature adds to a GAN to make it cover more modes or train more stably
(PacGAN's packing, the unrolled discriminator, minibatch standard deviation, DiffAugment,
consistency and LeCam regularisation, instance noise, gradient penalties, spectral norm, the
generator EMA). Each one is a :class:`~ganbench.remedies.base.Remedy` switched on by its config
keys, composed by the adversarial step with any objective (:class:`~ganbench.remedies.base.Remedies`),
named in the row label, listed by ``ganbench list`` and refused when the run is configured where
it does not fit the task's samples.

One line per remedy: name, target, summary, and ``keys`` = its config keys with their *off*
values (a remedy is on when one of them holds another value). ``release`` is the config release
that added the keys: keys of release 7 are new in every config, left out of the config hash while
off (:data:`ganbench.core.config.ADDED_KEYS` reads them from here, so a committed run keeps its
hash); a remedy whose keys predate this registry (``release`` None: ``gp_weight``, ``r1_gamma``,
``ema``) reads keys that other layers already put into the config. Plugins register remedies
through the ``ganbench.remedies`` entry-point group or ``--plugin`` (the class declares ``name``
and ``keys``). Nothing here imports torch.
"""

from __future__ import annotations

from typing import Any, Mapping

from ganbench.core.registry import Registry

REMEDIES = Registry("remedy", group="ganbench.remedies", base="ganbench.remedies.base:Remedy")

_R = "ganbench.remedies"
# name                      target                                  summary                                                     keys (off values)
REMEDIES.register("pack", f"{_R}.packing:Packing", "PacGAN: D judges m samples at once, concatenated (Lin et al. 2018; pack=2..4)", keys={"pack": 1}, release=7)
REMEDIES.register("mbstd", f"{_R}.mbstd:MinibatchStd", "minibatch standard deviation of D's features over groups (Karras et al. 2018; mbstd=4)", keys={"mbstd": 0}, release=7)
REMEDIES.register("unroll", f"{_R}.unrolling:Unrolled", "unrolled GAN: G steps against D after k look-ahead updates (Metz et al. 2017; unroll=5)", keys={"unroll": 0}, release=7)
REMEDIES.register("gp", f"{_R}.penalties:GradientPenalty", "WGAN-GP two-sided gradient penalty on interpolates (Gulrajani et al. 2017; gp_weight=10)", keys={"gp_weight": 0.0}, release=None)
REMEDIES.register("r1", f"{_R}.penalties:R1", "R1: gamma/2 E|grad D(x)|^2 on real samples (Mescheder et al. 2018; r1_gamma=10)", keys={"r1_gamma": 0.0}, release=None)
REMEDIES.register("r2", f"{_R}.penalties:R2", "R2: gamma/2 E|grad D(G(z))|^2 on generated samples (Mescheder et al. 2018; r2_gamma=10)", keys={"r2_gamma": 0.0}, release=7)
REMEDIES.register("diffaugment", f"{_R}.diffaugment:DiffAugment", "DiffAugment: colour/translation/cutout on every image D sees (Zhao et al. 2020)", keys={"diffaugment": ""}, release=7)
REMEDIES.register("cr", f"{_R}.consistency:Consistency", "consistency regularisation, real (CR) and generated (bCR) images (Zhang et al. 2020; Zhao et al. 2021)", keys={"cr_weight": 0.0, "bcr_weight": 0.0}, release=7)
REMEDIES.register("lecam", f"{_R}.lecam:LeCam", "LeCam: D's outputs kept near the other side's moving average (Tseng et al. 2021; lecam_weight=0.3)", keys={"lecam_weight": 0.0}, release=7)
REMEDIES.register("instance-noise", f"{_R}.instance_noise:InstanceNoise", "instance noise on D's inputs, annealed to 0 (Sonderby et al. 2017)", keys={"instance_noise": 0.0}, release=7)
REMEDIES.register("sn", f"{_R}.spectral_norm:SpectralNorm", "spectral normalisation of every D layer (Miyato et al. 2018)", keys={"spectral_norm": False}, release=7, hashed_with=("d_ch",))
REMEDIES.register("dragan", f"{_R}.dragan:DRAGAN", "DRAGAN: gradient penalty at perturbed real samples (Kodali et al. 2017; dragan_weight=10)", keys={"dragan_weight": 0.0}, release=7)
REMEDIES.register("ema", f"{_R}.ema:GeneratorEMA", "evaluate an exponential moving average of G (Yazici et al. 2019; ema=0.999)", keys={"ema": 0.0}, release=None)


def remedy_keys() -> dict[str, tuple[Any, int | None]]:
    """``{config key: (off value, release)}`` of every registered remedy (built-ins and plugins)."""
    out: dict[str, tuple[Any, int | None]] = {}
    for entry in REMEDIES.entries():
        for key, off in dict(entry.meta.get("keys") or {}).items():
            out[key] = (off, entry.meta.get("release", 7 if entry.is_plugin else None))
    return out


def new_keys(builtin_only: bool = False, with_marks: bool = False) -> dict[str, Any]:
    """``{key: off value}`` of the keys remedies add to every config (release 7 and plugins');
    ``with_marks``: ``{key: (off value, hashed_with)}``, the keys whose presence marks configs that
    held the key before (``spectral_norm`` in image configs, where it stays hashed)."""
    entries = (e for e in REMEDIES._entries.values() if not e.is_plugin) if builtin_only else REMEDIES.entries()
    return {k: (off, tuple(e.meta.get("hashed_with", ()))) if with_marks else off
            for e in entries if (e.meta.get("release") or (7 if e.is_plugin else None))
            for k, off in dict(e.meta.get("keys") or {}).items()}


def is_on(keys: Mapping[str, Any], cfg: Mapping[str, Any]) -> bool:
    """Whether a remedy with ``keys`` ({key: off value}) is switched on in ``cfg``."""
    return any(k in cfg and cfg[k] != off for k, off in keys.items())


def active(cfg: Mapping[str, Any]) -> list[str]:
    """Names of the remedies ``cfg`` switches on, in registry order."""
    return [e.name for e in REMEDIES.entries() if is_on(dict(e.meta.get("keys") or {}), cfg)]


def remedy_of_key() -> dict[str, str]:
    """``{config key: remedy name}``."""
    return {k: e.name for e in REMEDIES.entries() for k in dict(e.meta.get("keys") or {})}


def compose(cfg: Mapping[str, Any]):
    """The :class:`~ganbench.remedies.base.Remedies` that ``cfg`` switches on (imports them)."""
    from ganbench.remedies.base import Remedies

    return Remedies([REMEDIES.get(name)(cfg) for name in active(cfg)])


__all__ = ["REMEDIES", "active", "compose", "is_on", "new_keys", "remedy_keys", "remedy_of_key"]
