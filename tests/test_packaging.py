"""The distribution installs `ganbench` (from benchmark/) and `ganbench.tasks` (from tasks/) and no
generic top-level `benchmark` or `tasks` that a user's own folders would shadow or clash with."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_holds_only_the_ganbench_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("ganbench-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"ganbench", next(t for t in tops if t.endswith(".dist-info"))}, tops
    for needed in ("ganbench/__init__.py", "ganbench/api.py", "ganbench/tasks/__init__.py", "ganbench/tasks/toy_ring8.py",
                   "ganbench/domains/toy/__init__.py", "ganbench/reporting/published.yaml",
                   "ganbench/domains/molecule/data/moses_small/train.csv.gz", "ganbench/domains/molecule/data/mcf.csv"):
        assert needed in names, needed
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "ganbench = ganbench.cli:main" in entry_points
