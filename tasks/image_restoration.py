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
       "LPIPS not computed (no backbone weights offline)")
_INPAINT = ("PSNR/SSIM (Y of RGB, no border cut) of all {n} test images with their centre block of half the "
            "height and width restored; FID/KID in {clf} vs the test images; LPIPS not computed (no backbone weights offline)")


def _spec(name, summary, fmt, n, clf, data_source, budgets, suites=(), slow=True, **defaults):
    return TaskSpec(
        name=name, version="1", summary=summary, sample_kind="restorations", metrics=RESTORATION_METRICS,
        main_metric="psnr", eval_samples=n, data_source=data_source,
        protocol=fmt.format(s=4, n=f"{n:,}", clf=clf), budgets=budgets, slow_setup=slow, suites=suites,
        defaults={**RESTORATION_DEFAULTS, **defaults}, smoke=RESTORATION_SMOKE)


_FASHION_CLF = "the classifier of image/fashion-mnist (seed 0)"
_FASHION_SRC = "Fashion-MNIST IDX files as image/fashion-mnist (sha256-checked)"
_FASHION_BUDGETS = {"quick": 100, "default": 600, "long": 10_000}  # default: ~1-3 min of one shared core


class SR4xFashionMNIST(RestorationTask):
    shape, dataset, restoration_mode, scale = (28, 28, 1), FashionMNIST, "residual", 4
    spec = _spec("image/sr4x-fashion-mnist", "4x super-resolution of Fashion-MNIST (7x7 -> 28x28); PSNR/SSIM, FID/KID",
                 _SR, 10_000, _FASHION_CLF, _FASHION_SRC, _FASHION_BUDGETS, g_ch=16, d_ch=16)


class InpaintFashionMNIST(RestorationTask):
    shape, dataset, restoration_mode = (28, 28, 1), FashionMNIST, "fill"
    spec = _spec("image/inpaint-fashion-mnist", "centre 14x14 inpainting of Fashion-MNIST; PSNR/SSIM, FID/KID",
                 _INPAINT, 10_000, _FASHION_CLF, _FASHION_SRC, _FASHION_BUDGETS, g_ch=16, d_ch=16)


_CIFAR_CLF = "the classifier of image/cifar10 (seed 0)"
_CIFAR_SRC = "CIFAR-10 binary archive as image/cifar10 (MD5-checked)"
_CIFAR_BUDGETS = {"quick": 100, "default": 5000, "long": 50_000}


class SR4xCIFAR10(RestorationTask):
    shape, dataset, restoration_mode, scale = (32, 32, 3), CIFAR10, "residual", 4
    spec = _spec("image/sr4x-cifar10", "4x super-resolution of CIFAR-10 (8x8 -> 32x32 RGB); PSNR/SSIM on Y, FID/KID",
                 _SR, 10_000, _CIFAR_CLF, _CIFAR_SRC, _CIFAR_BUDGETS, g_ch=48, d_ch=48)


class InpaintCIFAR10(RestorationTask):
    shape, dataset, restoration_mode = (32, 32, 3), CIFAR10, "fill"
    spec = _spec("image/inpaint-cifar10", "centre 16x16 inpainting of CIFAR-10; PSNR/SSIM on Y, FID/KID",
                 _INPAINT, 10_000, _CIFAR_CLF, _CIFAR_SRC, _CIFAR_BUDGETS, g_ch=48, d_ch=48)


class _Digits32(RestorationTask):
    shape, dataset, shares_classifier, classifier_epochs = (32, 32, 1), Digits, False, 15

    def prepare_images(self, data):
        from PIL import Image

        def up(x):
            return np.stack([np.asarray(Image.fromarray(im[..., 0]).resize((32, 32), Image.Resampling.BICUBIC))
                             for im in x])[..., None]

        return {**data, "x_train": up(data["x_train"]), "x_test": up(data["x_test"])}


_DIGITS_SRC = "sklearn.datasets.load_digits as image/digits (1,297 train / 500 test), upsampled 8x8 -> 32x32 (PIL bicubic)"
_DIGITS_CLF = "a CNN trained on the 32x32 train digits (seed 0)"
_DIGITS_BUDGETS = {"quick": 100, "default": 1500}


class SR4xDigits(_Digits32):
    restoration_mode, scale = "residual", 4
    spec = _spec("image/sr4x-digits", "4x super-resolution of 32x32-upsampled sklearn digits (quick suite; no download)",
                 _SR, 500, _DIGITS_CLF, _DIGITS_SRC, _DIGITS_BUDGETS, suites=("quick",), slow=False, g_ch=16, d_ch=16)


class InpaintDigits(_Digits32):
    restoration_mode = "fill"
    spec = _spec("image/inpaint-digits", "centre 16x16 inpainting of 32x32-upsampled sklearn digits (quick suite; no download)",
                 _INPAINT, 500, _DIGITS_CLF, _DIGITS_SRC, _DIGITS_BUDGETS, suites=("quick",), slow=False, g_ch=16, d_ch=16)
