"""The video domain: moving digits, the array-only MNIST pickle reader, video files, and the metric checks
(real vs real FVD small, frame-shuffled real videos far worse; per-frame FID blind to the order)."""

import io
import pickle

import numpy as np
import pytest

from ganbench.core.errors import UserError
from ganbench.domains.video.io import load_videos
from ganbench.domains.video.moving import moving_digits, sha256
from ganbench.domains.video.sources import read_array_pickle
from ganbench.engine.evaluator import evaluate_samples
from ganbench.tasks import TASKS


def _sprites():
    rs = np.random.RandomState(0)
    return rs.randint(1, 256, size=(5, 4, 4)).astype(np.uint8), np.arange(5)


def test_moving_digits_is_deterministic_and_stays_in_the_canvas():
    digits, labels = _sprites()
    a = moving_digits(digits, labels, 20, 12, 12, 2, seed=3)
    b = moving_digits(digits, labels, 20, 12, 12, 2, seed=3)
    assert sha256(a[0]) == sha256(b[0]) and np.array_equal(a[2], b[2])
    assert sha256(moving_digits(digits, labels, 20, 12, 12, 2, seed=4)[0]) != sha256(a[0])
    videos, which, centres = a
    assert videos.shape == (20, 12, 12, 12, 1) and which.shape == (20, 2)
    assert ((centres >= 0) & (centres <= 1)).all()
    # each frame holds both sprites' pixels: the frame's total is at least the larger sprite's
    totals = videos.reshape(20, 12, -1).sum(-1)
    assert (totals >= digits.reshape(5, -1).sum(-1)[which].max(1)[:, None]).all()
    # speed 0.1 of the free range per frame: consecutive centres move by at most that (reflections included)
    step = np.abs(np.diff(centres, axis=1)).max()
    assert 0 < step <= 0.1 * 8 / 12 + 1 / 12


def test_pinned_test_set_refuses_other_arrays(monkeypatch):
    task = TASKS.get("video/moving-digits")()
    monkeypatch.setattr(task, "test_sha256", "0" * 64)
    with pytest.raises(UserError, match="SHA-256"):
        task.videos("test")


def test_array_pickle_reader_reads_arrays_and_refuses_code(tmp_path):
    arrays = ((np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int64)),)
    path = tmp_path / "a.pkl"
    path.write_bytes(pickle.dumps(arrays, protocol=2))
    ((x, y),) = read_array_pickle(path)
    assert np.array_equal(x, arrays[0][0]) and x.dtype == np.float32 and np.array_equal(y, arrays[0][1])

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, ("echo pwned",))

    path.write_bytes(pickle.dumps((Evil(),), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="not admitted"):
        read_array_pickle(path)
    path.write_bytes(pickle.dumps((np.array([object()], dtype=object),), protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        read_array_pickle(path)


def test_video_files_are_validated(tmp_path):
    shape = (4, 8, 8, 1)
    good = np.random.RandomState(0).randint(0, 256, size=(3, 4, 8, 8)).astype(np.uint8)
    np.save(tmp_path / "v.npy", good)
    assert load_videos(tmp_path / "v.npy", shape).shape == (3, 4, 8, 8, 1)
    np.save(tmp_path / "bad.npy", good[:, :3])
    with pytest.raises(UserError, match="N×4×8×8"):
        load_videos(tmp_path / "bad.npy", shape)


@pytest.fixture(scope="module")
def digits_task():
    return TASKS.get("video/moving-digits")()


def test_fvd_local_real_vs_real_is_small_and_shuffled_frames_far_worse(digits_task):
    task = digits_task
    test = task.reference_samples()
    other_real = task.moved_digits("test", 7)["videos"]  # the test digits moved anew: real videos never seen
    rs = np.random.RandomState(0)
    shuffled = np.stack([v[rs.permutation(len(v))] for v in test])
    real = evaluate_samples(task, other_real)
    shuf = evaluate_samples(task, shuffled)
    assert evaluate_samples(task, test)["fvd_local"].value == pytest.approx(0.0, abs=1e-6)
    assert shuf["fvd_local"].value > 3 * real["fvd_local"].value, (real["fvd_local"].value, shuf["fvd_local"].value)
    # single frames do not see the order: the per-frame FID of shuffled test videos is that of the test videos
    assert shuf["fid_frame"].value == pytest.approx(0.0, abs=1e-6)


def test_prediction_samples_are_scored_behind_their_contexts():
    task = TASKS.get("video/moving-digits-predict")()
    truth = task.reference_samples()
    assert truth.shape[1] == task.frames - task.context_frames
    right = evaluate_samples(task, truth)
    assert right["psnr"].value == np.inf and right["ssim"].value == pytest.approx(1.0)
    assert right["fvd_local"].value == pytest.approx(0.0, abs=1e-6)
    rolled = evaluate_samples(task, np.roll(truth, 1, axis=0))  # every prediction behind another video's context
    assert rolled["psnr"].value < 20 and rolled["fvd_local"].value > 0


@pytest.mark.parametrize("setting, works", [
    ("r1_gamma=1.0", True), ("lecam_weight=0.3", True), ("spectral_norm=true", True),
    ("pack=2", False), ("diffaugment=color", False), ("unroll=2", False), ("instance_noise=0.1", False),
])
def test_conditional_steps_compose_penalties_and_refuse_what_reshapes_inputs(tmp_path, capsys, setting, works):
    """The conditional step (restoration, video prediction) composes the remedies' loss terms and
    changed nets; a remedy that changes what D is shown or whom G answers to is refused at
    configuration time with one line, never silently left out."""
    from ganbench.cli import main

    code = main(["run", "image/sr4x-digits", "-o", "ns", "--steps", "2", "--set", setting, "--results",
                 str(tmp_path), "--no-progress", "--no-table", "--tag", "t"])
    err = capsys.readouterr().err
    if works:
        assert code == 0, err
    else:
        assert code == 2 and "whom G answers to" in err and err.count("\n") == 1 and not list(tmp_path.glob("*.json"))
