"""The MOSES metrics as metric families that share one parse of the samples.

Definitions (``moses/metrics/metrics.py``, ``get_all_metrics``), with ``gen`` the canonical
SMILES of the valid samples, duplicates kept:

* ``validity``: valid samples / all samples (blank lines and odd characters are samples too; a
  SMILES over the size bound or holding binary is invalid before RDKit sees it, and the details
  count those: ``"too_long"``, ``"binary"``, see :mod:`.bounds`);
* ``unique_1k``, ``unique_10k``: distinct / k among the first k of ``gen`` (all of ``gen`` when
  it is shorter, as MOSES does after its warning);
* ``novelty``: distinct ``gen`` molecules not in the training set / distinct ``gen`` molecules;
* ``filters``: fraction of ``gen`` passing MCF, PAINS and the atom rules (:mod:`ganbench.domains.molecule.filters`);
* ``intdiv`` = 1 − mean Tanimoto over all ordered pairs of ``gen`` (self-pairs included);
  ``intdiv2`` = 1 − mean over molecules of √(mean squared Tanimoto to all); Morgan r=2, 1024 bits;
* ``snn_<ref>``: mean over ``gen`` of the largest Tanimoto similarity to a reference molecule;
* ``frag_<ref>`` / ``scaf_<ref>``: cosine similarity of BRICS-fragment / Bemis–Murcko scaffold
  (≥ 2 rings) counts of ``gen`` and the reference (float64: the integer-count overflow MOSES
  shows with SciPy ≥ 1.12 cannot happen here);
* ``fcd_<ref>``: Fréchet ChemNet Distance (:mod:`.chemnet`, the shared :func:`frechet_distance`);
* ``logp_w1``, ``sa_w1``, ``qed_w1``, ``weight_w1``: Wasserstein-1 distance between the property
  values of ``gen`` and of Test.

``<ref>`` is ``test`` (MOSES "Test") or ``testsf`` ("TestSF", the scaffold split). The task
supplies the references (``task.references``: a :class:`MoleculeReferences`); samples are the
task's decoded :class:`SmilesSamples`, whose feature table every family reuses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from ganbench.domains.molecule.bounds import REASONS
from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue
from ganbench.metrics.frechet import frechet_distance

SPLITS = ("test", "testsf")
PROPERTIES = ("logp", "sa", "qed", "weight")


class SmilesSamples(list):
    """SMILES strings (None or '' for unreadable samples) with their feature table, built once."""

    def __init__(self, smiles=(), source: str = "", n_jobs: int | None = None):
        super().__init__(smiles)
        self.source, self.n_jobs = source, n_jobs

    @cached_property
    def table(self):
        from ganbench.domains.molecule.features import moses_table

        return moses_table(self, n_jobs=self.n_jobs)


@dataclass
class MoleculeReferences:
    """What the molecule metrics compare against; each part is loaded on first use."""

    splits: Mapping[str, Any]  # split name -> refstats.ReferenceSet
    train_index: Callable[[], Any] | None = None  # -> moses_data.SmilesIndex of the training SMILES
    guacamol: Callable[[], Any] | None = None  # -> guacamol.GuacamolReference
    _loaded: dict = field(default_factory=dict, repr=False)

    def train(self):
        if self.train_index is None:
            return None
        if "train" not in self._loaded:
            self._loaded["train"] = self.train_index()
        return self._loaded["train"]

    def guacamol_reference(self):
        if self.guacamol is None:
            return None
        if "guacamol" not in self._loaded:
            self._loaded["guacamol"] = self.guacamol()
        return self._loaded["guacamol"]


def as_samples(batches: list) -> SmilesSamples:
    """The evaluator's batches as one :class:`SmilesSamples` (the same object when it already is one).

    MOSES' metrics need every sample at once (distinct molecules, all pairs), so the families keep
    the decoded SMILES batches. Every family of one evaluation holds the same batch objects, and
    the joined set is remembered on the first batch, so they all share one joined set and with it
    one RDKit feature table, as they did before samples streamed in batches."""
    if len(batches) == 1 and isinstance(batches[0], SmilesSamples):
        return batches[0]
    first = batches[0] if batches and isinstance(batches[0], SmilesSamples) else None
    ids = tuple(id(b) for b in batches)
    joined = getattr(first, "_joined", None)
    if joined is not None and joined[0] == ids:
        return joined[1]
    out = SmilesSamples([s for b in batches for s in b])
    if first is not None:
        out.source, out.n_jobs = first.source, first.n_jobs
        first._joined = (ids, out)  # the batches are alive (the families hold them): their ids are theirs
    return out


def nan(direction: str, why: str, **details) -> MetricValue:
    return MetricValue(float("nan"), direction, {"note": why, **details})


# Details that describe one run's samples, not the protocol: kept under "run", which reports do
# not use to tell columns apart (two runs with different numbers of valid samples share a column).
RUN_KEYS = ("n_valid", "k_used", "n_distinct", "n_molecules", "note", "kl", "fcd", *REASONS)


def split_run_details(values: dict[str, MetricValue]) -> dict[str, MetricValue]:
    for v in values.values():
        run = {k: v.details.pop(k) for k in RUN_KEYS if k in v.details}
        if run:
            v.details["run"] = run
    return values


class _MolFamily(MetricFamily):
    def compute(self) -> dict[str, MetricValue]:
        return split_run_details(self._compute())

    def _compute(self) -> dict[str, MetricValue]:  # pragma: no cover - abstract
        raise NotImplementedError

    def samples(self) -> SmilesSamples:
        s = as_samples(self._batches)
        if self.options.get("n_jobs") is not None:
            s.n_jobs = self.options["n_jobs"]
        return s

    def references(self) -> MoleculeReferences:
        refs = getattr(self.task, "references", None)
        if refs is None:  # pragma: no cover - a task wiring error
            raise TypeError(f"{type(self.task).__name__} has no .references (MoleculeReferences) for the MOSES metrics")
        return refs

    def base_details(self, table) -> dict:
        return {"n_samples": table.n_samples, "n_valid": table.n_valid, "samples_from": self.samples().source or "memory",
                **table.screened}


# --- metrics needing no reference split ---------------------------------------------------------
def fraction_unique(valid_canonical: list[str], k: int) -> tuple[float, int]:
    head = valid_canonical[:k]
    return (len(set(head)) / len(head) if head else float("nan")), len(head)


def internal_diversity(table, threads: int | None = None) -> tuple[float, float]:
    """(IntDiv, IntDiv2) of the valid samples, duplicates weighted by multiplicity (MOSES keeps them)."""
    from ganbench.domains.molecule.tanimoto import BitRows, weighted_mean_similarity

    w = table.multiplicity
    rows = BitRows.from_csr(table.fp_indptr, table.fp_bits, 1024, weights=w.astype(np.float32))
    mean1, mean2 = weighted_mean_similarity(rows, table.fp_indptr, table.fp_bits, threads=threads)
    n = w.sum()
    return 1.0 - float((w * mean1).sum() / n), 1.0 - float((w * np.sqrt(mean2)).sum() / n)


class MosesBasic(_MolFamily):
    """Validity, uniqueness, novelty, filters and internal diversity."""

    provides: ClassVar[Mapping[str, str]] = {"validity": MAX, "unique_1k": MAX, "unique_10k": MAX, "novelty": MAX,
                                             "filters": MAX, "intdiv": MAX, "intdiv2": MAX}

    def _compute(self) -> dict[str, MetricValue]:
        table = self.samples().table
        d = self.base_details(table)
        fp = {"fingerprint": "Morgan r=2, 1024 bits", "pairs": "all ordered pairs incl. self"}
        index = self.references().train()
        protocol = {
            "validity": {**d, "definition": "valid / all samples (RDKit parse + sanitize)"},
            "unique_1k": {**d, "k": 1000}, "unique_10k": {**d, "k": 10000},
            "novelty": {**d, "reference": "train", "reference_size": index.size if index is not None else 0},
            "filters": {**d, "definition": "MCF + PAINS + ring/charge/atom rules (MOSES)"},
            "intdiv": {**d, **fp}, "intdiv2": {**d, **fp, "p": 2},
        }
        out = {"validity": MetricValue(table.n_valid / table.n_samples if table.n_samples else float("nan"), MAX,
                                       protocol["validity"])}
        gen = table.valid_canonical
        for k, name in ((1000, "unique_1k"), (10000, "unique_10k")):
            value, used = fraction_unique(gen, k)
            note = {} if used >= k else {"note": f"only {used} valid samples: unique over all of them (MOSES warns)"}
            out[name] = MetricValue(value, MAX, {**protocol[name], "k_used": used, **note})
        if index is None:
            out["novelty"] = nan(MAX, "this task has no training set to compare with", **protocol["novelty"])
        elif table.n_valid:
            known = index.contains(table.molecules)
            out["novelty"] = MetricValue(float((~known).sum() / len(table.molecules)), MAX,
                                         {**protocol["novelty"], "n_distinct": len(table.molecules)})
        if table.n_valid == 0:
            for name in ("novelty", "filters", "intdiv", "intdiv2"):
                out.setdefault(name, nan(MAX, "no valid samples", **protocol[name]))
            return out
        w = table.multiplicity
        out["filters"] = MetricValue(float((w * table.passes).sum() / w.sum()), MAX, protocol["filters"])
        div1, div2 = internal_diversity(table, self.options.get("threads"))
        out["intdiv"] = MetricValue(div1, MAX, protocol["intdiv"])
        out["intdiv2"] = MetricValue(div2, MAX, protocol["intdiv2"])
        return out


# --- metrics against the Test / TestSF splits ---------------------------------------------------
def cosine_similarity(ref_counts: Mapping[str, int], gen_counts: Mapping[str, float]) -> float:
    """MOSES' ``cos_similarity`` of two count dictionaries (missing keys are 0), in float64."""
    if not ref_counts or not gen_counts:
        return float("nan")
    keys = list(set(ref_counts) | set(gen_counts))
    r = np.array([ref_counts.get(k, 0) for k in keys], dtype=np.float64)
    g = np.array([gen_counts.get(k, 0) for k in keys], dtype=np.float64)
    return float(r @ g / (np.linalg.norm(r) * np.linalg.norm(g)))


