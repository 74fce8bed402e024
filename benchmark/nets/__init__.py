"""The net registry: architectures as a benchmark axis, chosen by the config keys ``g_arch``/``d_arch``.

A net is an ``nn.Module`` class with ``role`` (``"generator"`` or ``"discriminator"``) and a
classmethod ``from_config(task, cfg)`` that reads its sizes from the run config and what it needs
from the task (a point task's dimension, an image task's ``shape``, a sequence task's vocabulary
and special ids); it raises :class:`~ganbench.core.errors.UserError` for a task it cannot serve.
A generator also has ``generate(n, rng)`` (differentiable samples) and ``sample(n, rng)``
(evaluation samples); a discriminator maps a batch to one score per sample.

Each task family's defaults name its nets (toy: MLPs, image: DCGAN, sequence: LSTM + CNN), so a
run that does not ask for another net builds exactly what it built before these keys existed
(see :data:`ganbench.core.config.ADDED_KEYS`). A net may declare ``sample_kinds`` (the task
``sample_kind`` values it serves, checked when the run is configured) and ``defaults`` (config
keys it adds, below the task's own, so that ``--set`` can size it on any task). Plugins add nets through
the ``ganbench.nets`` entry-point group or ``--plugin`` (:mod:`ganbench.core.plugins`).
"""

from __future__ import annotations

from typing import Any, Mapping

from ganbench.core.errors import UserError
from ganbench.core.registry import Registry

NETS = Registry("net", group="ganbench.nets", base="torch.nn:Module")

ROLE_KEYS = {"generator": "g_arch", "discriminator": "d_arch"}

# name, target, one-line summary, role
NETS.register("mlp-generator", "ganbench.nets.mlp:MLPGenerator", "ReLU MLP with batch norm from Gaussian noise to points (PacGAN/VEEGAN 2-D nets)", role="generator")
NETS.register("mlp-discriminator", "ganbench.nets.mlp:MLPDiscriminator", "maxout MLP over points (PacGAN/VEEGAN 2-D nets)", role="discriminator")
NETS.register("dcgan-generator", "ganbench.domains.image.nets:DCGANGenerator", "DCGAN: projected noise, stride-2 transposed convs, batch norm, tanh", role="generator")
NETS.register("dcgan-discriminator", "ganbench.domains.image.nets:DCGANDiscriminator", "DCGAN: stride-2 convs, LeakyReLU(0.2), optional spectral norm, no batch norm", role="discriminator")
NETS.register("resnet-generator", "ganbench.domains.image.resnet:ResNetGenerator", "SN-GAN ResNet: up-blocks with batch norm (conditional BN on class-conditional tasks), optional SAGAN self-attention", role="generator")
NETS.register("resnet-discriminator", "ganbench.domains.image.resnet:ResNetDiscriminator", "SN-GAN ResNet: spectrally normalised down-blocks, sum pooling, optional SAGAN self-attention", role="discriminator")
NETS.register("lstm-generator", "ganbench.domains.sequence.generator:SequenceGenerator", "autoregressive LSTM over tokens (SeqGAN sizes; Gumbel-softmax relaxation)", role="generator")
NETS.register("cnn-discriminator", "ganbench.domains.sequence.discriminator:CNNDiscriminator", "SeqGAN's text CNN with a highway layer over token sequences", role="discriminator")

NETS.register("unet-restorer", "ganbench.domains.image.restoration.nets:UNetRestorer", "two-level U-Net restorer (residual over the bicubic input, or filling a mask)", role="generator")
NETS.register("patchgan-discriminator", "ganbench.domains.image.restoration.nets:PatchGANDiscriminator", "pix2pix PatchGAN over (condition, output) channel stacks, patch score map", role="discriminator")

