"""Synthetic-oracle sequence tasks (SeqGAN's benchmark): data are samples of a fixed random LSTM.

The training set is ``n_train`` oracle samples drawn with a fixed seed and the test set a
separate, fresh ``n_test`` samples with another seed (never the training data: "NLL-test" on the
training set is a known mistake). The oracle's own entropy rate, estimated as its NLL of the
test set, is the floor of ``nll_oracle`` and is stored in every record. The generated sets are
cached under ``cache_root()/text`` keyed by task name and version, so they are drawn once — on the
CPU, whatever device a run uses, so every machine trains and scores on the same sequences. The
oracle that scores generated samples (``nll_oracle``) runs on the evaluation device
(:meth:`OracleTask.oracle` with ``device``); decoded samples are host tensors.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganbench.core.errors import UserError
from ganbench.domains.sequence.generator import SequenceGenerator
from ganbench.domains.sequence.task import SequenceTask


class OracleTask(SequenceTask):
    n_train = 10_000
    n_test = 10_000
    train_seed = 2017
    test_seed = 2018
    start_id = 0
    qd_metrics = ("nll_oracle", "nll_test")

    def build_oracle(self) -> SequenceGenerator:  # pragma: no cover - abstract
        raise NotImplementedError

    def oracle(self, device: str | torch.device | None = None) -> SequenceGenerator:
        """The oracle LSTM (on the CPU, or a copy on ``device``, kept for later calls)."""
        if not hasattr(self, "_oracle"):
            self._oracle = self.build_oracle()
        if device is None or torch.device(device).type == "cpu":
            return self._oracle
        copies = self.__dict__.setdefault("_oracle_on", {})
        key = str(torch.device(device))
        if key not in copies:
            copies[key] = copy.deepcopy(self._oracle).to(device)
        return copies[key]

    @property
    def vocab_size(self) -> int:
        return self.oracle().vocab_size

    @property
    def max_len(self) -> int:
        return self.oracle().max_len

    def _data(self) -> dict:
        if hasattr(self, "_cached"):
            return self._cached
        from ganbench.engine.refcache import RefKey, ReferenceCache

        def draw() -> dict:  # a corrupt cache file is redrawn (the cache warns)
            oracle = self.oracle()
            train = oracle.sample(self.n_train, torch.Generator().manual_seed(self.train_seed), batch=1000)
            test = oracle.sample(self.n_test, torch.Generator().manual_seed(self.test_seed), batch=1000)
            total, count = oracle.nll_sum(test)
            return {"train": train.numpy().astype(np.int32), "test": test.numpy().astype(np.int32),
                    "entropy": np.float64(total / count)}

        key = RefKey(self.spec.name, self.spec.version, "oracle-samples")
        data = ReferenceCache(kind="text").get(key, draw, ("train", "test", "entropy"))
        self._cached = {"train": torch.from_numpy(np.asarray(data["train"], dtype=np.int64)),
                        "test": torch.from_numpy(np.asarray(data["test"], dtype=np.int64)),
                        "entropy": float(data["entropy"])}
        return self._cached

    def train_tokens(self) -> torch.Tensor:
        return self._data()["train"]

    def test_tokens(self) -> torch.Tensor:
        return self._data()["test"]

    def test_details(self) -> dict:
        return {"split": "test", "test_sequences": self.n_test, "test_seed": self.test_seed}

    def oracle_entropy(self) -> float:
        """The oracle's NLL of its own fresh test samples: the floor of nll_oracle."""
        return self._data()["entropy"]

    def reference_samples(self, n: int | None = None) -> torch.Tensor:
        return self.test_tokens()[: n or self.n_test]

    def decode(self, raw: torch.Tensor) -> torch.Tensor:
        """Token ids as a host tensor (the oracle moves them to its device chunk by chunk)."""
        return raw.long().cpu()

    def load_samples(self, path: str | Path) -> torch.Tensor:
        """SeqGAN's sample format: one sequence a line, ``max_len`` token ids separated by spaces.

        Any line that is not exactly that (binary, a huge line, NaN, Unicode digits that ``int``
        would accept) is an input error naming the line; the count of fields is checked before
        any is converted, so a line of millions of fields costs one split. Blank lines are skipped."""
        path = Path(path)
        if not path.is_file():
            raise UserError(f"sample file {path} does not exist: give one sequence a line of {self.max_len} token ids")
        rows = []
        from ganbench.core.sample_files import read_text

        text = read_text(path, strict=False, fix=f"give one sequence a line of {self.max_len} token ids")
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != self.max_len or not all(f.isascii() and f.isdigit() for f in fields):
                raise UserError(f"{path}:{number}: expected {self.max_len} integer token ids separated by spaces, "
                                f"got {len(fields)} fields{'' if len(fields) != self.max_len else ' (not all integers)'}")
            ids = [int(f) for f in fields]
            if max(ids) >= self.vocab_size:
                raise UserError(f"{path}:{number}: token id {max(ids)} is outside 0..{self.vocab_size - 1}")
            rows.append(ids)
        if not rows:
            raise UserError(f"{path} holds no sequences: give one sequence a line of {self.max_len} token ids")
        return torch.tensor(rows, dtype=torch.long)

    def as_samples(self, samples: Any) -> torch.Tensor:
        """Token ids in memory: an integer tensor or array N×max_len with ids in 0..V-1."""
        if isinstance(samples, (str, Path)):
            return self.load_samples(samples)
        ids = torch.as_tensor(np.asarray(samples)) if not isinstance(samples, torch.Tensor) else samples.detach().cpu()
        if ids.dtype.is_floating_point or ids.ndim != 2 or ids.shape[1] != self.max_len or ids.shape[0] == 0:
            raise UserError(f"{self.spec.name}: samples must be an integer array N×{self.max_len} of token ids, "
                            f"got {tuple(ids.shape)} {ids.dtype}")
        if int(ids.min()) < 0 or int(ids.max()) >= self.vocab_size:
            raise UserError(f"{self.spec.name}: token ids must lie in 0..{self.vocab_size - 1}")
        return ids.long()
