"""GuacaMol's distribution-learning scores (Brown et al. 2019): KL-divergence score and FCD score.

Their conventions differ from MOSES', so they are separate metrics that never share a column:

* the reference is a random 10,000-molecule subset of the *training* set (GuacaMol's
  ``get_random_subset(training_set, 10000, seed=42)``: ``np.random.seed(42)`` then
  ``np.random.choice``), not the test split;
* ``guacamol_kl``: the samples are read in GuacaMol's sampling rounds until 10,000 distinct
  canonical molecules (at most 2 × 10,000 samples, ``sample_unique_molecules(..., max_tries=2)``),
  then made non-isomeric and distinct; KL divergences of BertzCT, MolLogP, MolWt, TPSA (Gaussian
  KDE on 1,000 points) and of the five count descriptors (10-bin histograms of the reference),
  plus the KL of the nearest-neighbour similarity within each set (ECFP4, 4,096 bits); score =
  mean of exp(−KL) over the ten;
* ``guacamol_fcd``: the first 10,000 *valid* samples, duplicates kept
  (``sample_valid_molecules``), canonical isomeric SMILES, ChemNet as the ``fcd`` package
  tokenises and pads; score = exp(−0.2 · FCD).

Samples over the size bound or holding binary are invalid before RDKit sees them (:mod:`.bounds`);
the details count them.
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable, ClassVar, Mapping, Sequence

import numpy as np

from ganbench.domains.molecule.bounds import screened_counts
from ganbench.metrics.base import MAX, MetricValue
from ganbench.metrics.frechet import frechet_distance
from ganbench.domains.molecule.metrics import _MolFamily, nan
from ganbench.domains.molecule.refstats import ReferenceSet

N_SAMPLES = 10_000
CONTINUOUS = 4  # the first four descriptors are continuous, the other five counts


def random_subset(items: Sequence, size: int, seed: int = 42) -> list:
    """GuacaMol's ``get_random_subset``: ``np.random.seed(seed); np.random.choice(items, size, replace=False)``."""
    idx = np.random.RandomState(seed).choice(len(items), size, replace=False)
    return [items[i] for i in idx]


def sample_rounds(samples: Sequence[str], n: int, max_tries: int, key: Callable[[str], str | None], unique: bool) -> list[str]:
    """Replay GuacaMol's sampling loop over a fixed list of samples.

    Each round draws ``n - len(kept)`` further samples; a sample is kept when ``key`` gives a
    value (and, with ``unique``, a new one); at most ``max_tries * n`` samples are drawn.
    """
    kept: list[str] = []
    seen: set[str] = set()
    pos, budget = 0, max_tries * n
    while len(kept) < n and pos < budget and pos < len(samples):
        take = n - len(kept)
        for s in samples[pos:pos + take]:
            k = key(s)
            if k is None or (unique and k in seen):
                continue
            seen.add(k)
            kept.append(k)
        pos += take
    return kept


def _canonical(smiles: str, isomeric: bool = True) -> str | None:
    from rdkit import Chem

    from ganbench.domains.molecule.bounds import parsable

    mol = Chem.MolFromSmiles(smiles) if parsable(smiles) else None  # over the size bound or binary: invalid
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return Chem.MolToSmiles(mol, isomericSmiles=isomeric)


def _distinct(seq: list) -> list:
    return list(dict.fromkeys(s for s in seq if s is not None))


def continuous_kl(p_values: np.ndarray, q_values: np.ndarray) -> float:
    """GuacaMol's ``continuous_kldiv``: KL of Gaussian KDEs on 1,000 points spanning both sets."""
    from scipy.stats import entropy, gaussian_kde

    both = np.hstack([p_values, q_values])
    x = np.linspace(both.min(), both.max(), num=1000)
    p = gaussian_kde(p_values)(x) + 1e-10
    q = gaussian_kde(q_values)(x) + 1e-10
    return float(entropy(p, q))


def discrete_kl(p_values: np.ndarray, q_values: np.ndarray) -> float:
    """GuacaMol's ``discrete_kldiv``: 10-bin density histograms (bins of the reference)."""
    from scipy.stats import entropy

    p, bins = np.histogram(p_values, bins=10, density=True)
    q, _ = np.histogram(q_values, bins=bins, density=True)
    return float(entropy(p + 1e-10, q + 1e-10))


def kl_parts(ref_desc: np.ndarray, ref_nn: np.ndarray, desc: np.ndarray, nn: np.ndarray) -> dict[str, float]:
    from ganbench.domains.molecule.properties import GUACAMOL_DESCRIPTORS

    parts = {}
    for i, name in enumerate(GUACAMOL_DESCRIPTORS):
        fn = continuous_kl if i < CONTINUOUS else discrete_kl
        parts[name] = fn(ref_desc[:, i], desc[:, i])
    parts["internal_similarity"] = continuous_kl(ref_nn, nn)
    return parts


