"""Where a sweep's runs execute: a local process pool, or Ray tasks on an existing cluster.

Both hand each :class:`~ganbench.engine.runner.RunRequest` to :func:`run_one` in a separate
process. An executor decides only how many runs go side by side, never how a run computes: a
run's thread count is part of its config (``threads``, default 1) and the trainer applies it
(:mod:`ganbench.engine.threads`), so a run gives the same numbers alone, in a sweep of any size and
after a resume in a pool of another size. The local executor runs ``cores // threads`` runs at a
time unless ``--workers`` says otherwise; Ray reserves ``threads`` CPUs per run and one GPU where
the cluster has GPUs. Neither schedules anything itself: the local executor is
``concurrent.futures.ProcessPoolExecutor``, the Ray executor is ``ray.remote`` (Ray places and
retries the tasks).

Interruptions lose nothing that finished: every run writes its own record atomically when it ends.
Ctrl-C (or SIGTERM) stops the workers and leaves no half-written record; a worker that dies (killed,
out of memory, a crash in native code) breaks the pool, and the runs go on in a fresh one (those in
flight resume from their checkpoints). A run in flight at a second break is retried alone, and if
it kills that worker too it is recorded as ``failed`` with the reason. Re-running the same sweep
finishes only what is missing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from ganbench.core.errors import DataNotFoundError, UserError

EXECUTORS = ("local", "ray")
WORKER_DIED = ("WorkerDied: the process running this run died every time, also when retried alone "
               "(killed, out of memory, or a crash in native code)")


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


THREADS_GONE = ("--threads is no longer a launch option: a run's thread count changes its numbers, so it is part "
                "of the run's config (key threads, default 1); set it in the sweep file (set: {threads: N}; a "
                "different run than threads=1, so give it a tag) and use --workers for how many runs go side by side")


def threads_of(req) -> int:
    """The thread count ``req``'s resolved config gives its run (what the trainer will apply)."""
    from ganbench.engine.runner import prepare
    from ganbench.engine.threads import run_threads

    if getattr(req, "device", None) is not None:  # the device is the worker's to check (a Ray driver may have no GPU)
        req = replace(req, device="cpu")
    return run_threads(prepare(req)[2])


def run_one(req, index: int | None = None) -> dict:
    """Execute one run in this process; return a short summary (the record is on disk)."""
    if index is not None and _STARTED is not None:
        _STARTED.put(index)
    from ganbench.engine.runner import execute

    try:
        outcome = execute(req)
    except DataNotFoundError as exc:  # a suite goes on without the task (``ganbench run --suite``)
        return {**_summary_error(req, f"UserError: {exc}"), "missing_data": str(exc)}
    except UserError as exc:  # e.g. a record written under another config since the sweep was planned
        return _summary_error(req, f"UserError: {exc}")
    except Exception as exc:  # the runner records training errors itself; this is e.g. a full disk
        return _summary_error(req, f"{exc.__class__.__name__}: {exc}")
    return summarize(outcome.record, outcome.action, str(outcome.record_path))


def summarize(rec: dict, action: str, path: str | None = None) -> dict:
    main = rec["task"].get("main_metric")
    value = rec.get("metrics", {}).get(main, {}).get("value") if main else None
    return {"run_id": rec["run_id"], "action": action, "status": rec["status"], "wall_time_s": rec.get("wall_time_s"),
            "metric": main, "value": value, "error": rec.get("error"), "diverged": rec.get("diverged"),
            "record_path": path}


def _summary_error(req, error: str) -> dict:
    from ganbench.core.records import run_id

    return {"run_id": run_id(req.task, req.objective, req.seed, req.tag), "action": "error", "status": "error",
            "wall_time_s": None, "metric": None, "value": None, "error": error, "diverged": None, "record_path": None}


# --- local process pool ----------------------------------------------------------------------------
_STARTED = None  # in a pool worker: queue the parent reads to know which runs were in flight


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


# --- GPUs: one run per GPU ------------------------------------------------------------------------
def gpu_assignment(workers: int, gpus: Sequence[str]) -> tuple[int, list[str]]:
    """How many workers a pool over ``gpus`` (the ids a worker's ``CUDA_VISIBLE_DEVICES`` may take)
    runs, and the id each worker gets: at most one worker per GPU, so no two runs ever share one.
    No GPUs: the workers as asked and no pinning."""
    workers = max(1, int(workers))
    if not gpus:
        return workers, []
    workers = min(workers, len(gpus))
    return workers, [str(g) for g in gpus[:workers]]


