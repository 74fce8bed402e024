"""LPIPS v0.1 alex of the restoration tasks: equal to the ``lpips`` package on the same inputs and
backbone, computed only on the AlexNet file named in GANBENCH_LPIPS_BACKBONE.

No test downloads anything: the backbone is a randomly initialised torchvision AlexNet saved to a
temporary file and loaded through the environment variable, the path users take; the reference
package gets the same weights (``pnet_rand=True`` keeps it from downloading) and its own heads.
"""

import warnings

import numpy as np
import pytest
import torch

from ganbench.core.errors import UserError
from ganbench.domains.image.restoration import lpips as ours
from ganbench.engine.evaluator import evaluate_samples
from ganbench.metrics.base import MetricSkipped

_SLICE = {0: 1, 3: 2, 6: 3, 8: 4, 10: 5}  # AlexNet.features conv index -> the lpips package's slice


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    from torchvision.models import alexnet

    torch.manual_seed(0)
    net = alexnet(weights=None)
    path = tmp_path_factory.mktemp("lpips") / "alexnet-random.pth"
    torch.save(net.state_dict(), path)
    return path, net.features.state_dict()


@pytest.fixture
def with_backbone(backbone, monkeypatch):
    monkeypatch.setenv(ours.ENV, str(backbone[0]))
    return backbone


def _reference(features_sd):
    lpips = pytest.importorskip("lpips")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchvision's 'pretrained' deprecation, inside lpips
        ref = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False)
    ref.net.load_state_dict({f"slice{s}.{i}.{w}": features_sd[f"{i}.{w}"]
                             for i, s in _SLICE.items() for w in ("weight", "bias")}, strict=True)
    return ref.eval()


class _Targets:
    """A stand-in restoration task: its test targets."""

    def __init__(self, targets):
        self._t = targets

    def test_targets(self):
        return self._t


@pytest.mark.parametrize("size,channels", [(64, 3), (32, 3), (32, 1), (28, 1)])
def test_equals_the_lpips_package_on_the_same_backbone(with_backbone, size, channels):
    ref = _reference(with_backbone[1])
    net = ours.LPIPSAlex(ours.backbone_path())
    assert net.backbone_sha256 == ours._sha256(with_backbone[0])
    g = torch.Generator().manual_seed(size + channels)
    a = torch.rand(6, channels, size, size, generator=g) * 2 - 1
    b = (a + 0.3 * torch.randn(6, channels, size, size, generator=g)).clamp(-1, 1)
    with torch.no_grad():
        got = net(a, b)
        ra, rb = a.expand(-1, 3, -1, -1), b.expand(-1, 3, -1, -1)  # grey replicated, as ours does
        if size < 31:  # the package refuses these; ours upsamples x2 (bilinear), so we give it the same input
            with pytest.raises(RuntimeError, match="too small"):
                ref(ra, rb)
            k = ours.upsample_factor(size, size)
            assert k == 2
            ra, rb = (torch.nn.functional.interpolate(x, scale_factor=k, mode="bilinear", align_corners=False)
                      for x in (ra, rb))
        want = ref(ra, rb).flatten()
    assert got.shape == want.shape == (6,)
    assert (got > 0).all()
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


def test_small_image_sizes():
    assert ours.fits(32, 32) and ours.fits(31, 31) and not ours.fits(30, 30) and not ours.fits(28, 28)
    assert ours.upsample_factor(32, 32) == 1 and ours.upsample_factor(28, 28) == 2
    assert ours.resize_note(32, 32).startswith("none")
    assert "28x28 -> 56x56" in ours.resize_note(28, 28)


def test_family_scores_sample_i_against_target_i_and_is_zero_on_the_targets(with_backbone):
    rng = np.random.RandomState(0)
    targets = rng.randint(0, 256, size=(9, 28, 28, 1)).astype(np.uint8)
    noisy = np.clip(targets.astype(int) + rng.randint(-60, 61, size=targets.shape), 0, 255).astype(np.uint8)
    task = _Targets(targets)
    same = ours.LPIPSMetric(task)
    same.update(targets)
    v = same.compute()["lpips"]
    assert v.value == 0.0 and v.direction == "min"
    d = v.details
    assert d["backbone_sha256"] == ours._sha256(with_backbone[0]) and d["heads_sha256"] == ours.HEADS_SHA256
    assert "28x28 -> 56x56" in d["resize"] and d["n"] == 9

    whole = ours.LPIPSMetric(task)
    whole.update(noisy)
    streamed = ours.LPIPSMetric(task)
    for part in (noisy[:2], noisy[2:7], noisy[7:], noisy[:3]):  # past the end: sample 9 pairs with target 0
        streamed.update(part)
    w, s = whole.compute()["lpips"].value, streamed.compute()["lpips"]
    assert w > 0 and s.details["n"] == 12
    net = ours.LPIPSAlex(ours.backbone_path())
    per = net(ours.to_unit(noisy), ours.to_unit(targets)).double()
    assert w == pytest.approx(float(per.mean()), abs=1e-6)
    assert s.value == pytest.approx(float(torch.cat([per, per[:3]]).mean()), abs=1e-6)


