"""The DINOv2 ViT-B/14 extractor: timm's architecture, dgm-eval's preprocessing, weights only from a
local file or a checksummed download from 127.0.0.1 (never the internet).

Most tests build the same code path with a smaller ViT (``smaller=``: one block, width 48), so
they take a second; the one test of the real ViT-B/14 size is marked slow."""

import hashlib

import numpy as np
import pytest
import torch

pytest.importorskip("timm")

from local_http import no_wait, server  # noqa: F401,E402 (fixtures)

from ganbench.core.data import DataLocator  # noqa: E402
from ganbench.core.errors import ChecksumError, DataNotFoundError, UserError  # noqa: E402
from ganbench.domains.image.features import FEATURES  # noqa: E402
from ganbench.domains.image.features import dinov2 as mod  # noqa: E402

SMALL = {"depth": 1, "embed_dim": 48, "num_heads": 2}


def _images(n=3, channels=1, size=8, seed=0):
    return np.random.RandomState(seed).randint(0, 256, (n, size, size, channels), dtype=np.uint8)


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No weights anywhere: no GANBENCH_DINOV2_WEIGHTS, an empty torch hub, an empty data root and cache."""
    monkeypatch.delenv("GANBENCH_DINOV2_WEIGHTS", raising=False)
    monkeypatch.delenv("GANBENCH_DINOV2_URL", raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setenv("GANBENCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    DataLocator._verified.clear()
    return tmp_path


def test_random_network_gives_deterministic_class_token_features():
    a = mod.DINOv2(random_weights=True, smaller=SMALL)
    feats, logits = a(_images(3))
    assert feats.shape == (3, 48) and feats.dtype == np.float32 and np.isfinite(feats).all()
    assert np.array_equal(feats, logits)  # no classifier head: the features stand in (torch-fidelity 0.4)
    again, _ = mod.DINOv2(random_weights=True, smaller=SMALL)(_images(3))
    assert np.array_equal(feats, again)  # same seed, same network, same numbers
    other, _ = mod.DINOv2(random_weights=True, smaller=SMALL, seed=1)(_images(3))
    assert not np.allclose(feats, other)
    one, _ = a(_images(3)[1:2])
    assert np.allclose(one[0], feats[1], atol=1e-5)  # an image's features do not depend on its batch


def test_random_init_leaves_the_callers_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    mod.DINOv2(random_weights=True, smaller=SMALL)
    assert torch.equal(torch.rand(3), expected)


def test_preprocessing_is_dgm_evals():
    ex = mod.DINOv2(random_weights=True, smaller=SMALL)
    grey = np.full((1, 8, 8, 1), 255, np.uint8)
    x = ex.preprocess(grey)
    assert x.shape == (1, 3, 224, 224)
    expected = (1.0 - np.array(mod.IMAGENET_MEAN)) / np.array(mod.IMAGENET_STD)  # white, ImageNet-normalised
    assert np.allclose(x[0, :, 100, 100].numpy(), expected, atol=1e-6)
    rgb = np.repeat(grey, 3, axis=-1)
    assert torch.equal(ex.preprocess(rgb), x)  # grey is the same image in three channels
    with pytest.raises(ValueError, match="uint8"):
        ex(np.zeros((1, 8, 8, 1), np.float32))


def test_a_saved_state_dict_round_trips(tmp_path):
    ex = mod.DINOv2(random_weights=True, smaller=SMALL, seed=3)
    path = tmp_path / "w.pth"
    torch.save(ex.net.state_dict(), path)
    loaded = mod.DINOv2(weights=path, smaller=SMALL)
    assert np.array_equal(loaded(_images(2, 3))[0], ex(_images(2, 3))[0])
    assert loaded.details["weights"] == "w.pth" and loaded.name.startswith("dinov2-vitb14")


def test_metas_checkpoint_layout_loads_with_its_position_grid_resampled(tmp_path):
    """Meta's file: a mask token, position embeddings for 518 px (37x37 patches)."""
    import timm

    torch.manual_seed(0)
    meta = timm.create_model(mod.ARCH, pretrained=False, img_size=518, num_classes=0, **SMALL).state_dict()
    meta["mask_token"] = torch.zeros(1, 48)
    assert meta["pos_embed"].shape == (1, 1 + 37 * 37, 48)
    torch.save(meta, tmp_path / mod.WEIGHTS_FILE)
    ex = mod.DINOv2(weights=tmp_path / mod.WEIGHTS_FILE, smaller=SMALL)
    pos = ex.net.state_dict()["pos_embed"]
    assert pos.shape == (1, 1 + 16 * 16, 48)
    assert torch.equal(pos[:, 0], meta["pos_embed"][:, 0])  # the class token's position is not resampled
    assert torch.equal(ex.net.state_dict()["blocks.0.attn.qkv.weight"], meta["blocks.0.attn.qkv.weight"])
    assert ex(_images(2))[0].shape == (2, 48)