def weighted_counts(items_per_row, weights) -> Counter:
    out: Counter = Counter()
    for items, w in zip(items_per_row, weights):
        if items is None:
            continue
        for it in ([items] if isinstance(items, str) else items):
            out[it] += float(w)
    return out


def wasserstein(ref_values, gen_values, gen_weights=None, ref_weights=None) -> float:
    """Wasserstein-1 distance of two weighted samples (MOSES' ``WassersteinMetric``, SciPy's definition).

    W1 = ∫ |U(x) − V(x)| dx over the two empirical CDFs, integrated exactly between consecutive
    sample values; weights stand for repeated values. Written with NumPy rather than imported from
    ``scipy.stats`` (whose import alone costs more than a second per evaluation); the tests compare
    it with ``scipy.stats.wasserstein_distance``.
    """
    u, v = np.asarray(ref_values, dtype=np.float64), np.asarray(gen_values, dtype=np.float64)
    uw = np.ones(len(u)) if ref_weights is None else np.asarray(ref_weights, dtype=np.float64)
    vw = np.ones(len(v)) if gen_weights is None else np.asarray(gen_weights, dtype=np.float64)
    if len(u) == 0 or len(v) == 0:
        raise ValueError("Wasserstein distance of an empty sample")
    points = np.sort(np.concatenate([u, v]), kind="mergesort")

    def cdf(values, weights):
        order = np.argsort(values, kind="mergesort")
        cum = np.concatenate([[0.0], np.cumsum(weights[order])])
        return cum[values[order].searchsorted(points[:-1], side="right")] / cum[-1]

    return float(np.sum(np.abs(cdf(u, uw) - cdf(v, vw)) * np.diff(points)))


