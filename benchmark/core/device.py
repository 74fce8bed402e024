"""Where a run's tensors live and in what precision: the one place a device name becomes a ``torch.device``.

A run names its device once (``--device auto|cpu|cuda|cuda:N|mps``); :func:`resolve_device`
turns that into a ``torch.device`` with an explicit index (``cuda`` -> ``cuda:0``), because
``torch.device("cuda") != torch.device("cuda:0")`` and every later "is this tensor where it
should be?" check compares devices. A device that does not exist is the user's error, named
with what is available, never a crash an hour into training.

Randomness follows one rule: a ``torch.Generator`` can only fill tensors on its own device, so
:func:`randn`/:func:`rand`/:func:`randint` draw *where the generator lives* and land *where the
computation lives*. A run's generator is made on its device (:func:`seeded_generator`), so a
step draws its noise in place, with no copy; a CPU generator handed to a GPU net (the fixed
noise of a sample grid) still works and gives the same noise on every machine. On the CPU these
are the very calls the code made before devices existed, so CPU numbers stay bit-identical.

Precision: ``amp`` is ``fp32`` (default), ``bf16`` or ``fp16`` (:func:`autocast`; fp16 needs a
gradient scaler, :func:`grad_scaler`, stepped by :func:`optimizer_step`). Gradient penalties
leave autocast (:func:`full_precision`): their double backward is what low precision breaks.
"""

from __future__ import annotations

import contextlib
import os
import platform
from functools import lru_cache
from typing import Iterable, Sequence

import torch

from ganbench.core.errors import UserError

AMP_MODES = ("fp32", "bf16", "fp16")
ACCELERATOR_SAMPLE_BATCH = 10_000  # evaluation samples per generator call off the CPU (one launch, not ten)
_CHOICES = "auto, cpu, cuda, cuda:N or mps"


# -- which device ---------------------------------------------------------------------------------
def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """The devices a run can use here, e.g. ``["cpu", "cuda:0", "cuda:1"]``."""
    out = ["cpu"]
    if torch.cuda.is_available():
        out += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        out.append("mps")
    return out


def _no_cuda_reason() -> str:
    if not torch.backends.cuda.is_built():
        return f"torch {torch.__version__} is built without CUDA"
    return f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU: check the driver and CUDA_VISIBLE_DEVICES"


def resolve_device(spec: str | torch.device | None = "auto") -> torch.device:
    """``auto`` (CUDA if available, then MPS, then CPU), ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` as a
    ``torch.device`` with an explicit index; :class:`UserError` for a device that is not here."""
    if isinstance(spec, torch.device):
        text = str(spec)
    else:
        text = "auto" if spec is None or not str(spec).strip() else str(spec).strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("mps", 0) if _mps_available() else torch.device("cpu")
    try:
        dev = torch.device(text)
    except (RuntimeError, ValueError):
        raise UserError(f"--device {text}: not a device name; use {_CHOICES}") from None
    available = ", ".join(available_devices())
    if dev.type == "cpu":
        return torch.device("cpu")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"--device {text}: no CUDA device here ({_no_cuda_reason()}); available: {available}")
        count = torch.cuda.device_count()
        index = torch.cuda.current_device() if dev.index is None else dev.index
        if index >= count:
            raise UserError(f"--device {text}: only {count} CUDA device(s) visible (cuda:0..cuda:{count - 1}); "
                            f"available: {available}")
        return torch.device("cuda", index)
    if dev.type == "mps":
        if not _mps_available():
            why = "torch is built without MPS" if not torch.backends.mps.is_built() else "MPS is not available on this machine"
            raise UserError(f"--device {text}: no Apple MPS device here ({why}); available: {available}")
        return torch.device("mps", 0)
    raise UserError(f"--device {text}: {dev.type} devices are not supported; use {_CHOICES} (available here: {available})")


def _first_tensor(module: torch.nn.Module, kind: str) -> torch.Tensor | None:
    """The first tensor of ``module._parameters`` / ``._buffers`` depth first, the one
    ``module.parameters()`` / ``.buffers()`` would yield first. Walked by hand because this is asked
    for on every latent draw: ``parameters()`` builds a generator over the whole ``named_modules``
    walk (with its memo set) just to read one tensor, which showed as ~0.5 % of a toy step."""
    for t in getattr(module, kind).values():
        if t is not None:
            return t
    for child in module._modules.values():
        if child is not None and (t := _first_tensor(child, kind)) is not None:
            return t
    return None


