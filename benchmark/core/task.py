"""What a task is: validated, versioned metadata (:class:`TaskSpec`) plus data, nets and decoding.

A task's identity is its spec, a frozen dataclass that rejects unknown fields (mteb's lesson): a
changed protocol becomes a new ``version``, never an edited old one. The :class:`Task` methods are
all a trainer and an evaluator need, so one loop serves every domain:

* ``real_batch(batch_size, generator)`` -> a batch of real training data as the discriminator sees it
* ``build_models(config)`` -> (generator, discriminator) ``nn.Module`` pair
* ``sample(generator_net, n, rng)`` -> raw samples; ``decode(raw)`` -> what metrics and users see
* ``load_samples(path)`` -> decoded samples from a user's file, validated (``ganbench eval``)
* ``data_identity(config)`` -> checksums of the user files a run reads (part of the run's identity)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

from ganbench.core.data import DataLocator
from ganbench.core.errors import UserError

_NAME = re.compile(r"^[a-z0-9]+/[a-z0-9][a-z0-9.\-]*$")


@dataclass(frozen=True)
class TaskSpec:
    """Everything that identifies a task and how it is scored. Unknown fields are a TypeError."""

    name: str  # "domain/dataset[-variant]"
    version: str  # bump when data, protocol or metrics change
    summary: str  # one line for `ganbench list`
    sample_kind: str  # "points" | "images" | "tokens" | "smiles" ...
    metrics: tuple[str, ...]
    main_metric: str
    eval_samples: int  # samples the evaluator draws (the protocol's count)
    data_source: str  # where the data comes from (or "synthetic")
    protocol: str  # the paper / tool whose protocol this follows, with its constants
    budgets: Mapping[str, int] = field(default_factory=lambda: {"quick": 1000, "default": 5000})
    # settings a named budget brings with its step count: a training protocol, not only a length
    # (e.g. {"default": {"lr_decay": "cosine"}}); a run given --steps alone gets none of them
    budget_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # task-specific hyper-parameters
    continuous: bool = True  # samples are differentiable w.r.t. generator parameters
    suites: tuple[str, ...] = ()  # named suites this task belongs to ("quick", ...)
    reference_split: str = "test"  # the split metrics compare against
    smoke: Mapping[str, Any] = field(default_factory=dict)  # overrides for a tiny, fast model (contract tests)
    slow_setup: bool = False  # loading or scoring needs minutes of one-off work (a classifier, big data)

    @property
    def domain(self) -> str:
        return self.name.split("/", 1)[0]

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"task name {self.name!r} must look like 'domain/dataset[-variant]'")
        if not self.version:
            raise ValueError(f"task {self.name}: version must be set")
        if self.main_metric not in self.metrics:
            raise ValueError(f"task {self.name}: main metric {self.main_metric!r} is not among its metrics")
        if self.eval_samples <= 0:
            raise ValueError(f"task {self.name}: eval_samples must be positive")
        if "default" not in self.budgets:
            raise ValueError(f"task {self.name}: budgets must name a 'default' step count")
        unknown = set(self.budget_settings) - set(self.budgets)
        if unknown:
            raise ValueError(f"task {self.name}: budget_settings for unknown budgets {sorted(unknown)}")
        object.__setattr__(self, "metrics", tuple(self.metrics))
        object.__setattr__(self, "suites", tuple(self.suites))


class Task:
    """Base class of every task; subclasses set ``spec`` and implement the data/net/decode hooks."""

    spec: ClassVar[TaskSpec]

    def __init__(self, data_dir: str | Path | None = None):
        self.data = DataLocator(data_dir)

    # -- data ------------------------------------------------------------------------------
    def real_batch(self, batch_size: int, generator):  # pragma: no cover - abstract
        """A batch of real training samples, drawn with the given ``torch.Generator``."""
        raise NotImplementedError

    def reference_samples(self, n: int | None = None):  # pragma: no cover - abstract
        """Decoded real samples of the reference split (for sanity checks and eval baselines)."""
        raise NotImplementedError

    # -- models ----------------------------------------------------------------------------
    def build_models(self, config: Mapping[str, Any]):  # pragma: no cover - abstract
        """(generator, discriminator) for this task, sized by ``config``."""
        raise NotImplementedError

    def sample(self, generator_net, n: int, rng):
        """Raw samples from a trained generator (no gradient). Default: ``generator_net.sample``."""
        return generator_net.sample(n, rng)

    def decode(self, raw):
        """Raw generator output -> what metrics consume. Default: identity."""
        return raw

    def data_identity(self, config: Mapping[str, Any]) -> dict[str, str]:
        """``{name: sha256}`` of every user file a run under ``config`` reads; default none.

        A task whose data a user supplies (a path in the config or the environment) overrides
        this, so that changed data is a new run, never a stale skip: the checksums go into the
        run's config hash (:func:`~ganbench.core.config.config_hash`) and its record (``data``).
        Files a task pins itself (a :class:`~ganbench.core.data.DataFile` with a checksum, synthetic
        data) need nothing here: the task's ``version`` already names them. Missing files are a
        ``UserError`` here, when the run is configured."""
        return {}

    # -- how adversarial objectives train a discrete task -----------------------------------
    def check_config(self, objective, config: Mapping[str, Any]) -> None:
        """Raise ``UserError`` when ``objective`` cannot train this task under ``config``; the
        objectives' own checks come first. A domain with a relaxation checks its settings here."""

    def pretrain_step(self, state) -> dict[str, float] | None:
        """One step of a phase the task runs before an adversarial objective's own updates (the
        sequence tasks' MLE pre-training of a relaxed generator), or None when there is none at
        ``state.step``."""
        return None

    def adversarial_step(self, objective, state) -> dict[str, float] | None:
        """One whole step of an adversarial ``objective`` when this task trains it differently (a
        conditional task pairs each sample with its condition and adds a reconstruction term:
        :mod:`ganbench.domains.conditional`), or None: the objective's own unconditional step."""
        return None

    def relaxation(self, config: Mapping[str, Any]) -> dict | None:
        """What continuous relaxation an adversarial run under ``config`` trains through (the
        record's ``relaxation`` block), or None: samples that are differentiable already."""
        return None

    def save_artifacts(self, G, run_dir: Path, run_id: str) -> dict[str, str]:
        """Write what a person should see of a trained run (sample grid, text lines, molecules)
        into ``run_dir``; return {artifact name: path relative to the results folder}."""
        return {}

    # -- user samples ----------------------------------------------------------------------
    sample_folders: ClassVar[bool] = False  # whether load_samples reads a folder (of PNGs, say), not only files

    def load_samples(self, path: str | Path):  # pragma: no cover - abstract
        """Read and validate a user's sample file; raise ``UserError`` naming the expected format."""
        raise NotImplementedError

    def as_samples(self, samples: Any):
        """Samples a user holds in memory (``ganbench.evaluate``) -> what the metrics consume, validated
        like a sample file. A path is read with :meth:`load_samples`; a domain overrides this for its
        in-memory types (arrays, tensors, lists of strings)."""
        if isinstance(samples, (str, Path)):
            from ganbench.core.paths import refuse_special_file

            refuse_special_file(samples)
            return self.load_samples(samples)
        raise UserError(f"{self.spec.name}: cannot evaluate samples of type {type(samples).__name__}; "
                        f"pass a sample file path (ganbench eval --help lists the formats)")

    def describe(self) -> dict:
        s = self.spec
        return {"task": s.name, "version": s.version, "domain": s.domain, "summary": s.summary}
