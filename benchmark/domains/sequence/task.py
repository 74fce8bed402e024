"""The Task base for discrete-sequence domains (text, SMILES): data as id tensors, shared nets.

A subclass provides ``spec``, the vocabulary facts (``vocab_size``, ``max_len``, ``start_id``,
``eos_id``, ``pad_id``, ``forbidden``), ``train_tokens()`` (a LongTensor [N, max_len]) and
``decode``/``load_samples``. This base supplies the rest of the Task contract: random training
batches, the SeqGAN-sized generator and discriminator built from the config keys in
:data:`SEQUENCE_DEFAULTS`, and sampling that remembers the generator it sampled from (so
generator-level metrics such as ``nll_test`` can score it; see :meth:`SequenceTask.generator_for_metrics`).
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from ganbench.core.errors import UserError
from ganbench.core.task import Task
from ganbench.domains.sequence.discriminator import SEQGAN_FILTER_SIZES, SEQGAN_NUM_FILTERS
from ganbench.nets import build_net

# SeqGAN's sizes: generator embedding/hidden 32, CNN discriminator (see discriminator.py),
# batch 64. The Gumbel keys only matter when the relaxation is on (``relaxed`` below).
SEQUENCE_DEFAULTS: dict[str, Any] = {
    "g_arch": "lstm-generator",  # nets by name (ganbench list shows them)
    "d_arch": "cnn-discriminator",
    "batch_size": 64,
    "g_emb_dim": 32,
    "g_hidden_dim": 32,
    "d_emb_dim": 64,
    "d_filter_sizes": list(SEQGAN_FILTER_SIZES),
    "d_num_filters": list(SEQGAN_NUM_FILTERS),
    "d_dropout": 0.25,
    "gumbel": False,  # relaxed one-hot samples so that ns/hinge/wgan-gp/rsgan can train the generator
    "gumbel_beta_max": 100.0,  # RelGAN's maximum inverse temperature
    "gumbel_schedule": "exp",  # RelGAN's 'exp' annealing: beta_n = beta_max ** (n / steps)
    "init_g": "",  # a checkpoint.pt (e.g. of an mle run) whose generator weights start training; may contain {seed}
    # What the adversarial losses (ns, hinge, wgan-gp, ...: objectives that need differentiable
    # samples) train through on a sequence task, by default (see relaxation.py). A task sets its own
    # pre-training length; ``--set gumbel=false`` refuses those losses instead.
    "relaxed": {"gumbel": True, "pretrain_g_steps": 0},
}


class SequenceTask(Task):
    generates_sequences = True  # what MLE, SeqGAN and ORGAN check: token batches and a generator with nll()
    vocab_size: int
    max_len: int
    start_id: int
    eos_id: int | None = None
    pad_id: int | None = None
    forbidden: Sequence[int] = ()

    def __init__(self, data_dir=None):
        super().__init__(data_dir)
        self._last_generator = None
        self._one_hot_batches = False

    # -- data ------------------------------------------------------------------------------
    def train_tokens(self) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def real_batch(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """Token ids [B, T]; one-hot floats [B, T, V] when the models were built with gumbel=true
        (so that real and relaxed fake samples live in one space, e.g. for WGAN-GP interpolates).

        On the generator's device: the training ids are copied there once (:meth:`tokens_on`) and
        each batch is gathered in place, so a step copies nothing from the host."""
        data = self.tokens_on(generator.device)
        rows = torch.randint(len(data), (batch_size,), generator=generator, device=generator.device)
        batch = data[rows]
        if self._one_hot_batches:
            return torch.nn.functional.one_hot(batch, self.vocab_size).float()
        return batch

    def tokens_on(self, device: torch.device) -> torch.Tensor:
        """``train_tokens()`` on ``device``, copied there on first use and kept."""
        cache = self.__dict__.setdefault("_tokens_by_device", {})
        key = str(device)
        if key not in cache:
            cache[key] = self.train_tokens().to(device)
        return cache[key]

    # -- models ----------------------------------------------------------------------------
    def build_models(self, cfg: Mapping[str, Any]):
        G = build_net(cfg.get("g_arch", SEQUENCE_DEFAULTS["g_arch"]), "generator", self, cfg)
        D = build_net(cfg.get("d_arch", SEQUENCE_DEFAULTS["d_arch"]), "discriminator", self, cfg)
        if cfg.get("init_g"):  # "{seed}" in the path becomes the run's seed: one config for every seed
            load_generator_weights(G, str(cfg["init_g"]).replace("{seed}", str(cfg.get("seed", 0))))
        self._one_hot_batches = bool(cfg.get("gumbel", False))
        return G, D

    # -- the relaxation the adversarial objectives train through (relaxation.py) ---------------
    def check_config(self, objective, config: Mapping[str, Any]) -> None:
        from ganbench.domains.sequence.relaxation import check_relaxed

        check_relaxed(self, objective, config)

    def pretrain_step(self, state) -> dict[str, float] | None:
        from ganbench.domains.sequence.relaxation import pretrain_step

        return pretrain_step(state)

    def relaxation(self, config: Mapping[str, Any]) -> dict | None:
        from ganbench.domains.sequence.relaxation import describe

        return describe(self, config)

    # -- sampling --------------------------------------------------------------------------
    def sample(self, generator_net, n: int, rng, temperature: float | None = None):
        self._last_generator = weakref.ref(generator_net)
        return generator_net.sample(n, rng, temperature=temperature)

    # -- artifacts -------------------------------------------------------------------------
    qd_metrics: Sequence[str] = ()  # metrics recorded along the temperature grid
    qd_samples: int = 5000

    def sample_lines(self, decoded) -> list[str]:
        """One line per decoded sample, for the samples file a person reads."""
        return [" ".join(str(int(t)) for t in row) for row in decoded]

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """samples.txt (1,000 samples, one a line) and quality_diversity.json (temperature sweep)."""
        import json

        from ganbench.core.atomic import atomic_write_text
        from ganbench.domains.sequence.quality_diversity import temperature_sweep

        run_dir = Path(run_dir)
        raw = self.sample(G, 1000, torch.Generator().manual_seed(4321))
        atomic_write_text(run_dir / "samples.txt", "\n".join(self.sample_lines(self.decode(raw))) + "\n")
        out = {"samples": f"{run_id}/samples.txt"}
        if self.qd_metrics:
            n = min(self.qd_samples, self.spec.eval_samples)
            sweep = temperature_sweep(self, G, self.qd_metrics, n, seed=4321)
            atomic_write_text(run_dir / "quality_diversity.json", json.dumps(sweep, indent=2) + "\n")
            out["quality_diversity"] = f"{run_id}/quality_diversity.json"
        return out

    def generator_for_metrics(self):
        """The generator of the latest ``sample`` call (None for samples read from a file)."""
        return self._last_generator() if self._last_generator is not None else None


def load_generator_weights(G: torch.nn.Module, path: str | Path) -> None:
    """Initialise ``G`` from a run checkpoint (its "G" entry) or a bare state dict."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"init_g: {path} does not exist; give the checkpoint.pt of a finished run (e.g. an mle run)")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    state = blob.get("G", blob) if isinstance(blob, dict) else None
    if not isinstance(state, dict):
        raise UserError(f"init_g: {path} holds no generator state dict")
    try:
        G.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "shape mismatch"
        raise UserError(f"init_g: {path} does not fit this task's generator ({first}); train it on the same task and sizes") from None
