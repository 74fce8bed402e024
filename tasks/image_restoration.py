"""Image restoration tasks: 4× super-resolution (``image/sr4x-<set>``) and centre-block inpainting
(``image/inpaint-<set>``) of Fashion-MNIST, CIFAR-10 and, for the quick suite, scikit-learn's digits.

The machinery is :mod:`ganbench.domains.image.restoration`; each task names its data set, its
degradation and its budgets. The digits tasks upsample the 8×8 digits to 32×32 (PIL bicubic) so
that a 4× input (8×8) and SSIM's 11×11 window (after the 4-pixel border cut) fit: a smoke-sized
protocol for CI and the quick suite, not a super-resolution benchmark (they score with their own
classifier, trained on the 32×32 digits).
"""

import numpy as np

from ganbench.core.task import TaskSpec
from ganbench.domains.image.restoration.task import (RESTORATION_DEFAULTS, RESTORATION_METRICS, RESTORATION_SMOKE,
                                                     RestorationTask)
from ganbench.tasks.image_cifar10 import CIFAR10
from ganbench.tasks.image_digits import Digits
from ganbench.tasks.image_fashion_mnist import FashionMNIST

_SR = ("PSNR/SSIM as BasicSR (Y of RGB, {s}-pixel border cut, 11x11 Gaussian SSIM) of all {n} test images "
       "restored from their {s}x bicubic (PIL, antialiased) downsampling; FID/KID in {clf} vs the test images; "
       "LPIPS v0.1 alex of restoration i vs target i only with GANBENCH_LPIPS_BACKBONE (torchvision AlexNet weights), else not computed")
_INPAINT = ("PSNR/SSIM (Y of RGB, no border cut) of all {n} test images with their centre block of half the "
            "height and width restored; FID/KID in {clf} vs the test images; LPIPS v0.1 alex only with GANBENCH_LPIPS_BACKBONE, else not computed")


def _spec(name, summary, fmt, n, clf, data_source, budgets, suites=(), slow=True, **defaults):
    return TaskSpec(
        name=name, version="1", summary=summary, sample_kind="restorations", metrics=RESTORATION_METRICS,
        main_metric="psnr", eval_samples=n, data_source=data_source,
        protocol=fmt.format(s=4, n=f"{n:,}", clf=clf), budgets=budgets, slow_setup=slow, suites=suites,
        defaults={**RESTORATION_DEFAULTS, **defaults}, smoke=RESTORATION_SMOKE)


def _pair(base: type, dataset: str, summaries: tuple[str, str], n: int, clf: str, source: str, budgets: dict, **kw):
    """``image/sr4x-<dataset>`` and ``image/inpaint-<dataset>`` on one data set (``base``: its shape and loader)."""
    sr = type(f"SR4x{base.__name__.strip('_')}", (base,), {
        "__module__": __name__, "restoration_mode": "residual", "scale": 4,
        "spec": _spec(f"image/sr4x-{dataset}", summaries[0], _SR, n, clf, source, budgets, **kw)})
    inpaint = type(f"Inpaint{base.__name__.strip('_')}", (base,), {
        "__module__": __name__, "restoration_mode": "fill",
        "spec": _spec(f"image/inpaint-{dataset}", summaries[1], _INPAINT, n, clf, source, budgets, **kw)})
    return sr, inpaint


class _FashionMNIST(RestorationTask):
    shape, dataset = (28, 28, 1), FashionMNIST


class _CIFAR10(RestorationTask):
    shape, dataset = (32, 32, 3), CIFAR10


class _Digits(RestorationTask):
    shape, dataset, shares_classifier, classifier_epochs = (32, 32, 1), Digits, False, 15

    def prepare_images(self, data):
        from PIL import Image

        def up(x):
            return np.stack([np.asarray(Image.fromarray(im[..., 0]).resize((32, 32), Image.Resampling.BICUBIC))
                             for im in x])[..., None]

        return {**data, "x_train": up(data["x_train"]), "x_test": up(data["x_test"])}


SR4xFashionMNIST, InpaintFashionMNIST = _pair(
    _FashionMNIST, "fashion-mnist", ("4x super-resolution of Fashion-MNIST (7x7 -> 28x28); PSNR/SSIM, FID/KID",
                                     "centre 14x14 inpainting of Fashion-MNIST; PSNR/SSIM, FID/KID"),
    10_000, "the classifier of image/fashion-mnist (seed 0)", "Fashion-MNIST IDX files as image/fashion-mnist (sha256-checked)",
    {"quick": 100, "default": 600, "long": 10_000}, g_ch=16, d_ch=16)  # default: ~2-6 min of one shared core
SR4xCIFAR10, InpaintCIFAR10 = _pair(
    _CIFAR10, "cifar10", ("4x super-resolution of CIFAR-10 (8x8 -> 32x32 RGB); PSNR/SSIM on Y, FID/KID",
                          "centre 16x16 inpainting of CIFAR-10; PSNR/SSIM on Y, FID/KID"),
    10_000, "the classifier of image/cifar10 (seed 0)", "CIFAR-10 binary archive as image/cifar10 (MD5-checked)",
    {"quick": 100, "default": 5000, "long": 50_000}, g_ch=48, d_ch=48)
SR4xDigits, InpaintDigits = _pair(
    _Digits, "digits", ("4x super-resolution of 32x32-upsampled sklearn digits (quick suite; no download)",
                        "centre 16x16 inpainting of 32x32-upsampled sklearn digits (quick suite; no download)"),
    500, "a CNN trained on the 32x32 train digits (seed 0)",
    "sklearn.datasets.load_digits as image/digits (1,297 train / 500 test), upsampled 8x8 -> 32x32 (PIL bicubic)",
    {"quick": 100, "default": 1500}, suites=("quick",), slow=False, g_ch=16, d_ch=16)
