"""What the CLI tests share: calling ``ganbench`` in this process or in a child, and the check
that an error is one line (``ganbench: error: ...``, exit 2) naming the problem."""

from __future__ import annotations

import os
import subprocess
import sys

NETS = ["--set", "g_hidden=8", "--set", "g_layers=1", "--set", "d_hidden=8", "--set", "d_layers=1"]  # tiny toy nets
SMALL = {"g_hidden": 8, "g_layers": 1, "d_hidden": 8, "d_layers": 1}  # the same, for the API
QUIET = ["--no-table", "--no-progress"]


def run_cli(capsys, *args):
    """(exit code, stdout, stderr) of ``ganbench ARGS`` run in this process."""
    from ganbench.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, needle):
    assert code == 2, err
    assert err.startswith("ganbench: error:") and err.count("\n") == 1, err
    assert needle in err, err


def ganbench_child(args, env_extra, cwd, timeout=120):
    """``ganbench ARGS`` in a fresh process (no GANBENCH_PLUGINS of ours, one thread)."""
    env = {k: v for k, v in os.environ.items() if k != "GANBENCH_PLUGINS"}
    env.update({"OMP_NUM_THREADS": "1", **env_extra})
    return subprocess.run([sys.executable, "-m", "ganbench.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def objective_plugin(path, name: str, prelude: str) -> str:
    """A plugin file at ``path`` that runs ``prelude`` when imported and registers a hinge objective ``name``."""
    path.write_text(f"{prelude}\nfrom ganbench.objectives.adversarial import Hinge\n\n\n"
                    f"class Plugin(Hinge):\n    name = {name!r}\n")
    return str(path)
