"""PSNR/SSIM (BasicSR conventions) against scikit-image on the same arrays, and the conditional plumbing."""

import numpy as np
import pytest
import torch

from ganbench.core.config import resolve
from ganbench.core.errors import UserError
from ganbench.domains.conditional.fidelity import FidelityMetrics, prepare, psnr, ssim
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS

skm = pytest.importorskip("skimage.metrics")
skcolor = pytest.importorskip("skimage.color")


def _pair(shape, seed):
    rng = np.random.RandomState(seed)
    a = rng.randint(0, 256, size=shape).astype(np.uint8)
    noise = rng.randint(-40, 41, size=shape)
    return a, np.clip(a.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("channels,crop", [(1, 0), (1, 4), (3, 0), (3, 4)])
def test_psnr_and_ssim_equal_scikit_image(channels, crop):
    a, b = _pair((5, 28, 32, channels), channels + crop)
    ours_p = psnr(prepare(a, crop), prepare(b, crop)).numpy()
    ours_s = ssim(prepare(a, crop), prepare(b, crop)).numpy()
    for i in range(len(a)):
        x, y = a[i].astype(np.float64), b[i].astype(np.float64)
        if channels == 3:  # BT.601 luma, scikit-image's own conversion (0..1 in, 16..235 out)
            x, y = skcolor.rgb2ycbcr(a[i])[..., 0], skcolor.rgb2ycbcr(b[i])[..., 0]
        else:
            x, y = x[..., 0], y[..., 0]
        if crop:
            x, y = x[crop:-crop, crop:-crop], y[crop:-crop, crop:-crop]
        ref_p = skm.peak_signal_noise_ratio(x, y, data_range=255)
        ref_s = skm.structural_similarity(x, y, data_range=255, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False)
        assert abs(ours_p[i] - ref_p) < 1e-9, (ours_p[i], ref_p)
        assert abs(ours_s[i] - ref_s) < 1e-9, (ours_s[i], ref_s)


def test_ssim_of_rgb_without_luma_averages_channels_as_scikit_image():
    a, b = _pair((2, 16, 16, 3), 7)
    ours = ssim(prepare(a, 0, test_y_channel=False), prepare(b, 0, test_y_channel=False)).numpy()
    for i in range(2):
        ref = skm.structural_similarity(a[i].astype(np.float64), b[i].astype(np.float64), data_range=255,
                                        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1)
        assert abs(ours[i] - ref) < 1e-9


def test_identical_images_score_infinite_psnr_and_unit_ssim():
    a, _ = _pair((2, 16, 16, 1), 1)
    assert np.isinf(psnr(prepare(a), prepare(a)).numpy()).all()
    assert np.allclose(ssim(prepare(a), prepare(a)).numpy(), 1.0)


class _Targets:
    """A stand-in conditional task: its test targets and the protocol attributes the family reads."""

    crop_border, test_y_channel = 2, True

    def __init__(self, targets):
        self._t = targets

    def test_targets(self):
        return self._t


def test_fidelity_family_pairs_sample_i_with_target_i_however_streamed():
    targets, outputs = _pair((7, 16, 16, 3), 3)
    whole = FidelityMetrics(_Targets(targets))
    whole.update(outputs)
    streamed = FidelityMetrics(_Targets(targets))
    for part in (outputs[:3], outputs[3:4], outputs[4:]):
        streamed.update(part)
    a, b = whole.compute(), streamed.compute()
    assert a["psnr"].value == pytest.approx(b["psnr"].value, abs=1e-12)
    assert a["ssim"].value == pytest.approx(b["ssim"].value, abs=1e-12)
    shuffled = FidelityMetrics(_Targets(targets))
    shuffled.update(outputs[::-1])
    assert shuffled.compute()["psnr"].value < a["psnr"].value - 3  # pairs out of order are far apart


def test_conditional_sampling_walks_the_test_conditions_in_order():
    task = TASKS.get("image/inpaint-digits")()
    cfg = resolve(task.spec, build_objective("l1"), dict(task.spec.smoke), steps=1)
    G, _ = task.build_models(cfg)
    rng = torch.Generator().manual_seed(0)
    first = torch.cat([task.sample(G, 3, rng), task.sample(G, 4, rng)])
    again = task.sample(G, 7, torch.Generator().manual_seed(0))  # a new generator starts at condition 0
    assert torch.equal(first, again)
    wrapped = task.sample(G, len(task.test_targets()) + 2, torch.Generator().manual_seed(0))
    assert torch.equal(wrapped[-2:], again[:2])  # past the end it cycles


def test_conditional_configurations_fail_at_configuration_time():
    task = TASKS.get("image/sr4x-digits")()
    ns = build_objective("ns")
    with pytest.raises(UserError, match="adv_weight"):
        ns.check(task, resolve(task.spec, ns, {"adv_weight": 0.0}, steps=1))
    l1 = build_objective("l1")
    ring = TASKS.get("toy/ring8")()
    with pytest.raises(UserError, match="conditional"):
        l1.check(ring, resolve(ring.spec, l1, steps=1))
    with pytest.raises(UserError, match="restoration"):  # an unconditional image net on a restoration task
        TASKS.get("image/sr4x-digits")().build_models(resolve(task.spec, l1, {"g_arch": "dcgan-generator"}, steps=1))


def test_unconditional_tasks_keep_their_own_step():
    assert TASKS.get("image/digits")().adversarial_step(build_objective("ns"), None) is None


def test_tradeoff_plot_draws_methods_in_the_declared_plane():
    from ganbench.domains import domain_of
    from ganbench.reporting import plots
    from ganbench.reporting.tables import Cell

    assert ("psnr", "fid") in domain_of("image/sr4x-digits").tradeoffs
    rows = [("l1", {"psnr": Cell(20.0, 0.1, 3), "fid": Cell(80.0, 2.0, 3)}),
            ("ns[adv_weight=0.1]", {"psnr": Cell(18.0, 0.2, 3), "fid": Cell(20.0, 1.0, 3)})]
    png = plots.tradeoff(rows, ["l1", "ns[adv_weight=0.1]"], [("psnr", "fid")])
    assert png is not None and png.startswith(b"\x89PNG")
    assert plots.tradeoff(rows[:1], ["l1"], [("psnr", "fid")]) is None  # one point is no trade-off
    assert plots.tradeoff(rows, ["l1"], [("psnr", "kid")]) is None  # a pair the rows do not hold
