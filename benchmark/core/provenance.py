"""What produced a number: package versions, git commit, plugins, device, precision, platform, time.

``plugins`` lists the origin of every plugin loaded in this process (``"plugin my-gan-plugin
0.1"``, ``"plugin file /path/x.py"``; :func:`ganbench.core.plugins.loaded_origins`), not only of
those the run used: a plugin can change a run without being named by it (a net subclassing a
built-in, a module patched at import), so the record names all the outside code that was present.

The device is provenance, not identity: a run may resume on another machine, so the record says
where it *finished* (device, its model and compute capability, the CUDA/cuDNN versions; see
:func:`ganbench.core.device.device_facts`), in what precision it ran and whether it was
deterministic, and a table can then say when its rows came from different hardware.
"""

from __future__ import annotations

import datetime as _dt
import platform
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from ganbench import __version__


# What "ganbench's own files" are: a change to any of them (tracked and modified, or new and not
# ignored) can change a run's numbers; a change elsewhere in the tree (results/, READMEs) cannot.
CODE_PATHS = ("benchmark", "tasks", "setup.py", "pyproject.toml")


@lru_cache(maxsize=1)
def git_state() -> dict:
    """:func:`code_state` of the checkout this ganbench runs from (once per process)."""
    return code_state(Path(__file__).resolve().parent.parent.parent)


def code_state(root: Path) -> dict:
    """The commit of the checkout at ``root`` and whether ganbench's own files differ from it
    (``git_dirty``: then the code that made a record cannot be recovered from the repository; the
    tables say how many of their runs are such). ``git_dirty_files`` names the first few."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if commit.returncode != 0:
            return {"git_commit": None}
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=normal", "--", *CODE_PATHS],
                                cwd=root, capture_output=True, text=True, timeout=5)
        changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
        out = {"git_commit": commit.stdout.strip(), "git_dirty": bool(changed)}
        if changed:
            out["git_dirty_files"] = changed[:10]
        return out
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None}


def provenance(device=None, amp: str | None = "fp32", deterministic: bool | None = None) -> dict:
    """The provenance block of a record. ``device`` (a name or ``torch.device``; default the CPU, where
    every run ran before devices were a setting), ``amp`` the precision mode, ``deterministic`` whether
    the run repeats bit for bit (default: true on the CPU, else whether deterministic algorithms are on)."""
    import numpy
    import torch

    from ganbench.core.device import check_amp, device_facts, is_deterministic
    from ganbench.core.plugins import loaded_origins

    facts = device_facts(device if device is not None else "cpu")
    return {
        "ganbench": __version__,
        **git_state(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "plugins": loaded_origins(),
        "device": facts["device"],
        "device_name": facts["device_name"],
        "device_capability": facts["device_capability"],
        "device_memory_gb": facts["device_memory_gb"],
        "cuda": facts["cuda"],
        "cudnn": facts["cudnn"],
        "precision": check_amp(amp),
        "deterministic": is_deterministic(facts["device"]) if deterministic is None else bool(deterministic),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