def descriptors_and_nn(smiles: list[str], n_jobs: int | None = None, threads: int | None = None):
    """Descriptors [n, 9] and nearest-neighbour ECFP4 similarity within the set (self excluded)."""
    from ganbench.domains.molecule.features import guacamol_table
    from ganbench.domains.molecule.tanimoto import BitRows, max_similarity

    table = guacamol_table(smiles, n_jobs=n_jobs)
    rows = BitRows.from_csr(table.fp_indptr, table.fp_bits, 4096)
    nn = max_similarity(rows, table.fp_indptr, table.fp_bits, exclude_self=True, threads=threads)
    return table.descriptors, nn


def fcd_moments(smiles: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from ganbench.domains.molecule.chemnet import fcd_package_activations, weighted_moments

    return weighted_moments(fcd_package_activations(smiles))


class GuacamolReference(ReferenceSet):
    """The 10,000-molecule training subset and its KL and FCD statistics (cached)."""

    def __init__(self, train_smiles, key: str | None = None, n_jobs: int | None = None):
        super().__init__("guacamol-train10k", train_smiles, key=key, n_jobs=n_jobs)

    @cached_property
    def subset(self) -> list[str]:
        return random_subset(self.smiles, N_SAMPLES, seed=42)

    @cached_property
    def kl_stats(self) -> tuple[np.ndarray, np.ndarray]:
        def compute() -> dict:
            mols = _distinct([_canonical(s, isomeric=False) for s in self.subset])
            desc, nn = descriptors_and_nn(mols, self.n_jobs)
            return {"descriptors": desc, "nn": nn}

        z = self.cache.get(self.cache_key("guacamol-kl"), compute, ("descriptors", "nn"))
        return z["descriptors"], z["nn"]

    @cached_property
    def fcd_stats(self) -> tuple[np.ndarray, np.ndarray]:
        def compute() -> dict:
            mu, sigma = fcd_moments([c for c in (_canonical(s) for s in self.subset) if c is not None])
            return {"mu": mu, "sigma": sigma}

        z = self.cache.get(self.cache_key("guacamol-fcd"), compute, ("mu", "sigma"))
        return z["mu"], z["sigma"]

    def details(self) -> dict:
        return {"reference": "random 10,000 of train (seed 42)", "reference_size": N_SAMPLES}


class GuacamolMetrics(_MolFamily):
    provides: ClassVar[Mapping[str, str]] = {"guacamol_kl": MAX, "guacamol_fcd": MAX}

    def _compute(self) -> dict[str, MetricValue]:
        samples = self.samples()
        ref = self.references().guacamol_reference()
        d = {"n_samples": len(samples), "samples_from": samples.source or "memory", **screened_counts(samples),
             **(ref.details() if ref is not None else {})}
        protocol = {"guacamol_kl": {**d, "samples_read": "first 10,000 distinct (<= 20,000 samples)"},
                    "guacamol_fcd": {**d, "samples_read": "first 10,000 valid", "tokenizer": "fcd package (GuacaMol)"}}
        if ref is None:
            return {k: nan(MAX, "this task has no training set for GuacaMol's reference", **protocol[k]) for k in self.provides}
        from ganbench.domains.molecule.molecules import quiet_rdkit

        quiet_rdkit()
        out = {}
        unique = sample_rounds(samples, N_SAMPLES, 2, _canonical, unique=True)
        mols = _distinct([_canonical(s, isomeric=False) for s in unique])
        if len(mols) < 2:
            out["guacamol_kl"] = nan(MAX, "fewer than 2 distinct valid molecules", **protocol["guacamol_kl"])
        else:
            desc, nn = descriptors_and_nn(mols, self.options.get("n_jobs"), self.options.get("threads"))
            ref_desc, ref_nn = ref.kl_stats
            try:
                parts = kl_parts(ref_desc, ref_nn, desc, nn)
                score = float(np.mean([np.exp(-v) for v in parts.values()]))
                out["guacamol_kl"] = MetricValue(score, MAX, {**protocol["guacamol_kl"], "n_molecules": len(mols), "kl": parts})
            except np.linalg.LinAlgError:
                out["guacamol_kl"] = nan(MAX, "a descriptor has no spread (singular KDE), as GuacaMol would fail",
                                         **protocol["guacamol_kl"])
        valid = sample_rounds(samples, N_SAMPLES, 10, _canonical, unique=False)
        if len(valid) < 2:
            out["guacamol_fcd"] = nan(MAX, "FCD needs at least 2 valid samples", **protocol["guacamol_fcd"])
        else:
            mu, sigma = fcd_moments(valid)
            ref_mu, ref_sigma = ref.fcd_stats
            fcd = frechet_distance(ref_mu, ref_sigma, mu, sigma)
            out["guacamol_fcd"] = MetricValue(float(np.exp(-0.2 * fcd)), MAX,
                                              {**protocol["guacamol_fcd"], "fcd": fcd, "n_molecules": len(valid)})
        if len(valid) < N_SAMPLES or len(mols) < N_SAMPLES:
            for k in out:
                out[k].details.setdefault("note", f"fewer than {N_SAMPLES} molecules available: GuacaMol scores those it has")
        return out
