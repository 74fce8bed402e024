"""Shared test fixtures: a clean cache per session, quiet progress, one torch thread."""

import os

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("CI", "true")  # no progress bars in tests


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    # trained classifiers and reference statistics are cached across tests in one session, but never
    # in (or from) the user's real cache unless GANBENCH_CACHE is set explicitly for the run
    if "GANBENCH_CACHE" not in os.environ:
        os.environ["GANBENCH_CACHE"] = str(tmp_path_factory.mktemp("ganbench-cache"))
    yield


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tracked_results() -> list[str]:
    """The paths git tracks under results/ (relative to the repository), or skip: the committed
    results are exactly what git tracks, never what a user's own runs left beside them."""
    import subprocess

    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", "results"], cwd=ROOT, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"git is not available ({exc}): the committed results are the files git tracks")
    if out.returncode != 0:
        pytest.skip("not a git checkout: the committed results are the files git tracks")
    return [p for p in out.stdout.decode().split("\0") if p]


@pytest.fixture(scope="session")
def committed_results(tmp_path_factory):
    """A folder holding exactly the committed files of results/ (hard links where the file system
    allows, else copies), as a fresh clone has them: records a user's own runs wrote into results/
    (``ganbench run --results results/mine``) are not in it, so the tests about the committed
    leaderboard read what was committed and nothing else."""
    import shutil

    root = tmp_path_factory.mktemp("committed") / "results"
    for rel in _tracked_results():
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):  # deleted in the working tree, not yet committed
            continue
        dst = root.parent / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    return root
