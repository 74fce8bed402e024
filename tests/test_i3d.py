"""I3D and the literature's FVD (``fvd``): the network's state dict is pytorch-i3d's, its weights load
from a local file only, 'SAME' padding is TensorFlow's, and without weights ``fvd`` is refused with a
one-line message. No real weights are used (none can be downloaded here): random ones stand in."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.domains.video import i3d
from ganbench.metrics.frechet import frechet_distance, gaussian_stats

# --- pytorch-i3d's InceptionI3d(400, in_channels=3), restated from its definition in pytorch_i3d.py --
# (unit name, input channels, output channels, kernel edge) for the stem, then each Mixed block's
# input channels and branch widths [b0, b1a, b1b, b2a, b2b, b3b] as that file writes them
REF_STEM = [("Conv3d_1a_7x7", 3, 64, 7), ("Conv3d_2b_1x1", 64, 64, 1), ("Conv3d_2c_3x3", 64, 192, 3)]
REF_MIXED = [
    ("Mixed_3b", 192, [64, 96, 128, 16, 32, 32]),
    ("Mixed_3c", 256, [128, 128, 192, 32, 96, 64]),
    ("Mixed_4b", 128 + 192 + 96 + 64, [192, 96, 208, 16, 48, 64]),
    ("Mixed_4c", 192 + 208 + 48 + 64, [160, 112, 224, 24, 64, 64]),
    ("Mixed_4d", 160 + 224 + 64 + 64, [128, 128, 256, 24, 64, 64]),
    ("Mixed_4e", 128 + 256 + 64 + 64, [112, 144, 288, 32, 64, 64]),
    ("Mixed_4f", 112 + 288 + 64 + 64, [256, 160, 320, 32, 128, 128]),
    ("Mixed_5b", 256 + 320 + 128 + 128, [256, 160, 320, 32, 128, 128]),
    ("Mixed_5c", 256 + 320 + 128 + 128, [384, 192, 384, 48, 128, 128]),
]
REF_PARAMS = 12_697_264  # trainable parameters of the reference InceptionI3d(400) (counted on a transcription)


def reference_shapes() -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}

    def unit(name, cin, cout, k):
        out[f"{name}.conv3d.weight"] = (cout, cin, k, k, k)
        for p in ("weight", "bias", "running_mean", "running_var"):
            out[f"{name}.bn.{p}"] = (cout,)
        out[f"{name}.bn.num_batches_tracked"] = ()

    for name, cin, cout, k in REF_STEM:
        unit(name, cin, cout, k)
    for name, cin, c in REF_MIXED:
        unit(f"{name}.b0", cin, c[0], 1)
        unit(f"{name}.b1a", cin, c[1], 1)
        unit(f"{name}.b1b", c[1], c[2], 3)
        unit(f"{name}.b2a", cin, c[3], 1)
        unit(f"{name}.b2b", c[3], c[4], 3)
        unit(f"{name}.b3b", cin, c[5], 1)
    out["logits.conv3d.weight"] = (400, 384 + 384 + 128 + 128, 1, 1, 1)
    out["logits.conv3d.bias"] = (400,)
    return out


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return i3d.InceptionI3d(400, in_channels=3).eval()


@pytest.fixture(scope="module")
def weights(net, tmp_path_factory):
    path = tmp_path_factory.mktemp("i3d") / "rgb_imagenet.pt"
    torch.save(net.state_dict(), path)
    return path


def test_state_dict_has_pytorch_i3d_keys_and_shapes(net):
    got = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    want = reference_shapes()
    assert sorted(set(got) ^ set(want)) == []
    assert {k: got[k] for k in want} == want
    assert sum(p.numel() for p in net.parameters()) == REF_PARAMS
    bn = net.Mixed_4c.b1b.bn
    assert (bn.eps, bn.momentum) == (0.001, 0.01)


def test_weights_load_from_a_file_and_a_wrong_file_is_one_line(net, weights, tmp_path):
    loaded = i3d.load_i3d(weights)
    for k, v in net.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v)
    # files from before PyTorch 0.4.1 have no batch-norm step counters: they still load
    old = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(old, tmp_path / "old.pt")
    i3d.load_i3d(tmp_path / "old.pt")

    wrong = dict(net.state_dict())
    del wrong["Mixed_5c.b0.conv3d.weight"]
    wrong["fc.weight"] = torch.zeros(3)
    torch.save(wrong, tmp_path / "wrong.pt")
    with pytest.raises(UserError) as exc:
        i3d.load_i3d(tmp_path / "wrong.pt")
    msg = str(exc.value)
    assert "\n" not in msg and "1 missing, 1 unexpected" in msg and "GANBENCH_I3D_WEIGHTS" in msg

    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(UserError) as exc:
        i3d.load_i3d(tmp_path / "junk.pt")
    assert "\n" not in str(exc.value) and "cannot be read" in str(exc.value)


def test_forward_shape_and_features(net):
    # the shortest clip I3D takes: 9 frames (T' = ceil(ceil(ceil(9/2)/2)/2) - 1 = 1)
    with torch.inference_mode():
        assert tuple(net(torch.zeros(1, 3, i3d.MIN_FRAMES, 224, 224)).shape) == (1, 400, 1)
    video = np.random.default_rng(0).integers(0, 256, (1, i3d.MIN_FRAMES, 16, 16, 1), dtype=np.uint8)
    x = i3d.preprocess(video)
    assert tuple(x.shape) == (1, 3, i3d.MIN_FRAMES, 224, 224)
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    assert torch.equal(x[:, 0], x[:, 2])  # grey replicated to RGB
    feats = i3d.I3DFeatures(net, "0" * 64)(video)
    assert feats.shape == (1, 400) and np.isfinite(feats).all()


@pytest.mark.parametrize("size", [223, 224, 9, 10])
@pytest.mark.parametrize("kernel,stride", [(7, 2), (3, 2), (3, 1), (2, 2), (1, 1)])
def test_same_padding_is_tensorflow_same(size, kernel, stride):
    front, back = i3d.same_pad(size, kernel, stride)
    assert front <= back <= front + 1
    assert (size + front + back - kernel) // stride + 1 == math.ceil(size / stride)  # TF 'SAME': ceil(in / stride)
    unit = i3d.Unit3D(1, 1, (1, kernel, kernel), (1, stride, stride))
    pool = i3d.SamePool((1, kernel, kernel), (1, stride, stride))
    x = torch.zeros(1, 1, 1, size, size)
    want = math.ceil(size / stride)
    assert tuple(unit(x).shape[-2:]) == (want, want) and tuple(pool(x).shape[-2:]) == (want, want)


def test_frechet_of_identical_features_is_zero():
    feats = np.random.default_rng(1).normal(size=(500, 400))
    mu, sigma = gaussian_stats(feats)
    assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-6


def _task(tmp_path, frames=10, n_test=3):
    videos = np.random.default_rng(2).integers(0, 256, (n_test, frames, 8, 8, 1), dtype=np.uint8)
    return SimpleNamespace(shape=(frames, 8, 8, 1), data_name="i3d-test", data=SimpleNamespace(roots=[tmp_path]),
                           spec=SimpleNamespace(name="video/i3d-test", version="1"),
                           videos=lambda split: {"videos": videos}, full_videos=lambda s, start: s)


def test_fvd_without_weights_is_refused_with_the_message(tmp_path, monkeypatch):
    from ganbench.domains.video.metrics import I3DMetrics

    monkeypatch.delenv("GANBENCH_I3D_WEIGHTS", raising=False)
    with pytest.raises(DataNotFoundError) as exc:
        I3DMetrics(_task(tmp_path))
    msg = str(exc.value)
    assert "\n" not in msg and "GANBENCH_I3D_WEIGHTS" in msg and "rgb_imagenet.pt" in msg
    monkeypatch.setenv("GANBENCH_I3D_WEIGHTS", str(tmp_path / "nowhere.pt"))
    with pytest.raises(DataNotFoundError, match="is not a file"):
        I3DMetrics(_task(tmp_path))
    with pytest.raises(UserError, match="at least 9 frames"):
        I3DMetrics(_task(tmp_path, frames=8))


def test_fvd_with_weights_and_its_provenance(tmp_path, weights, monkeypatch):
    from ganbench.domains import evaluable_metrics
    from ganbench.domains.video.metrics import I3DMetrics
    from ganbench.tasks import TASKS

    spec = TASKS.get("video/moving-mnist").spec
    assert "fvd" not in spec.metrics and evaluable_metrics(spec)[-1] == "fvd"  # on request, no run's default
    monkeypatch.setenv("GANBENCH_I3D_WEIGHTS", str(weights))
    task = _task(tmp_path)
    fam = I3DMetrics(task)
    fam.update(task.videos("test")["videos"])  # the reference itself: distance 0
    value = fam.compute()["fvd"]
    assert abs(value.value) < 1e-3
    d = value.details
    assert d["extractor"] == "i3d-kinetics400" and d["weights_sha256"] == i3d.file_sha256(weights)
    assert d["n"] == 3 and "224" in d["resize"] and "fvd_local" in d["comparable_with"]


def test_evaluate_accepts_fvd_on_request_and_refuses_short_videos():
    import ganbench

    videos = np.zeros((2, 8, 16, 16, 1), dtype=np.uint8)  # video/moving-digits: 8 frames, too short for I3D
    with pytest.raises(UserError, match="at least 9 frames"):
        ganbench.evaluate("video/moving-digits", samples=videos, metrics=["fvd"])
    with pytest.raises(UserError, match="choose from .*coverage_video, fvd"):
        ganbench.evaluate("video/moving-digits", samples=videos, metrics=["fvdx"])