def wants_cuda(device: str | None) -> bool:
    """Whether a run on ``device`` trains on a CUDA GPU here (``auto`` does where one is visible)."""
    import torch

    text = str(device or "auto").strip().lower()
    return text.startswith("cuda") or (text == "auto" and torch.cuda.is_available())


def visible_gpus(device: str | None) -> list[str]:
    """The GPU ids (as ``CUDA_VISIBLE_DEVICES`` names them) a local sweep on ``device`` spreads over:
    every visible GPU for ``cuda``/``auto``, the one named for ``cuda:N``, none otherwise. Counted
    without creating a CUDA context here (the workers fork from a clean forkserver anyway)."""
    if not wants_cuda(device):
        return []
    from ganbench.core.device import resolve_device

    dev = resolve_device(device)  # a GPU that is not here: the user's error, before any worker starts
    import torch

    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = [g.strip() for g in env.split(",") if g.strip()] if env else [str(i) for i in range(torch.cuda.device_count())]
    ids = ids[:torch.cuda.device_count()]
    explicit = ":" in str(device)
    return [ids[dev.index]] if explicit else ids


def _pin_gpu(gpus) -> None:
    """In a pool worker, before torch touches CUDA: see only the next free GPU of the pool, as cuda:0."""
    if gpus is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus.get()


def _init_worker(started, sweep_pid: int, gpus=None) -> None:
    global _STARTED
    _pin_gpu(gpus)
    _STARTED = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers

    def watch() -> None:  # the sweep was killed (SIGKILL, lost session): do not run on as an orphan
        while True:
            time.sleep(1.0)
            if not _alive(sweep_pid):
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="ganbench-parent-watch").start()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        if p.is_alive():
            p.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.join(timeout=5)


def _context():
    """``forkserver`` where the OS has it: one clean server process imports torch and the runner once,
    and every worker (of this pool and of any pool rebuilt after a crash) forks from it, with no
    OpenMP threads or torch state inherited from this process; ``spawn`` elsewhere."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["torch", "ganbench.engine.runner", "ganbench.engine.executors"])
        return ctx
    return mp.get_context("spawn")


def _pool_round(reqs: Sequence, workers: int, on_done: Callable[[dict], None], gpus: Sequence[str] = ()):
    """Run ``reqs`` in one pool; returns (summaries, requests never started, requests in flight when it broke).
    With ``gpus``, worker i sees only GPU ``gpus[i]`` (``workers`` is at most their number)."""
    ctx = _context()
    started = ctx.SimpleQueue()
    free = None
    if gpus:
        free = ctx.SimpleQueue()
        for g in list(gpus)[:workers]:
            free.put(g)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(started, os.getpid(), free))
    finished: dict[int, dict] = {}
    broken = False
    try:  # from here on, any interruption (Ctrl-C, SIGTERM) stops the workers before it propagates
        futures = {pool.submit(run_one, req, i): i for i, req in enumerate(reqs)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                summary = fut.result()
            except BrokenProcessPool:
                broken = True
                continue
            except Exception as exc:  # could not even send the request to a worker
                summary = _summary_error(reqs[i], f"{exc.__class__.__name__}: {exc}")
            finished[i] = summary
            on_done(summary)
        pool.shutdown(wait=True)
    except BaseException:
        _stop_pool(pool)
        raise
    if not broken:
        return list(finished.values()), [], []
    seen = set()
    while not started.empty():
        seen.add(started.get())
    inflight = [reqs[i] for i in sorted(seen - set(finished))]
    unstarted = [reqs[i] for i in range(len(reqs)) if i not in seen and i not in finished]
    return list(finished.values()), unstarted, inflight


def run_local(requests: Sequence, workers: int | None = None,
              on_done: Callable[[dict], None] = lambda s: None) -> list[dict]:
    """Run ``requests`` on a process pool; survive dead workers (see the module docstring).

    ``workers`` defaults to the cores here divided by the largest thread count among the runs,
    so the runs share the cores instead of fighting over them; it changes no run's numbers."""
    if not workers:
        workers = available_cpus() // max((threads_of(r) for r in requests), default=1)
    workers = max(1, min(int(workers), len(requests) or 1))
    gpus = sorted({g for r in requests for g in visible_gpus(getattr(r, "device", "auto"))}, key=str)
    workers, gpus = gpu_assignment(workers, gpus)
    if gpus:  # each worker sees one GPU, as cuda:0
        requests = [replace(r, device="cuda") if wants_cuda(getattr(r, "device", "auto")) else r for r in requests]
    pin = {"gpus": gpus} if gpus else {}
    summaries: list[dict] = []
    breaks: dict[int, int] = {}  # id(request) -> pool breaks it was in flight for
    pending, alone = list(requests), []
    while pending or alone:
        if alone:  # in flight at two breaks: run it alone, so a run that kills its worker is found
            req = alone.pop(0)
            done, _, again = _pool_round([req], 1, on_done, **pin)
            summaries += done
            if again:
                summary = record_crash(req, WORKER_DIED)
                summaries.append(summary)
                on_done(summary)
            continue
        done, unstarted, inflight = _pool_round(pending, workers, on_done, **pin)
        summaries += done
        for req in inflight:
            breaks[id(req)] = breaks.get(id(req), 0) + 1
        retry = [r for r in inflight if breaks[id(r)] == 1]
        alone += [r for r in inflight if breaks[id(r)] > 1]
        pending = retry + unstarted
        if inflight or unstarted:
            print(f"a worker process died; {len(inflight)} run(s) in flight are retried "
                  f"({len(alone)} alone), {len(unstarted)} more go on in a fresh pool", file=sys.stderr, flush=True)
    return summaries