def test_restoration_task_scores_lpips_with_the_backbone(with_backbone):
    from ganbench.tasks import TASKS

    task = TASKS.get("image/sr4x-digits")()
    assert "lpips" in task.spec.metrics
    targets = task.test_targets()[:20]
    out = evaluate_samples(task, targets, ["lpips", "psnr"])
    assert out["lpips"].value == 0.0 and out["psnr"].value == float("inf")
    assert out["lpips"].details["resize"].startswith("none (32x32")


def test_absent_backbone_gives_the_message_and_no_number(monkeypatch, tmp_path):
    from ganbench.tasks import TASKS

    task = TASKS.get("image/sr4x-digits")()
    targets = task.test_targets()[:5]
    for value in (None, str(tmp_path / "nowhere.pth")):
        if value is None:
            monkeypatch.delenv(ours.ENV, raising=False)
        else:
            monkeypatch.setenv(ours.ENV, value)
        with pytest.warns(MetricSkipped) as caught:
            out = evaluate_samples(task, targets, ["psnr", "lpips"])
        assert list(out) == ["psnr"]  # nothing under the name lpips
        (msg,) = [str(w.message) for w in caught if w.category is MetricSkipped]
        assert "\n" not in msg and ours.ENV in msg and ours.BACKBONE_URL in msg
        if value is not None:
            assert "is not a file" in msg
        with pytest.raises(UserError, match=ours.ENV):
            ours.LPIPSMetric(task)  # built directly, it refuses rather than compute anything


def test_wrong_backbone_file_is_a_one_line_error(monkeypatch, tmp_path):
    from torchvision.models import vgg11

    cases = {"text.pth": None, "vgg.pth": "not a torchvision alexnet", "features-only.pth": "missing classifier"}
    (tmp_path / "text.pth").write_text("not weights")
    torch.save({k: v for k, v in vgg11(weights=None).state_dict().items() if k.startswith("features.0")},
               tmp_path / "vgg.pth")
    from torchvision.models import alexnet

    torch.save({f"features.{k}": v for k, v in alexnet(weights=None).features.state_dict().items()},
               tmp_path / "features-only.pth")
    wrong_shape = alexnet(weights=None).state_dict()
    wrong_shape["features.0.weight"] = torch.zeros(64, 3, 3, 3)
    torch.save(wrong_shape, tmp_path / "shape.pth")
    cases["shape.pth"] = "shapes features.0.weight (64, 3, 3, 3) not (64, 3, 11, 11)"
    for name, match in cases.items():
        monkeypatch.setenv(ours.ENV, str(tmp_path / name))
        with pytest.raises(UserError) as err:
            ours.LPIPSMetric(_Targets(np.zeros((1, 32, 32, 3), np.uint8)))
        msg = str(err.value)
        assert "\n" not in msg and ours.ENV in msg and ours.BACKBONE_URL in msg, msg
        if match:
            assert match in msg, msg


def test_shipped_heads_are_the_pinned_lpips_file():
    assert ours._sha256(ours.HEADS_FILE) == ours.HEADS_SHA256
    heads = ours.load_heads()
    assert [h.shape for h in heads] == [(1, c, 1, 1) for c in ours.CHANNELS]
    lpips = pytest.importorskip("lpips")
    import os

    shipped = os.path.join(os.path.dirname(lpips.__file__), "weights", "v0.1", "alex.pth")
    assert ours._sha256(shipped) == ours.HEADS_SHA256


def test_a_wrong_backbone_fails_when_the_run_is_configured(monkeypatch, tmp_path):
    from ganbench.core.config import resolve
    from ganbench.objectives import build_objective
    from ganbench.tasks import TASKS

    (tmp_path / "bad.pth").write_text("not weights")
    monkeypatch.setenv(ours.ENV, str(tmp_path / "bad.pth"))
    task = TASKS.get("image/sr4x-digits")()
    l1 = build_objective("l1")
    with pytest.raises(UserError, match=ours.ENV):
        l1.check(task, resolve(task.spec, l1, steps=1))
