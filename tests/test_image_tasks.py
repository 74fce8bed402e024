"""Image tasks end to end on image/digits (no download), sample loading, grids, extractors."""

import os

import numpy as np
import pytest
import torch

from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.engine.evaluator import evaluate_samples
from ganbench.domains.image.features import FEATURES, build_extractor
from ganbench.domains.image.io import grid, load_images
from ganbench.domains.image.nets import DCGANDiscriminator, DCGANGenerator
from ganbench.tasks import TASKS


@pytest.fixture(scope="module")
def digits():
    return TASKS.get("image/digits")()


def test_digits_data_and_decode_roundtrip(digits):
    x = digits.reference_samples()
    assert x.shape == (500, 8, 8, 1) and x.dtype == np.uint8 and x.max() == 255
    real = digits.real_batch(16, torch.Generator().manual_seed(0))
    assert real.shape == (16, 1, 8, 8) and real.min() >= -1 and real.max() <= 1
    # decode inverts the [-1, 1] scaling exactly on quantised values
    t = torch.from_numpy(x[:16]).permute(0, 3, 1, 2).float().div(127.5).sub(1)
    np.testing.assert_array_equal(digits.decode(t), x[:16])


@pytest.mark.parametrize("hw,c", [((8, 8), 1), ((28, 28), 1), ((32, 32), 3)])
@pytest.mark.parametrize("sn", [False, True])
def test_dcgan_shapes(hw, c, sn):
    G = DCGANGenerator(10, c, *hw, base=8)
    D = DCGANDiscriminator(c, *hw, base=8, spectral_norm=sn)
    x = G.generate(3, torch.Generator().manual_seed(0))
    assert x.shape == (3, c, *hw)
    assert D(x).shape == (3,)
    assert G.sample(5, torch.Generator().manual_seed(0)).shape == (5, c, *hw)


def test_classifier_metrics_separate_real_from_noise(digits):
    ref = evaluate_samples(digits, digits.reference_samples())
    assert abs(ref["fid"].value) < 1e-6
    assert ref["precision"].value == 1.0 and ref["recall"].value == 1.0 and ref["coverage"].value == 1.0
    details = ref["fid"].details
    assert details["extractor"] == "classifier:image/digits-v1-seed0"
    assert details["classifier_test_accuracy"] >= 0.95
    assert details["reference"] == "test split" and details["n_reference"] == 500
    train = evaluate_samples(digits, digits.train_samples(500))
    noise = evaluate_samples(digits, np.random.default_rng(0).integers(0, 256, (500, 8, 8, 1), dtype=np.uint8))
    assert 0 < train["fid"].value < noise["fid"].value / 10
    assert train["kid"].value < noise["kid"].value
    assert train["is"].value > 5 > noise["is"].value
    assert train["recall"].value > 0.5 > noise["recall"].value


def test_reference_stats_and_classifier_are_cached(digits):
    from ganbench.core.data import cache_root

    evaluate_samples(digits, digits.reference_samples(100), ["fid"])
    (ck,) = (cache_root() / "classifiers").glob("image%2Fdigits-v1-train-classifier-seed=0~*.npz")
    assert ck.with_suffix(".json").is_file()
    assert list((cache_root() / "refstats").glob("image%2Fdigits-v1-test-classifier%3Aimage%2Fdigits-v1-seed0-n500~*.npz"))
    # a reload from the cache gives the same features
    ex1 = build_extractor("classifier", digits)
    ex2 = build_extractor("classifier", TASKS.get("image/digits")())
    x = digits.reference_samples(20)
    np.testing.assert_array_equal(ex1(x)[0], ex2(x)[0])


def test_load_samples_formats_and_errors(digits, tmp_path):
    x = digits.reference_samples(10)
    np.save(tmp_path / "u8.npy", x[..., 0])  # N×H×W accepted for grey
    np.testing.assert_array_equal(digits.load_samples(tmp_path / "u8.npy"), x)
    np.savez(tmp_path / "f.npz", imgs=x.astype(np.float32) / 255.0)
    np.testing.assert_array_equal(digits.load_samples(tmp_path / "f.npz"), x)
    from PIL import Image

    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, im in enumerate(x):
        Image.fromarray(im[..., 0]).save(folder / f"{i:03d}.png")
    np.testing.assert_array_equal(digits.load_samples(folder), x)
    np.save(tmp_path / "bad_shape.npy", np.zeros((4, 28, 28), np.uint8))
    with pytest.raises(UserError, match="N×8×8"):
        digits.load_samples(tmp_path / "bad_shape.npy")
    np.save(tmp_path / "bad_range.npy", np.full((4, 8, 8), 2.0, np.float32))
    with pytest.raises(UserError, match=r"\[0, 1\]"):
        digits.load_samples(tmp_path / "bad_range.npy")
    Image.fromarray(np.zeros((9, 9), np.uint8)).save(folder / "zz.png")
    with pytest.raises(UserError, match="expected 8×8"):
        digits.load_samples(folder)
    with pytest.raises(UserError, match="does not exist"):
        load_images(tmp_path / "nope.npy", (8, 8, 1))


