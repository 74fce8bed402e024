"""Times ganbench's trainer against a hand-written loop, and its Inception features against torch-fidelity's.

Run: ``python tests/perf/bench_trainer.py [--device cpu|cuda|mps|auto] [--task toy/ring8] [--steps 2000]
[--repeats 3] [--images 256] [--batch 64]``. Prints, measured in the same run and on the same device:

* **trainer**: steps/s of ``ganbench.engine.trainer.train`` (objective ``ns``, the task's default
  nets and batch, its step log and final checkpoint included) and of the loop a researcher writes
  by hand with the very same nets, batches, noise, losses and Adam settings; their ratio (goal:
  >= 1.0 on the CPU, >= 0.95 on CUDA). Best of ``--repeats``, the loops alternating. The trainer
  steps Adam in PyTorch's multi-tensor form (``foreach=True``, bit-identical weights), which
  PyTorch's default picks on CUDA but not on the CPU; the hand loop is timed both ways, so the
  second ratio is the trainer's own overhead (step log, gradient norms, finiteness checks) at
  equal optimizer code.
* **Inception**: images/s of ganbench's ``inception-v3`` extractor (uint8 N×H×W×C host arrays in,
  host features out) and of ``torch_fidelity``'s ``FeatureExtractorInceptionV3`` fed as
  torch-fidelity feeds it (N×C×H×W uint8 batches, pinned and copied without blocking on CUDA,
  ``torch.no_grad``); their ratio (goal >= 1.0) and the largest feature difference (they must be
  equal). Both load the same weights: the real file when one is on disk (no download), else one
  random state dict (the timing and the equality do not depend on the weights' values).
"""

from __future__ import annotations

import argparse
import inspect
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganbench.core.config import resolve
from ganbench.core.device import module_device, resolve_device, seeded_generator
from ganbench.engine.trainer import seed_everything, train
from ganbench.objectives import build_objective
from ganbench.tasks import TASKS


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# --- trainer -------------------------------------------------------------------------------------
def hand_loop(task, cfg: dict, seed: int, device: torch.device, foreach: bool | None = None) -> float:
    """The non-saturating GAN loop as one writes it by hand: same nets, batches, noise and Adam; seconds.
    ``foreach=None`` is PyTorch's default Adam (multi-tensor on CUDA, per-parameter on the CPU)."""
    seed_everything(seed)
    G, D = task.build_models({**cfg, "seed": seed})
    G, D = G.to(device), D.to(device)
    betas = (float(cfg["beta1"]), float(cfg["beta2"]))
    opt_g = torch.optim.Adam(G.parameters(), lr=float(cfg["lr_g"]), betas=betas, foreach=foreach)
    opt_d = torch.optim.Adam(D.parameters(), lr=float(cfg["lr_d"]), betas=betas, foreach=foreach)
    rng = seeded_generator(device, seed)
    bs, zdim = int(cfg["batch_size"]), int(cfg["latent_dim"])
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(int(cfg["steps"])):
        real = task.real_batch(bs, rng)
        with torch.no_grad():
            fake = G(torch.randn(bs, zdim, generator=rng, device=device))
        loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        fake = G(torch.randn(bs, zdim, generator=rng, device=device))
        loss_g = F.softplus(-D(fake)).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    _sync(device)
    return time.perf_counter() - t0


