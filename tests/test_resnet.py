"""The ResNet SN-GAN nets and SAGAN's self-attention: shapes at 28×28 and 32×32, spectral norm on every
discriminator layer, attention that starts as the identity, and SN-GAN's published parameter counts."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils import parametrize

from ganbench.domains.image.resnet import PUBLISHED_WIDTHS, ResNetDiscriminator, ResNetGenerator, SelfAttention


@pytest.mark.parametrize("h,c", [(28, 1), (32, 3), (8, 1)])
@pytest.mark.parametrize("attention", [False, True])
def test_shapes_at_each_resolution(h, c, attention):
    G = ResNetGenerator(16, c, h, h, ch=8, attention=attention)
    x = G.generate(3, torch.Generator().manual_seed(0))
    assert x.shape == (3, c, h, h) and x.abs().max() <= 1
    D = ResNetDiscriminator(c, ch=8, attention=attention).eval()  # eval: no power-iteration step between calls
    assert D(x).shape == (3,) and D.features(x).shape == (3, 8)
    assert torch.allclose(D(x), D.head(D.features(x)))


def test_every_discriminator_layer_is_spectrally_normalised():
    D = ResNetDiscriminator(3, ch=8, attention=True)
    layers = [m for m in D.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)


def test_self_attention_starts_as_the_identity_and_attends_over_positions():
    att = SelfAttention(16)
    x = torch.randn(2, 16, 5, 5)
    assert torch.equal(att(x), x)
    with torch.no_grad():
        att.gamma.fill_(1.0)
    y = att(x)
    # a change at one position reaches every position (attention is global, unlike a 1x1 conv)
    x2 = x.clone()
    x2[:, :, 0, 0] += 5.0
    assert (att(x2) - y)[:, :, 4, 4].abs().max() > 0


def test_the_conditional_generator_uses_conditional_batch_norm():
    from ganbench.nets.conditioning import CondBatchNorm

    G = ResNetGenerator(16, 1, 28, 28, ch=8, n_classes=10)
    cbn = [m for m in G.modules() if isinstance(m, CondBatchNorm)]
    assert G.conditional_bn and cbn and all(m.n_classes == 10 for m in cbn)
    assert G.generate(4, torch.Generator().manual_seed(0), torch.arange(4)).shape == (4, 1, 28, 28)


def test_published_widths_give_sn_gan_s_parameter_counts():
    """SN-GAN's CIFAR-10 ResNet: G ≈ 4.3M, D ≈ 1.1M parameters (Mimicry's and StudioGAN's tables)."""
    count = lambda net: sum(p.numel() for p in net.parameters())
    G = ResNetGenerator(128, 3, 32, 32, ch=PUBLISHED_WIDTHS["g_ch"])
    D = ResNetDiscriminator(3, ch=PUBLISHED_WIDTHS["d_ch"])
    assert count(G) == pytest.approx(4.3e6, rel=0.05) and count(D) == pytest.approx(1.06e6, rel=0.05)