def _crash_device(req):
    """The device the dead run was configured for (its record must not claim the CPU for a GPU run);
    the name as given when this process cannot resolve it (e.g. a GPU that is gone)."""
    from ganbench.core.device import resolve_device

    try:
        return resolve_device(getattr(req, "device", "auto"))
    except Exception:  # noqa: BLE001 - a crash record is written whatever the device's state
        return None


def record_crash(req, error: str) -> dict:
    """Write the failed record of a run whose process died (the runner could not write one).

    The record is the runner's own (one builder, :func:`~ganbench.core.records.new_record`); an
    existing failure of the same run is set aside as the runner would, and a good record, or
    one under another config, is never replaced."""
    from ganbench.core.records import finish_record, set_aside_failure, write_record
    from ganbench.engine.runlock import RunInProgress, RunLock
    from ganbench.engine.runner import resolve

    run = resolve(req)
    try:
        with RunLock(run.run_dir, run.run_id):  # never beside a process that is running it now
            found = run.existing()
            if found.state in ("unreadable", "conflict"):
                return _summary_error(req, error)
            if found.state == "done":
                return summarize(found.record, "skipped", str(run.record_path))
            if found.state == "retry":
                set_aside_failure(run.record_path, found.record)
            log = Path(req.results) / run.run_id / "log.csv"
            record = run.new_record(req, error=error, completed=None,
                                    artifacts={"log": f"{run.run_id}/log.csv"} if log.exists() else {})
            write_record(run.record_path, finish_record(record, time.time(), device=_crash_device(req),
                                                        amp=run.cfg.get("amp", "fp32")))
    except RunInProgress as exc:
        return _summary_error(req, f"{error}; not recorded: {exc}")
    return summarize(record, "crashed", str(run.record_path))


# --- Ray ---------------------------------------------------------------------------------------
def _ray_task(req, env: dict) -> dict:
    os.environ.update(env)
    return run_one(req)