NETS.register("recurrent-video-generator", "ganbench.domains.video.nets:RecurrentVideoGenerator", "MoCoGAN-style: content code + GRU motion codes, per-frame DCGAN decoder", role="generator")
NETS.register("context-video-predictor", "ganbench.domains.video.nets:ContextVideoPredictor", "conv encoder per context frame, GRU rolled over the future, per-frame decoder", role="generator")
NETS.register("conv3d-discriminator", "ganbench.domains.video.nets:Conv3DDiscriminator", "3-D conv critic over whole videos (context + continuation for prediction)", role="discriminator")


def names_for(role: str, sample_kind: str | None = None) -> list[str]:
    """Nets of ``role``; with ``sample_kind``, those that serve it (imports the net modules)."""
    names = [e.name for e in NETS.entries() if e.meta.get("role") == role]
    return [n for n in names if sample_kind is None or serves(NETS.get(n), sample_kind)]


def serves(cls: type, sample_kind: str) -> bool:
    """A net's optional ``sample_kinds`` says which tasks it serves; without it, ``from_config`` decides."""
    kinds = getattr(cls, "sample_kinds", None)
    return kinds is None or sample_kind in kinds


def net_class(name: Any, role: str, sample_kind: str | None = None) -> type:
    """The net class registered as ``name``; UserError naming the choices if it is unknown, has the
    other role (a discriminator given as ``g_arch``) or does not serve tasks of ``sample_kind``."""
    key = ROLE_KEYS[role]
    choices = ", ".join(names_for(role))
    if not isinstance(name, str) or name not in NETS:
        raise UserError(f"unknown {role} net {name!r} ({key}): choose one of {choices} (ganbench list shows the nets)")
    actual = NETS.entry(name).meta.get("role")
    if actual != role:
        raise UserError(f"{key}={name} is a {actual} net, not a {role}: choose one of {choices}")
    cls = NETS.get(name)
    if sample_kind is not None and not serves(cls, sample_kind):
        fits = ", ".join(names_for(role, sample_kind)) or "none registered"
        raise UserError(f"{key}={name} builds for {' or '.join(cls.sample_kinds)} tasks, not {sample_kind}: "
                        f"choose one of {fits}")
    return cls


# the task each kind of net is counted on in `ganbench list` (its default config, the net swapped in)
COUNT_ON = {"points": "toy/ring8", "images": "image/cifar10", "tokens": "text/oracle-tiny"}


def parameter_counts(name: str) -> list[tuple[str, int]]:
    """[(what, parameter count)] of net ``name``: on the task :data:`COUNT_ON` names for its first
    sample kind, at that task's default config, and at the net's ``published`` widths if it has
    them. Empty when it cannot be built here (a task needing data that is absent)."""
    from ganbench.core.config import resolve
    from ganbench.objectives import build_objective
    from ganbench.tasks import TASKS

    cls = NETS.get(name)
    role = NETS.entry(name).meta.get("role")
    kinds = getattr(cls, "sample_kinds", None) or tuple(COUNT_ON)
    task_name = next((COUNT_ON[k] for k in kinds if k in COUNT_ON), None)
    if task_name is None:
        return []
    out = []
    try:
        task = TASKS.get(task_name)()
        cfg = resolve(task.spec, build_objective("ns"), {ROLE_KEYS[role]: name})
        out.append((f"{task_name} defaults", _count(build_net(name, role, task, cfg))))
        published = getattr(cls, "published", None)
        if published:
            widths = ",".join(f"{k}={v}" for k, v in published.items())
            out.append((f"published {widths}", _count(build_net(name, role, task, {**cfg, **published}))))
    except Exception:  # noqa: BLE001 - a listing never fails on one net (e.g. a data file absent here)
        return out
    return out


def _count(net) -> int:
    return sum(p.numel() for p in net.parameters())


def build_net(name: Any, role: str, task, cfg: Mapping[str, Any]):
    """Build net ``name`` for ``task`` from the config: the one place a task turns g_arch/d_arch into a module."""
    return net_class(name, role).from_config(task, cfg)


__all__ = ["NETS", "ROLE_KEYS", "build_net", "net_class", "names_for", "parameter_counts", "serves"]
