"""A record says whether the code that made it is the commit it names: only ganbench's own files count."""

import subprocess

import pytest

from ganbench.core.provenance import code_state


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path):
    try:
        git(tmp_path, "init", "-q")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "benchmark").mkdir()
    (tmp_path / "benchmark" / "x.py").write_text("A = 1\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "README.md").write_text("numbers\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "c")
    return tmp_path


def test_only_changes_to_ganbench_code_make_a_run_dirty(checkout):
    clean = code_state(checkout)
    assert clean["git_dirty"] is False and len(clean["git_commit"]) == 40
    (checkout / "results" / "README.md").write_text("new numbers\n")  # results and notes change nothing
    (checkout / "results" / "new.json").write_text("{}")
    assert code_state(checkout)["git_dirty"] is False
    (checkout / "benchmark" / "y.py").write_text("B = 2\n")  # a new module of ganbench does
    state = code_state(checkout)
    assert state["git_dirty"] is True and state["git_dirty_files"] == ["benchmark/y.py"]
    (checkout / "benchmark" / "y.py").unlink()
    (checkout / "benchmark" / "x.py").write_text("A = 2\n")  # and so does an edit
    assert code_state(checkout)["git_dirty_files"] == ["benchmark/x.py"]


def test_a_folder_that_is_not_a_checkout_has_no_commit(tmp_path):
    assert code_state(tmp_path) == {"git_commit": None}
    assert code_state(tmp_path / "nowhere") == {"git_commit": None}
