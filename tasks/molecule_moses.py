"""molecule/moses and molecule/moses-small: SMILES generation on the MOSES benchmark.

molecule/moses follows the MOSES protocol (Polykovskiy et al. 2020): train on the 1.58M training
SMILES; score 30,000 samples with the whole MOSES suite against Test (176,074) and TestSF
(176,225, unseen scaffolds), novelty against the training split, and GuacaMol's KL and FCD
scores against 10,000 training molecules. Reference statistics are built once per machine
(minutes) and cached. MOSES-scale nets (its CharRNN: 3-layer LSTM, 768 units, dropout 0.2, Adam
1e-3, 80 epochs) need a GPU; our generator is one LSTM layer (embedding 32; hidden 256, or 384 at
the ``default`` and ``long`` budgets). The ``default`` budget (384 units, 30,000 steps of 64 SMILES
= 1.2 epochs, Adam 1e-3 decayed to 0 along a cosine) trains it on one CPU core in 60-85 minutes to
validity 0.92 and FCD/Test 0.13 (results/molecule/README.md: 256 units stop at validity 0.88).
``--set g_hidden_dim=768`` and more steps for a MOSES-size run.

molecule/moses-small is the same task shrunk for the quick suite: train on a fixed random 50,000
of the training SMILES, score 2,000 samples against fixed random 10,000-molecule subsets of
Test and TestSF (novelty against its 50,000 training molecules; GuacaMol against 10,000 of
them). Its numbers are not comparable with MOSES' published table; molecule/moses' are.
"""

from __future__ import annotations


import numpy as np

from ganbench.domains.molecule.moses_data import TEST, TEST_SF, TRAIN, SmilesIndex, read_small_split, read_smiles_csv
from ganbench.domains.molecule.task import SmilesTask
from ganbench.domains.molecule.metrics import MoleculeReferences
from ganbench.domains.molecule.guacamol import GuacamolReference
from ganbench.domains.sequence.task import SEQUENCE_DEFAULTS
from ganbench.core.task import TaskSpec

METRICS = ("validity", "unique_1k", "unique_10k", "fcd_test", "fcd_testsf", "snn_test", "snn_testsf",
           "frag_test", "frag_testsf", "scaf_test", "scaf_testsf", "intdiv", "intdiv2", "filters", "novelty",
           "logp_w1", "sa_w1", "qed_w1", "weight_w1", "guacamol_kl", "guacamol_fcd")
SOURCE = ("MOSES splits moses/train.csv.gz, test.csv.gz, test_scaffolds.csv.gz "
          "(github.com/molecularsets/moses data/dataset_v1.csv; molsets 0.3.1 wheel), SHA-256 pinned")
# A CPU-sized CNN discriminator: SeqGAN's has 1,720 filters up to width 20 over 64-d embeddings,
# which costs ~100 s per generator update here because every rollout completion is scored.
D_SIZES = [1, 2, 3, 4, 5, 8, 10, 15]
SMALL_D = {"d_emb_dim": 32, "d_filter_sizes": D_SIZES, "d_num_filters": [16] * len(D_SIZES)}
# What the default and long budgets train (the 256-unit default net stops at validity 0.88 there)
CHARRNN_BUDGET_SETTINGS = {"lr_decay": "cosine", "g_hidden_dim": 384}
SMOKE = {"g_emb_dim": 8, "g_hidden_dim": 8, "d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8],
         "batch_size": 8, "gumbel": True}


def _subset(items: list[str], size: int, seed: int) -> list[str]:
    if size >= len(items):
        return list(items)
    idx = np.sort(np.random.default_rng(seed).choice(len(items), size, replace=False))
    return [items[i] for i in idx]


