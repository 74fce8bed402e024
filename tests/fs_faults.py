"""Filesystem faults for tests: a folder that really cannot be written, also when the tests run as root.

``chmod`` does not stop root, so as root the folder is made immutable with ``chattr +i`` (which
stops root too); where neither works the test is skipped rather than passing without the fault.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _writable(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@pytest.fixture
def unwritable_dir(tmp_path):
    """An existing, empty folder in which creating a file fails with an OS error."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        folder.chmod(0o555)
        undo = ["chmod"]
    elif shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        undo = ["chattr"]
    else:
        undo = []
    try:
        if _writable(folder):
            pytest.skip("cannot make an unwritable folder on this machine (root without chattr)")
        yield folder
    finally:
        if "chmod" in undo:
            folder.chmod(0o755)
        if "chattr" in undo:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