def module_device(module) -> torch.device:
    """The device of a module's first parameter (or buffer); CPU for a module with neither, or for
    an object that is no ``nn.Module`` (a user's sampler)."""
    if isinstance(module, torch.nn.Module):
        t = _first_tensor(module, "_parameters")
        if t is None:
            t = _first_tensor(module, "_buffers")
        if t is not None:
            return t.device
    return torch.device("cpu")


def sample_batch(device: torch.device, cpu_batch: int) -> int:
    """Samples per generator call: ``cpu_batch`` on the CPU (the numbers stay those of every earlier
    run), at least :data:`ACCELERATOR_SAMPLE_BATCH` elsewhere, where one large launch is cheaper."""
    return int(cpu_batch) if torch.device(device).type == "cpu" else max(int(cpu_batch), ACCELERATOR_SAMPLE_BATCH)


# -- what a record says about it --------------------------------------------------------------------
@lru_cache(maxsize=1)
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_facts(device: str | torch.device | None = None) -> dict:
    """What a record says about where it ran: device, model, compute capability and the
    torch/CUDA/cuDNN versions (``None`` where they do not apply)."""
    dev = torch.device(device) if device is not None else torch.device("cpu")
    facts = {"device": str(dev), "device_type": dev.type, "device_name": None, "device_capability": None,
             "device_memory_gb": None, "torch": torch.__version__,
             "cuda": torch.version.cuda if dev.type == "cuda" else None,
             "cudnn": torch.backends.cudnn.version() if dev.type == "cuda" else None}
    if dev.type == "cpu":
        facts["device_name"] = _cpu_model()
    elif dev.type == "cuda" and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(dev)
        facts.update(device_name=props.name, device_capability=f"{props.major}.{props.minor}",
                     device_memory_gb=round(props.total_memory / 2**30, 1))
    elif dev.type == "mps":
        facts["device_name"] = f"Apple MPS ({platform.machine()}, macOS {platform.mac_ver()[0] or '?'})"
    return facts