class MosesReference(_MolFamily):
    """SNN, Frag, Scaf against Test and TestSF; Wasserstein-1 of four properties against Test."""

    provides: ClassVar[Mapping[str, str]] = {
        **{f"{m}_{s}": MAX for m in ("snn", "frag", "scaf") for s in SPLITS},
        **{f"{p}_w1": MIN for p in PROPERTIES},
    }

    def _compute(self) -> dict[str, MetricValue]:
        from ganbench.domains.molecule.tanimoto import max_similarity

        table = self.samples().table
        d = self.base_details(table)
        refs = self.references()
        out: dict[str, MetricValue] = {}
        w = table.multiplicity
        gen_frag = weighted_counts(table.fragments, w)
        gen_scaf = weighted_counts(table.scaffolds, w)
        extra = {"snn": {"fingerprint": "Morgan r=2, 1024 bits"}, "frag": {"fragments": "BRICS"},
                 "scaf": {"scaffolds": "Bemis-Murcko, >= 2 rings"}}
        for split in SPLITS:
            ref = refs.splits.get(split)
            rd = {**d, **ref.details()} if ref is not None else dict(d)
            protocol = {m: {**rd, **extra[m]} for m in extra}
            if ref is None or table.n_valid == 0:
                why = f"no {split} reference for this task" if ref is None else "no valid samples"
                out.update({f"{m}_{split}": nan(MAX, why, **protocol[m]) for m in extra})
                continue
            best = max_similarity(ref.bit_rows, table.fp_indptr, table.fp_bits, threads=self.options.get("threads"))
            feats = ref.features
            out[f"snn_{split}"] = MetricValue(float((w * best).sum() / w.sum()), MAX, protocol["snn"])
            out[f"frag_{split}"] = MetricValue(cosine_similarity(feats["fragments"], gen_frag), MAX, protocol["frag"])
            out[f"scaf_{split}"] = MetricValue(cosine_similarity(feats["scaffolds"], gen_scaf), MAX, protocol["scaf"])
        test = refs.splits.get("test")
        td = {**d, **test.details()} if test is not None else dict(d)
        for prop in PROPERTIES:
            name = f"{prop}_w1"
            protocol = {**td, "property": _PROPERTY_NAMES[prop]}
            if test is None or table.n_valid == 0:
                out[name] = nan(MIN, "no valid samples" if test is not None else "no test reference", **protocol)
                continue
            feats = test.features
            value = wasserstein(feats[prop], getattr(table, prop), w, feats["weights"])
            out[name] = MetricValue(value, MIN, protocol)
        return out