def trainer_run(task, objective, cfg: dict, seed: int, device: torch.device) -> float:
    """``train`` for ``cfg["steps"]`` steps in a fresh folder; seconds (setup, log and checkpoint included)."""
    kwargs = {"device": device} if "device" in inspect.signature(train).parameters else {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = train(task, objective, cfg, seed, Path(tmp) / "run", progress=False, **kwargs)
        _sync(device)
        seconds = time.perf_counter() - t0
    if result.status != "ok":
        raise SystemExit(f"the trainer's run ended {result.status}: {result.diverged}")
    if not kwargs and module_device(result.G).type != device.type:
        raise SystemExit(f"train() has no device= yet and ran on {module_device(result.G)}: no {device} comparison")
    return seconds


def bench_trainer(task_name: str, steps: int, repeats: int, device: torch.device) -> None:
    task = TASKS.get(task_name)()
    objective = build_objective("ns")
    cfg = resolve(task.spec, objective, {"checkpoint_every": steps}, steps=steps)
    task.real_batch(2, seeded_generator(device, 0))  # data loaded (and moved) before any clock starts
    short = {**cfg, "steps": 3, "checkpoint_every": 3}
    trainer_run(task, objective, short, 0, device), hand_loop(task, short, 0, device)  # warm-up: imports, kernels
    loops = {"hand": lambda: hand_loop(task, cfg, 0, device),
             "hand_foreach": lambda: hand_loop(task, cfg, 0, device, foreach=True),
             "trainer": lambda: trainer_run(task, objective, cfg, 0, device)}
    times = {k: [] for k in loops}
    order = list(loops)
    for i in range(repeats):  # the order rotates: no loop always runs on a warmer (or busier) machine
        for k in order[i % len(order):] + order[:i % len(order)]:
            times[k].append(loops[k]())
    print(f"trainer vs hand-written loop: {task_name}, objective ns, batch {cfg['batch_size']}, {steps} steps, "
          f"device {device}, best of {repeats}")
    best = {k: steps / min(t) for k, t in times.items()}
    for k, label in (("hand", "hand-written loop, default Adam"), ("hand_foreach", "hand-written loop, foreach Adam"),
                     ("trainer", "ganbench trainer")):
        print(f"  {label:32s}: {best[k]:10.1f} steps/s (slowest {steps / max(times[k]):.1f})")
    for k, label in (("hand", "trainer/hand (the goal's ratio)"), ("hand_foreach", "trainer/hand at equal Adam")):
        paired = sorted(h / t for h, t in zip(times[k], times["trainer"]))  # each back-to-back round's ratio
        print(f"  ratio {label:32s}: {best['trainer'] / best[k]:.3f}x best of each; rounds: median "
              f"{paired[len(paired) // 2]:.3f}x, range {paired[0]:.3f}-{paired[-1]:.3f}x")


# --- Inception -----------------------------------------------------------------------------------
def _weights() -> tuple[dict | None, str]:
    from ganbench.core.data import DataLocator
    from ganbench.core.errors import DataNotFoundError
    from ganbench.domains.image.features.inception import WEIGHTS_FILE, default_weights_path

    path = default_weights_path()
    if path is None:  # also the data folders / cache, without downloading
        path = next((r / "inception-v3" / WEIGHTS_FILE for r in DataLocator().roots
                     if (r / "inception-v3" / WEIGHTS_FILE).is_file()), None)
    if path is None or not path.is_file():
        return None, "random (no weights file on disk; the timing and the equality do not depend on them)"
    try:
        return torch.load(path, map_location="cpu", weights_only=True), f"{path.name}"
    except (OSError, RuntimeError, DataNotFoundError) as exc:
        return None, f"random ({path} unreadable: {exc.__class__.__name__})"


def bench_inception(n_images: int, batch: int, repeats: int, device: torch.device) -> None:
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    from ganbench.domains.image.features.inception import InceptionV3

    state, source = _weights()
    ours = InceptionV3(random_weights=True, device=device)
    if state is None:
        state = {k: v.detach().cpu() for k, v in ours.net.state_dict().items()}
    ours.net.load_state_dict(state)
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    theirs = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                         feature_extractor_weights_path=buf).to(device)
    images = np.random.default_rng(0).integers(0, 256, (n_images, 32, 32, 3), dtype=np.uint8)
    chw = [torch.from_numpy(images[i:i + batch]).permute(0, 3, 1, 2).contiguous() for i in range(0, n_images, batch)]
    if device.type == "cuda":
        chw = [b.pin_memory() for b in chw]  # torch-fidelity's DataLoader pins (in its workers)

    def run_ours():
        return np.concatenate([ours(images[i:i + batch])[0] for i in range(0, n_images, batch)])

    def run_theirs():
        with torch.no_grad():
            out = [theirs(b.to(device, non_blocking=True))[0].cpu() for b in chw]
        return torch.cat(out).numpy()

    run_ours(), run_theirs()  # warm-up (kernels, allocator)
    t_ours, t_theirs, f_ours, f_theirs = [], [], None, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        f_ours = run_ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        f_theirs = run_theirs()
        t_theirs.append(time.perf_counter() - t0)
    diff = float(np.abs(f_ours - f_theirs).max())
    scale = float(np.abs(f_theirs).max())
    a, b = n_images / min(t_ours), n_images / min(t_theirs)
    print(f"Inception-v3 features: {n_images} images 32x32x3, batch {batch}, device {device}, weights {source}, "
          f"best of {repeats}")
    print(f"  torch-fidelity extractor: {b:10.1f} images/s")
    print(f"  ganbench inception-v3   : {a:10.1f} images/s")
    print(f"  ratio ganbench/torch-fidelity: {a / b:.3f}x; max |feature difference| {diff:.2e} (of max |feature| {scale:.3g})")
    if not scale > 0 or diff > 1e-4 * scale:
        raise SystemExit("the two extractors' features differ: the comparison is void")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, mps or auto")
    p.add_argument("--task", default="toy/ring8", help="a point or image task (objective ns, its default nets)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--images", type=int, default=256, help="images for the Inception throughput (0 skips it)")
    p.add_argument("--batch", type=int, default=64, help="images per Inception call")
    a = p.parse_args(argv)
    device = resolve_device(a.device)
    torch.manual_seed(0)
    bench_trainer(a.task, a.steps, a.repeats, device)
    if a.images:
        bench_inception(a.images, a.batch, a.repeats, device)


if __name__ == "__main__":
    main()