# -- randomness -----------------------------------------------------------------------------------
def seeded_generator(device: str | torch.device, seed: int) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed``. On the CPU it is the generator every
    earlier run used; a CUDA/MPS generator draws in place (another stream than the CPU's, so runs
    on different devices differ, as their floating point does anyway). The meta device (tests) has
    no generator and needs none: a CPU one stands in."""
    dev = torch.device(device)
    if dev.type in ("cpu", "meta"):
        return torch.Generator().manual_seed(int(seed))
    return torch.Generator(device=dev).manual_seed(int(seed))


def same_device(a: str | torch.device, b: str | torch.device) -> bool:
    """``cuda`` and ``cuda:0`` (or ``mps`` and ``mps:0``) are one device; ``==`` on ``torch.device`` says no."""
    if a == b:  # the common case (a run's generator and its nets), without building devices per draw
        return True
    a, b = torch.device(a), torch.device(b)
    return a.type == b.type and (a.index or 0) == (b.index or 0)


def _draw(fn, args: tuple, generator: torch.Generator, device, **kwargs) -> torch.Tensor:
    device = device if isinstance(device, torch.device) else torch.device(device)
    if device.type == "meta" or same_device(generator.device, device):  # meta tensors hold no values
        return fn(*args, generator=generator, device=device, **kwargs)
    return fn(*args, generator=generator, device=generator.device, **kwargs).to(device)


def randn(size: Sequence[int], *, generator: torch.Generator, device, dtype: torch.dtype | None = None) -> torch.Tensor:
    """``torch.randn(size)`` drawn by ``generator`` (on its device), returned on ``device``."""
    return _draw(torch.randn, (tuple(size),), generator, device, dtype=dtype)


def rand(size: Sequence[int], *, generator: torch.Generator, device, dtype: torch.dtype | None = None) -> torch.Tensor:
    """``torch.rand(size)`` drawn by ``generator`` (on its device), returned on ``device``."""
    return _draw(torch.rand, (tuple(size),), generator, device, dtype=dtype)


def randint(high: int, size: Sequence[int], *, generator: torch.Generator, device) -> torch.Tensor:
    """``torch.randint(high, size)`` drawn by ``generator`` (on its device), returned on ``device``."""
    return _draw(torch.randint, (int(high), tuple(size)), generator, device)


# -- precision ------------------------------------------------------------------------------------
def check_amp(amp: str | None) -> str:
    """The precision mode, validated: ``fp32`` (default), ``bf16`` or ``fp16``."""
    mode = "fp32" if amp in (None, "", "fp32", "none", False) else str(amp).lower()
    if mode not in AMP_MODES:
        raise UserError(f"amp={amp}: not a precision mode; use fp32, bf16 or fp16 (--set amp=bf16)")
    return mode


def autocast(device: str | torch.device, amp: str | None = "fp32"):
    """The forward-pass context of ``amp`` on ``device``: nothing for fp32, ``torch.autocast`` otherwise."""
    mode = check_amp(amp)
    dev = torch.device(device)
    if mode == "fp32" or dev.type == "meta":
        return contextlib.nullcontext()
    return torch.autocast(device_type=dev.type, dtype=torch.bfloat16 if mode == "bf16" else torch.float16)


def full_precision(device: str | torch.device):
    """Leave autocast for what needs fp32 (gradient penalties); nothing to do where it is off."""
    dev = torch.device(device)
    if dev.type == "meta" or not torch.is_autocast_enabled(dev.type):
        return contextlib.nullcontext()
    return torch.autocast(device_type=dev.type, enabled=False)


def grad_scaler(device: str | torch.device, amp: str | None):
    """A ``torch.amp.GradScaler`` for fp16 (gradients would underflow without it); None otherwise."""
    if check_amp(amp) != "fp16":
        return None
    return torch.amp.GradScaler(torch.device(device).type)


def optimizer_step(opt: torch.optim.Optimizer, loss: torch.Tensor, params: Iterable[torch.nn.Parameter],
                   clip: float | None = None, scaler=None) -> tuple[float, bool]:
    """zero_grad, backward, (clip), step, through ``scaler`` when there is one.

    Returns (gradient norm before clipping, whether the step was applied). Without a scaler the
    step is always applied. With one, a non-finite gradient is normal while the scale settles: the
    scaler skips that step and lowers its scale, and the caller must not read the inf as divergence.
    """
    opt.zero_grad(set_to_none=True)
    (scaler.scale(loss) if scaler is not None else loss).backward()
    params = [p for p in params if p.grad is not None]
    if scaler is not None:
        scaler.unscale_(opt)
    if clip:
        norm = torch.nn.utils.clip_grad_norm_(params, clip)
    elif params:
        norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm([p.grad for p in params])))  # one dispatch
    else:
        norm = torch.zeros((), device=loss.device)
    if scaler is None:
        opt.step()
        return float(norm), True
    before = scaler.get_scale()
    scaler.step(opt)
    scaler.update()
    return float(norm), scaler.get_scale() >= before


# -- reproducibility ------------------------------------------------------------------------------
CUBLAS_WORKSPACE = ":4096:8"  # what PyTorch's reproducibility notes ask for deterministic cuBLAS


def set_deterministic(flag: bool) -> None:
    """Turn PyTorch's deterministic algorithms on or off (process-wide).

    On: ``torch.use_deterministic_algorithms(True)``, cuDNN's deterministic kernels without
    autotuning, and ``CUBLAS_WORKSPACE_CONFIG`` (set before the first cuBLAS call; a value the user
    already set is kept). An op with no deterministic kernel then raises instead of varying.
    """
    if flag:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
        torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = bool(flag)
    torch.use_deterministic_algorithms(bool(flag))


def is_deterministic(device: str | torch.device) -> bool:
    """Whether a run on ``device`` repeats bit for bit: always on the CPU (its kernels are
    deterministic at a fixed thread count), on an accelerator only with :func:`set_deterministic`."""
    return torch.device(device).type == "cpu" or torch.are_deterministic_algorithms_enabled()


__all__ = ["AMP_MODES", "autocast", "available_devices", "check_amp", "device_facts", "full_precision",
           "grad_scaler", "is_deterministic", "module_device", "optimizer_step", "rand", "randint", "randn",
           "resolve_device", "same_device", "sample_batch", "seeded_generator", "set_deterministic"]
