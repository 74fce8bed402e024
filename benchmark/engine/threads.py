"""A run's thread count: part of its identity, applied by the process that runs it.

Floating-point sums split over more threads are added in another order, so the intra-op thread
count of torch (and of the BLAS/OpenMP pools numpy and scipy use in metrics) changes a run's
numbers in the last bits, and after a few hundred steps of a GAN in the first ones. It is
therefore the config key ``threads`` (default 1, :data:`ganbench.core.config.BASE_DEFAULTS`), in
the config hash like any hyper-parameter, and the trainer calls :func:`apply_threads` before it
builds the nets — on a fresh start and on resume alike — so the final evaluation, which runs in
the same process right after training, sees the same count. How a run is launched (``ganbench
run``, a sweep of any size, ``--workers``, Ray) decides only how many runs go side by side, never
a run's threads.

Inter-op threads are not set: they run independent operators side by side (TorchScript,
``torch.jit.fork``), each computing what it would compute alone, so they cannot change a value;
and torch allows setting them once per process, before any parallel work, which a pool worker
that runs several runs cannot promise.
"""

from __future__ import annotations

import os

from ganbench.core.errors import UserError

ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def run_threads(cfg) -> int:
    """The thread count a resolved config asks for (1 for a config from before the key existed,
    which is what every committed record ran with: their provenance says ``torch_threads: 1``)."""
    threads = cfg.get("threads", 1)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise UserError(f"threads={threads!r}: the thread count of a run must be a whole number >= 1, e.g. --set threads=1")
    return threads


def apply_threads(threads: int) -> None:
    """Make this process compute with ``threads`` threads: torch's intra-op pool, the BLAS and
    OpenMP pools already loaded (through threadpoolctl where it is installed; it comes with
    scikit-learn), and, through the environment, libraries loaded later and subprocesses. The
    setting outlives the run: a program that calls ``ganbench.run`` keeps the run's count after."""
    threads = run_threads({"threads": threads})
    for var in ENV_VARS:
        os.environ[var] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # numpy's BLAS keeps its own count; torch's pool below is what training uses
        pass
    else:
        threadpool_limits(limits=threads)
    import torch

    torch.set_num_threads(threads)
