"""The net registry: every net builds for its kind of task, has its role, and refuses the rest.

Refusing the other kinds is not a nicety: the config hash leaves the release-1 nets out while a
config names them (ganbench.core.config.ADDED_KEYS), which is exact only because each of them
builds for one family of tasks alone, where it is that family's release-1 net.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench.cli import main
from ganbench.core.config import ADDED_KEYS, resolve
from ganbench.core.errors import UserError
from ganbench.nets import NETS, build_net, names_for, serves
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

# one smoke-sized task per kind of sample, none of them needing a data file
KIND_TASKS = {"points": "toy/ring8", "images": "image/digits", "tokens": "text/oracle-tiny",
              "restorations": "image/sr4x-digits", "videos": "video/moving-digits", "video-futures": "video/moving-digits-predict"}


@pytest.fixture(scope="module")
def tasks():
    out = {}
    for kind, name in KIND_TASKS.items():
        task = TASKS.get(name)()
        out[kind] = (task, resolve(task.spec, build_objective("ns"), dict(task.spec.smoke), steps=3))
    return out


@pytest.mark.parametrize("name", NETS.names())
def test_every_net_builds_for_its_kind_only(name, tasks):
    entry = NETS.entry(name)
    role = entry.meta["role"]
    cls = NETS.get(name)
    assert issubclass(cls, nn.Module) and cls.role == role and entry.summary
    built = []
    for kind, (task, cfg) in tasks.items():
        try:
            net = build_net(name, role, task, cfg)
        except UserError as exc:
            assert name in str(exc) and task.spec.name in str(exc) and "\n" not in str(exc)
            continue
        built.append(kind)
        assert isinstance(net, cls)
        rng = torch.Generator().manual_seed(0)
        real = task.real_batch(4, rng)
        if role == "generator":
            assert task.sample(net, 4, rng).shape == task.real_batch(4, rng).shape
        elif hasattr(task, "paired_batch"):  # a conditional task's critic scores (condition, output) pairs
            cond, real = task.paired_batch(4, rng)
            assert net(cond, real).shape[0] == 4
        else:
            assert net(real).shape == (4,)
    assert built and all(serves(cls, kind) for kind in built), (name, built)
    if name in ADDED_KEYS["g_arch"].legacy | ADDED_KEYS["d_arch"].legacy:  # one kind only, whose default it is
        assert len(built) == 1 and not any(serves(cls, kind) for kind in set(tasks) - set(built)), (name, built)
        task, _ = tasks[built[0]]
        assert task.spec.defaults[{"generator": "g_arch", "discriminator": "d_arch"}[role]] == name


def test_default_nets_are_the_release_1_nets(tasks):
    """build_models through the registry makes the very modules it made before nets had names."""
    from ganbench.domains.image.nets import DCGANDiscriminator, DCGANGenerator
    from ganbench.domains.sequence.discriminator import CNNDiscriminator
    from ganbench.domains.sequence.generator import SequenceGenerator
    from ganbench.nets.mlp import MLPDiscriminator, MLPGenerator

    def shapes(m: nn.Module) -> dict:
        return {k: tuple(v.shape) for k, v in m.state_dict().items()}

    task, cfg = tasks["points"]
    G, D = task.build_models(cfg)
    assert shapes(G) == shapes(MLPGenerator(cfg["latent_dim"], 2, cfg["g_hidden"], cfg["g_layers"]))
    assert shapes(D) == shapes(MLPDiscriminator(2, cfg["d_hidden"], cfg["d_layers"], cfg["d_maxout"]))
    task, cfg = tasks["images"]
    G, D = task.build_models(cfg)
    h, w, c = task.shape
    assert shapes(G) == shapes(DCGANGenerator(cfg["latent_dim"], c, h, w, cfg["g_ch"]))
    assert shapes(D) == shapes(DCGANDiscriminator(c, h, w, cfg["d_ch"], cfg["spectral_norm"]))
    task, cfg = tasks["tokens"]
    G, D = task.build_models(cfg)
    old_g = SequenceGenerator(task.vocab_size, task.max_len, task.start_id, task.eos_id, task.pad_id,
                              emb_dim=cfg["g_emb_dim"], hidden_dim=cfg["g_hidden_dim"], forbidden=task.forbidden,
                              gumbel_beta_max=cfg["gumbel_beta_max"],
                              gumbel_steps=max(1, cfg["steps"] - cfg["pretrain_g_steps"]))  # the adversarial updates
    assert shapes(G) == shapes(old_g) and G.gumbel_steps == old_g.gumbel_steps
    assert shapes(D) == shapes(CNNDiscriminator(task.vocab_size, cfg["d_emb_dim"], cfg["d_filter_sizes"],
                                                cfg["d_num_filters"], cfg["d_dropout"], pad_id=task.pad_id or 0))
    assert task._one_hot_batches is True  # smoke config: gumbel=true


def test_build_net_names_the_choices(tasks):
    task, cfg = tasks["points"]
    with pytest.raises(UserError, match="unknown generator net 'nope' \\(g_arch\\): choose one of " + ", ".join(names_for("generator"))):
        build_net("nope", "generator", task, cfg)
    with pytest.raises(UserError, match="d_arch=mlp-generator is a generator net, not a discriminator"):
        build_net("mlp-generator", "discriminator", task, cfg)


@pytest.mark.parametrize("setting, message", [
    ("g_arch=resnet-9000", "unknown generator net 'resnet-9000' (g_arch): choose one of mlp-generator, dcgan-generator, resnet-generator, lstm-generator"),
    ("g_arch=mlp-discriminator", "g_arch=mlp-discriminator is a discriminator net, not a generator"),
    ("g_arch=dcgan-generator", "g_arch=dcgan-generator builds for images tasks, not points: choose one of mlp-generator"),
    ("d_arch=cnn-discriminator", "d_arch=cnn-discriminator builds for tokens or smiles tasks, not points: choose one of mlp-discriminator"),
])
def test_run_refuses_a_bad_net_with_exit_2(setting, message, tmp_path, capsys):
    rc = main(["run", "toy/ring8", "--set", setting, "--steps", "1", "--results", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())  # refused before anything was written