def test_sample_grid_png(digits, tmp_path):
    G, _ = digits.build_models({**digits.spec.defaults, **digits.spec.smoke})
    art = digits.save_artifacts(G, tmp_path, "run")
    assert art == {"samples_png": "run/samples.png"}
    from PIL import Image

    with Image.open(tmp_path / "samples.png") as im:
        assert im.size == (8 * 8 * (8 + 2) + 2 * 8, 8 * 8 * (8 + 2) + 2 * 8)  # 8×8 tiles, 2-px pad, ×8 scale
    g = grid(np.zeros((3, 2, 2, 1), np.uint8), nrow=2, pad=1)
    assert g.shape == (7, 7, 1) and g[0, 0, 0] == 255 and g[1, 1, 0] == 0


def test_registered_extractors():
    assert {"inception-v3", "classifier"} <= set(FEATURES.names())


def test_inception_is_torch_fidelity_architecture_with_random_weights():
    pytest.importorskip("torch_fidelity")
    from ganbench.domains.image.features.inception import InceptionV3

    ex = InceptionV3(random_weights=True)
    imgs = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 1), dtype=np.uint8)
    feats, logits = ex(imgs)
    assert feats.shape == (2, 2048) and logits.shape == (2, 1008)
    assert np.isfinite(feats).all() and np.isfinite(logits).all()
    # the weights path: a state dict saved to disk loads (weights_only) and gives the same network
    path = os.path.join(os.environ["GANBENCH_CACHE"], "inception-random.pth")
    torch.save(ex.net.state_dict(), path)
    ex2 = InceptionV3(weights=path)
    np.testing.assert_allclose(ex2(imgs)[0], feats, rtol=1e-5, atol=1e-6)


def test_inception_without_weights_is_a_clear_error(monkeypatch, tmp_path):
    pytest.importorskip("torch_fidelity")
    from ganbench.domains.image.features.inception import InceptionV3

    monkeypatch.setenv("GANBENCH_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    with pytest.raises(DataNotFoundError, match="GANBENCH_INCEPTION_WEIGHTS"):
        InceptionV3()


def _write_idx(path, arr):
    import gzip

    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_mnist_reads_idx_files_from_the_data_dir(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    root = tmp_path / "mnist"
    root.mkdir()
    xtr, xte = rng.integers(0, 256, (12, 28, 28)), rng.integers(0, 256, (5, 28, 28))
    _write_idx(root / "train-images-idx3-ubyte.gz", xtr)
    _write_idx(root / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, 12))
    _write_idx(root / "t10k-images-idx3-ubyte.gz", xte)
    _write_idx(root / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 5))
    import dataclasses

    import ganbench.tasks.image_mnist as mod
    from ganbench.core.data import digest_of
    from ganbench.core.errors import ChecksumError

    with pytest.raises(ChecksumError, match="md5"):  # the real files are pinned: these fakes are refused
        TASKS.get("image/mnist")(data_dir=tmp_path).reference_samples()
    for key, spec in list(mod.FILES.items()):  # pin the fakes to test the reader
        monkeypatch.setitem(mod.FILES, key, dataclasses.replace(spec, md5=digest_of(tmp_path / spec.relpath, "md5")))
    task = TASKS.get("image/mnist")(data_dir=tmp_path)
    np.testing.assert_array_equal(task.reference_samples()[..., 0], xte)
    np.testing.assert_array_equal(task.train_samples()[..., 0], xtr)


def test_cifar10_reads_the_binary_archive(tmp_path, monkeypatch):
    import io
    import tarfile

    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, (7, 32, 32, 3)).astype(np.uint8)
    labels = rng.integers(0, 10, 7).astype(np.uint8)
    rec = np.concatenate([labels[:, None], imgs.transpose(0, 3, 1, 2).reshape(7, -1)], axis=1).tobytes()
    (tmp_path / "cifar10").mkdir()
    with tarfile.open(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", "w:gz") as tar:
        for name, blob in [("data_batch_1.bin", rec), ("test_batch.bin", rec[: 3 * 3073])]:
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    import dataclasses

    import ganbench.tasks.image_cifar10 as mod
    from ganbench.core.data import digest_of
    from ganbench.core.errors import ChecksumError

    with pytest.raises(ChecksumError, match="md5"):  # the real archive is pinned: this fake is refused
        TASKS.get("image/cifar10")(data_dir=tmp_path).train_samples()
    monkeypatch.setattr(mod, "ARCHIVE", dataclasses.replace(
        mod.ARCHIVE, md5=digest_of(tmp_path / "cifar10" / "cifar-10-binary.tar.gz", "md5")))
    task = TASKS.get("image/cifar10")(data_dir=tmp_path)
    np.testing.assert_array_equal(task.train_samples(), imgs)
    np.testing.assert_array_equal(task.reference_samples(), imgs[:3])
    assert task.classifier_data()[3].tolist() == labels[:3].tolist()
