"""CI runs the README's two commands, verbatim and in order (issue: a fresh clone, README command 1,
then command 2, must pass; CI must do exactly that so it cannot break unseen)."""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _extractor():
    spec = importlib.util.spec_from_file_location("readme_commands", ROOT / ".ci" / "readme_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_runs_the_readme_commands_in_the_readme_order():
    first, second = _extractor().commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert first.endswith("ganbench run --suite quick") and "pip install" in first  # set-up, then the main job
    assert "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # .ci/run takes both from the README (never a copy that can drift) and runs them in that order
    assert ci.index("readme_commands.py 1") < ci.index("readme_commands.py 2")
    assert ci.index('-c "$first"') < ci.index('-c "$second"')
    assert "pytest" not in ci.replace("README", "")  # no test command of its own


@pytest.mark.parametrize("body, why", [
    ("## Two commands\n\n```bash\na\n```\n", "exactly two"),
    ("## Two commands\n\n```bash\na\n```\n```bash\nb\n```\n```bash\nc\n```\n", "exactly two"),
    ("## Two commands\n\n```bash\na\nb\n```\n```bash\nc\n```\n", "one-line"),
    ("# nothing here\n", "no section"),
])
def test_the_extractor_refuses_a_readme_that_is_not_two_one_line_commands(body, why):
    with pytest.raises(SystemExit, match=why):
        _extractor().commands(body)


def test_user_runs_default_outside_the_committed_results():
    """`ganbench run` without --results writes to a git-ignored runs/, never under results/."""
    from ganbench.cli import build_parser
    from ganbench.core.records import DEFAULT_RESULTS

    for argv in (["run", "toy/ring8"], ["report"], ["sensitivity"]):
        assert build_parser().parse_args(argv).results == DEFAULT_RESULTS
    assert not Path(DEFAULT_RESULTS).is_absolute() and Path(DEFAULT_RESULTS).parts[0] != "results"
    ignored = (ROOT / ".gitignore").read_text().split()
    assert f"/{DEFAULT_RESULTS}/" in ignored and "run.lock" in ignored


def test_the_committed_results_are_what_git_tracks_not_what_a_run_left_there(committed_results):
    """A record a user's run left in results/ is not part of what the committed-results tests read."""
    from conftest import _tracked_results

    stray = ROOT / "results" / "toy" / "zz-stray__ns__s0.json"
    assert not stray.exists()
    stray.write_text("{}")
    try:
        tracked = _tracked_results()
    finally:
        stray.unlink()
    assert tracked and "results/toy/zz-stray__ns__s0.json" not in tracked
    assert not any(p.endswith("run.lock") for p in tracked)
    copied = {p.relative_to(committed_results.parent).as_posix() for p in committed_results.rglob("*") if p.is_file()}
    assert copied == {p for p in tracked if (ROOT / p).is_file()}