class Moses(SmilesTask):
    spec = TaskSpec(
        name="molecule/moses",
        version="1",
        summary="MOSES: SMILES generation, 1.58M training molecules; full MOSES + GuacaMol metric suite",
        sample_kind="smiles",
        metrics=METRICS,
        main_metric="fcd_test",
        eval_samples=30_000,
        data_source=SOURCE,
        protocol="MOSES (Polykovskiy et al. 2020): 30,000 samples vs Test/TestSF, novelty vs train; "
                 "GuacaMol (Brown et al. 2019) KL and FCD scores vs 10,000 training molecules (seed 42)",
        # default: the CharRNN budget that reaches validity >= 0.90 and FCD/Test <= 1.0 on one CPU core
        # (30,000 steps = 1.2 epochs with a cosine decay of the rate, 384 LSTM units where 256 stop at
        # validity 0.88; results/molecule/README.md). quick and a bare --steps keep 256 units.
        budgets={"quick": 500, "default": 30_000, "long": 100_000},
        budget_settings={"default": CHARRNN_BUDGET_SETTINGS, "long": CHARRNN_BUDGET_SETTINGS},
        # Adam 1e-3 for the generator, as MOSES' CharRNN trains; SeqGAN's 1e-2 collapses a SMILES
        # generator within a few policy-gradient steps (see results/molecule/README.md).
        defaults={**SEQUENCE_DEFAULTS, "g_emb_dim": 32, "g_hidden_dim": 256, "batch_size": 64, **SMALL_D,
                  "d_num_filters": [40] * len(D_SIZES), "lr_g": 1e-3,
                  "relaxed": {"gumbel": True, "pretrain_g_steps": 15_000},  # SeqGAN's MLE phase, shared with it
                  "per_objective": {"seqgan": {"pretrain_g_steps": 15_000, "pretrain_d_steps": 1_000, "rollouts": 4},
                                    "organ": {"pretrain_g_steps": 15_000, "pretrain_d_steps": 1_000, "rollouts": 4}}},
        smoke=SMOKE,
        continuous=False,
        suites=("molecule",),
        reference_split="test",
    )

    def path(self, datafile):
        return self.data.find(datafile)

    def train_smiles(self) -> list[str]:
        return read_smiles_csv(self.path(TRAIN))

    def reference_samples(self, n: int | None = None):
        from ganbench.domains.molecule.metrics import SmilesSamples

        smiles = read_smiles_csv(self.path(TEST))
        return SmilesSamples(smiles[:n] if n else smiles, source="test split")

    def build_references(self) -> MoleculeReferences:
        from ganbench.domains.molecule.shipped import MOSES as SHIPPED  # Test/TestSF statistics shipped with ganbench

        train = self.path(TRAIN)
        return MoleculeReferences(
            splits={split: SHIPPED.reference_set(split, self.data) for split in ("test", "testsf")},
            train_index=lambda: SmilesIndex.cached(train, TRAIN.sha256, lambda: self._train),
            guacamol=lambda: GuacamolReference(lambda: self._train, key=TRAIN.sha256),
        )


class MosesSmall(Moses):
    n_train, n_reference, seed = 50_000, 10_000, 2020
    spec = TaskSpec(
        name="molecule/moses-small",
        version="1",
        summary="MOSES shrunk for quick runs: 50k training molecules, 2,000 samples vs 10k-molecule Test/TestSF subsets",
        sample_kind="smiles",
        metrics=METRICS,
        main_metric="fcd_test",
        eval_samples=2_000,
        data_source=SOURCE + "; fixed random subsets (numpy default_rng(2020)): 50,000 train, 10,000 of each test split, "
                             "bundled with ganbench (benchmark/domains/molecule/data/moses_small, SHA-256 pinned): no download",
        protocol="MOSES metric definitions at small scale (not comparable with MOSES' published numbers): "
                 "2,000 samples vs 10,000-molecule Test/TestSF subsets, novelty vs the 50,000 training molecules, "
                 "GuacaMol scores vs 10,000 of them",
        budgets={"quick": 350, "default": 2_000, "long": 10_000, "cross-domain": 350},
        defaults={**SEQUENCE_DEFAULTS, "g_emb_dim": 32, "g_hidden_dim": 128, "batch_size": 64, **SMALL_D,
                  "relaxed": {"gumbel": True, "pretrain_g_steps": 300},
                  "per_objective": {"seqgan": {"pretrain_g_steps": 300, "pretrain_d_steps": 30, "rollouts": 2},
                                    "organ": {"pretrain_g_steps": 300, "pretrain_d_steps": 30, "rollouts": 2}}},
        smoke=SMOKE,
        continuous=False,
        suites=("quick", "molecule", "cross-domain"),
        reference_split="test",
    )

    def train_smiles(self) -> list[str]:
        return read_small_split("train")

    def _split(self, datafile) -> list[str]:
        return read_small_split({TEST: "test", TEST_SF: "test_scaffolds"}[datafile])

    @classmethod
    def subsets_of_full_splits(cls, locator) -> dict[str, list[str]]:
        """The subsets drawn from the full MOSES files, as the bundled files were made (and are tested)."""
        return {"train": _subset(read_smiles_csv(locator.find(TRAIN)), cls.n_train, cls.seed),
                "test": _subset(read_smiles_csv(locator.find(TEST)), cls.n_reference, cls.seed + 1),
                "test_scaffolds": _subset(read_smiles_csv(locator.find(TEST_SF)), cls.n_reference, cls.seed + 1)}

    def reference_samples(self, n: int | None = None):
        from ganbench.domains.molecule.metrics import SmilesSamples

        smiles = self._split(TEST)
        return SmilesSamples(smiles[:n] if n else smiles, source="test split subset")

    def build_references(self) -> MoleculeReferences:
        from ganbench.domains.molecule.shipped import MOSES_SMALL  # their statistics ship with ganbench too

        key = f"{self.spec.name}-v{self.spec.version}"
        return MoleculeReferences(
            splits={split: MOSES_SMALL.reference_set(split, MOSES_SMALL.locator()) for split in ("test", "testsf")},
            train_index=lambda: SmilesIndex.build(self._train),
            guacamol=lambda: GuacamolReference(lambda: self._train, key=f"{key}-{TRAIN.sha256}"),
        )
