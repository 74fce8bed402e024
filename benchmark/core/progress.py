"""A progress bar for long one-off computations (reference statistics built on first use).

A first ``ganbench eval`` may spend minutes building reference statistics before it prints
anything; a bar tells the person waiting that it works and how long it will take. The rule is the
project's (:func:`ganbench.engine.trainer.progress_enabled`, :func:`ganbench.core.download.show_progress`):
a tqdm bar on stderr only when stderr is a terminal and ``CI`` is unset, so logs, pipes and CI
output stay clean. The computation sees a plain callable either way, so it needs no branch.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator


def bar_enabled() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress(total: int, desc: str, unit: str = "mol", enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """``advance(n)``: n more of ``total`` done. A tqdm bar when enabled (default: :func:`bar_enabled`),
    otherwise a no-op; the bar is closed (and removed) when the block ends."""
    if not (bar_enabled() if enabled is None else enabled) or total <= 0:
        yield lambda n: None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False, dynamic_ncols=True, file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()