def connect_ray(address: str | None):
    """The ``ray`` module, connected to the cluster at ``address`` / $RAY_ADDRESS (or already connected)."""
    try:
        import ray
    except ImportError:
        raise UserError("--executor ray needs Ray: pip install 'ganbench[ray]' (or use --executor local)") from None
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS")
    if not address:
        raise UserError("--executor ray runs on an existing Ray cluster: pass --address HOST:PORT (or 'auto'), "
                        "or set RAY_ADDRESS; start one with `ray start --head`")
    try:
        ray.init(address=address, log_to_driver=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise UserError(f"cannot connect to the Ray cluster at {address!r} ({exc.__class__.__name__}): "
                        f"check --address / RAY_ADDRESS, or start one with `ray start --head`") from None
    return ray


def run_ray(requests: Sequence, address: str | None = None, workers: int | None = None,
            on_done: Callable[[dict], None] = lambda s: None) -> list[dict]:
    """Each run as a Ray task reserving its ``threads`` CPUs; records land in the request's results
    folder (shared storage on a cluster)."""
    ray = connect_ray(address)
    gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
    env = {k: v for k, v in os.environ.items() if k.startswith("GANBENCH_")}
    remote = ray.remote(_ray_task)
    queue = [replace(r, results=Path(r.results).resolve(),
                     data_dir=str(Path(r.data_dir).resolve()) if r.data_dir else None) for r in requests]
    window = int(workers) if workers else len(queue)  # Ray queues the rest by resources; --workers caps it
    inflight: dict = {}
    summaries: list[dict] = []
    try:
        while queue or inflight:
            while queue and len(inflight) < window:
                req = queue.pop(0)
                gpu = 1 if gpus and str(req.device or "auto").lower().startswith(("auto", "cuda")) else 0
                cpus = threads_of(req)
                if gpu:  # Ray makes the GPU it assigned the task's only visible one: cuda:0 there
                    req = replace(req, device="cuda")
                task = remote.options(num_cpus=cpus, num_gpus=gpu, max_retries=2, retry_exceptions=False)
                inflight[task.remote(req, env)] = req
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                req = inflight.pop(ref)
                try:
                    summary = ray.get(ref)
                except ray.exceptions.RayError as exc:  # worker or node lost after Ray's retries
                    summary = record_crash(req, f"{exc.__class__.__name__}: the Ray worker running this run was lost")
                summaries.append(summary)
                on_done(summary)
    except BaseException:
        for ref in inflight:
            ray.cancel(ref, force=True)
        raise
    return summaries


def run_requests(requests: Sequence, executor: str = "local", workers: int | None = None, threads: int | None = None,
                 address: str | None = None, on_done: Callable[[dict], None] = lambda s: None) -> list[dict]:
    """Run ``requests`` on ``executor``. ``threads`` is what ``--threads`` used to set and is refused
    (:data:`THREADS_GONE`): a run's threads come from its config."""
    if threads is not None:
        raise UserError(THREADS_GONE)
    if executor not in EXECUTORS:
        raise UserError(f"unknown executor {executor!r}: choose {' or '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    if not requests:
        return []
    if executor == "ray":
        return run_ray(requests, address, workers, on_done)
    return run_local(requests, workers, on_done)


# --- progress ------------------------------------------------------------------------------------
def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


class Progress:
    """One line per finished run (with the ETA of the rest), and a bar on a terminal.

    The bar is off when stderr is not a TTY or ``CI`` is set; the lines always go to stdout.
    """

    def __init__(self, total: int, enabled: bool | None = None, out=None):
        from ganbench.engine.trainer import progress_enabled

        self.total, self.done, self.start = total, 0, time.monotonic()
        self.out = out or sys.stdout
        self.bar = None
        if total and progress_enabled(enabled):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="sweep", unit="run", dynamic_ncols=True, file=sys.stderr)

    def eta(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None
        return (time.monotonic() - self.start) / self.done * (self.total - self.done)

    def line(self, s: dict) -> str:
        if s["status"] == "ok" and s.get("value") is not None:
            extra = f"{s['metric']}={s['value']:.4g}" if isinstance(s["value"], (int, float)) else f"{s['metric']}={s['value']}"
        elif s["status"] == "diverged":
            extra = f"diverged at step {(s.get('diverged') or {}).get('step')}"
        else:
            extra = s.get("error") or ""
        wall = s.get("wall_time_s")
        parts = [s["action"], s["status"]] + ([f"{wall:.1f}s"] if isinstance(wall, (int, float)) else []) + ([extra] if extra else [])
        eta = self.eta()
        tail = f" (eta {_duration(eta)})" if eta is not None else ""
        return f"[{self.done}/{self.total}] {s['run_id']}: {', '.join(parts)}{tail}"

    def __call__(self, summary: dict) -> None:
        self.done += 1
        text = self.line(summary)
        if self.bar is not None:
            self.bar.write(text, file=self.out)
            self.bar.update(1)
        else:
            print(text, file=self.out, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