def test_resampling_keeps_a_constant_field_and_an_equal_grid():
    const = torch.full((1, 1 + 37 * 37, 4), 0.25)
    out = mod.resample_pos_embed(const, 16)
    assert out.shape == (1, 257, 4) and torch.allclose(out, torch.full_like(out, 0.25), atol=1e-6)
    same = torch.randn(1, 257, 4)
    assert mod.resample_pos_embed(same, 16) is same
    with pytest.raises(ValueError, match="square"):
        mod.resample_pos_embed(torch.zeros(1, 1 + 10, 4), 16)


def test_a_file_of_another_network_is_a_one_line_error(tmp_path):
    torch.save({"fc.weight": torch.zeros(2, 2)}, tmp_path / "other.pth")
    with pytest.raises(UserError, match="do not fit") as info:
        mod.DINOv2(weights=tmp_path / "other.pth", smaller=SMALL)
    assert "\n" not in str(info.value)


def test_weights_are_found_on_disk_in_order_and_never_downloaded_by_the_check(nowhere, monkeypatch):
    assert mod.weights_on_disk() is None
    assert "not on disk" in mod.missing_reason()
    data_copy = nowhere / "data" / "dinov2" / mod.WEIGHTS_FILE
    data_copy.parent.mkdir(parents=True)
    data_copy.write_bytes(b"x")
    assert mod.weights_on_disk() == data_copy and mod.missing_reason() is None
    hub = nowhere / "hub" / "checkpoints" / mod.WEIGHTS_FILE
    hub.parent.mkdir(parents=True)
    hub.write_bytes(b"x")
    assert mod.weights_on_disk() == hub  # torch hub's copy (torch-fidelity's, dgm-eval's) comes first
    mine = nowhere / "mine.pth"
    mine.write_bytes(b"x")
    monkeypatch.setenv("GANBENCH_DINOV2_WEIGHTS", str(mine))
    assert mod.weights_on_disk() == mine
    monkeypatch.setenv("GANBENCH_DINOV2_WEIGHTS", str(nowhere / "absent.pth"))
    assert mod.weights_on_disk() is None and "is not a file" in mod.missing_reason()
    with pytest.raises(DataNotFoundError, match="GANBENCH_DINOV2_WEIGHTS"):
        mod.resolve_weights()  # a file the user names is never replaced by a download


def test_weights_download_is_verified_by_the_pinned_md5(nowhere, server, monkeypatch):
    torch.manual_seed(0)
    state = mod.build_network(**SMALL).state_dict()
    torch.save(state, server.root / mod.WEIGHTS_FILE)
    digest = hashlib.md5((server.root / mod.WEIGHTS_FILE).read_bytes()).hexdigest()
    monkeypatch.setenv("GANBENCH_DINOV2_URL", server.url(mod.WEIGHTS_FILE))
    monkeypatch.setattr(mod, "WEIGHTS_MD5", digest[:6])  # pinned as the real one is: a prefix
    ex = mod.DINOv2(smaller=SMALL)
    assert (nowhere / "cache" / "data" / "dinov2" / mod.WEIGHTS_FILE).is_file() and len(server.requests) == 1
    assert ex.details["weights"] == mod.WEIGHTS_FILE
    mod.DINOv2(smaller=SMALL)
    assert len(server.requests) == 1  # found in the cache the second time


def test_weights_with_the_wrong_checksum_are_refused(nowhere, server, monkeypatch):
    torch.save({"w": torch.zeros(1)}, server.root / mod.WEIGHTS_FILE)
    monkeypatch.setenv("GANBENCH_DINOV2_URL", server.url(mod.WEIGHTS_FILE))
    monkeypatch.setattr(mod, "WEIGHTS_MD5", "000000")
    with pytest.raises(ChecksumError, match="md5"):
        mod.resolve_weights()
    assert not (nowhere / "cache" / "data" / "dinov2" / mod.WEIGHTS_FILE).exists()


def test_registered_as_an_image_extractor():
    assert "dinov2-vitb14" in FEATURES.names()
    assert FEATURES.get("dinov2-vitb14") is mod.DINOv2


@pytest.mark.slow
def test_the_real_vit_b14_size():
    ex = mod.DINOv2(random_weights=True)
    feats, _ = ex(_images(2, 3, size=32))
    assert feats.shape == (2, 768) and sum(p.numel() for p in ex.net.parameters()) > 85_000_000