_PROPERTY_NAMES = {"logp": "Crippen logP", "sa": "SA score (RDKit Contrib sascorer)", "qed": "QED (RDKit)",
                   "weight": "molecular weight (Descriptors.MolWt)"}


class MosesFCD(_MolFamily):
    """Fréchet ChemNet Distance to Test and TestSF (ChemNet as in MOSES' fcd_torch)."""

    provides: ClassVar[Mapping[str, str]] = {f"fcd_{s}": MIN for s in SPLITS}

    def _compute(self) -> dict[str, MetricValue]:
        from ganbench.domains.molecule.chemnet import moses_activations, weighted_moments

        table = self.samples().table
        d = self.base_details(table)
        refs = self.references()
        net = {"network": "ChemNet v0.13 (fcd package weights)", "tokenizer": "fcd_torch (MOSES)"}
        protocol = {s: {**d, **(refs.splits[s].details() if s in refs.splits else {}), **net} for s in SPLITS}
        if table.n_valid < 2:
            return {f"fcd_{s}": nan(MIN, "FCD needs at least 2 valid samples", **protocol[s]) for s in SPLITS}
        act = moses_activations(table.molecules, batch=int(self.options.get("fcd_batch", 1024)),
                                device=self.options.get("device"))
        mu, sigma = weighted_moments(act, table.multiplicity)
        out = {}
        for split in SPLITS:
            ref = refs.splits.get(split)
            if ref is None:
                out[f"fcd_{split}"] = nan(MIN, f"no {split} reference for this task", **protocol[split])
                continue
            ref_mu, ref_sigma = ref.fcd_moments
            out[f"fcd_{split}"] = MetricValue(frechet_distance(ref_mu, ref_sigma, mu, sigma), MIN, protocol[split])
        return out
