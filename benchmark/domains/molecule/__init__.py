"""The molecule domain: SMILES tasks, chemistry helpers (SMILES tokens, one RDKit pass per molecule, filters) and
the MOSES/GuacaMol metrics.

Why a package of its own: every molecule metric (MOSES, GuacaMol) and the ORGAN reward need the
same per-molecule facts — is the SMILES valid, its canonical form, Morgan bits, BRICS fragments,
Bemis–Murcko scaffold, MCF/PAINS filters, logP/SA/QED/weight. Parsing a SMILES costs as much as
most of those facts together, so :mod:`.features` parses each distinct SMILES once and computes
everything in one pass (in worker processes for big sets); the metric modules only do arithmetic
on the results.

Modules (RDKit is imported inside them, never here): :mod:`.smiles` (atom-level tokenizer),
:mod:`.bounds` (the size bound: longer SMILES and binary are invalid before RDKit sees them),
:mod:`.molecules` (MOSES' parsing conventions), :mod:`.filters` (MCF + PAINS + MOSES' atom rules),
:mod:`.properties` (logP, SA from RDKit Contrib, QED, weight, GuacaMol descriptors),
:mod:`.features` (the one-pass feature table, parallel).

Metrics: the MOSES metric suite (Polykovskiy et al. 2020) and GuacaMol's distribution-learning scores.

Our own implementation of the definitions in ``moses/metrics`` (metrics.py, utils.py) and
``guacamol`` (distribution_learning_benchmark.py, frechet_benchmark.py, utils/chemistry.py), on
today's RDKit/NumPy, with the per-molecule work shared (:mod:`.features`) and the
expensive aggregations rewritten: :mod:`.tanimoto` (SNN, IntDiv), :mod:`.chemnet` (FCD).
Reference statistics of the MOSES Test and TestSF splits are computed once and cached
(:mod:`.refstats`). The metric families live in :mod:`.metrics` and :mod:`.guacamol`.

:data:`DOMAIN` declares what the metric registry, the reports and the suites need to know (see
:mod:`ganbench.core.domain`); sample files are drawn by :mod:`.drawing`.
"""

from ganbench.core.domain import MAX, MIN, CollapseMetric, Domain, Metric, SampleDrawing
from ganbench.core.protocol import SAMPLE_COUNT, ProtocolVariant

_MOL = "ganbench.domains.molecule"
_BASIC = f"{_MOL}.metrics:MosesBasic"
_REF = f"{_MOL}.metrics:MosesReference"
_SLOW = {"slow": True}  # needs reference statistics that take minutes to build once


def _reference_metrics():
    """MOSES' metrics against the Test and TestSF splits, then the property distances to Test."""
    for s, S in (("test", "Test"), ("testsf", "TestSF")):
        yield Metric(f"snn_{s}", _REF, MAX, f"mean nearest-neighbour Tanimoto to {S} (MOSES SNN)", _SLOW)
        yield Metric(f"frag_{s}", _REF, MAX, f"cosine of BRICS fragment counts vs {S} (MOSES Frag)", _SLOW)
        yield Metric(f"scaf_{s}", _REF, MAX, f"cosine of Bemis-Murcko scaffold counts vs {S} (MOSES Scaf)", _SLOW)
        yield Metric(f"fcd_{s}", f"{_MOL}.metrics:MosesFCD", MIN, f"Frechet ChemNet Distance to {S} (MOSES FCD)", _SLOW)
    for p, P in (("logp", "logP"), ("sa", "SA score"), ("qed", "QED"), ("weight", "molecular weight")):
        yield Metric(f"{p}_w1", _REF, MIN, f"Wasserstein-1 distance of {P} to Test (MOSES)", _SLOW)


DOMAIN = Domain(
    name="molecule",
    summary="SMILES generation: the MOSES and GuacaMol distribution-learning metrics",
    metrics=(
        Metric("validity", _BASIC, MAX, "share of samples RDKit parses and sanitizes (MOSES Valid)"),
        Metric("unique_1k", _BASIC, MAX, "distinct canonical SMILES among the first 1,000 valid (MOSES)"),
        Metric("unique_10k", _BASIC, MAX, "distinct canonical SMILES among the first 10,000 valid (MOSES)"),
        Metric("novelty", _BASIC, MAX, "distinct valid molecules not in the training set (MOSES)"),
        Metric("filters", _BASIC, MAX, "valid molecules passing MCF, PAINS and MOSES' atom rules"),
        Metric("intdiv", _BASIC, MAX, "1 - mean Tanimoto over all pairs, Morgan r=2 1024 bits (MOSES IntDiv)"),
        Metric("intdiv2", _BASIC, MAX, "1 - mean sqrt(mean squared Tanimoto) (MOSES IntDiv2)"),
        *_reference_metrics(),
        Metric("guacamol_kl", f"{_MOL}.guacamol:GuacamolMetrics", MAX,
               "GuacaMol KL-divergence score vs 10k train molecules", _SLOW),
        Metric("guacamol_fcd", f"{_MOL}.guacamol:GuacamolMetrics", MAX,
               "GuacaMol FCD score exp(-0.2 FCD) vs 10k train molecules", _SLOW),
    ),
    # uniqueness and internal diversity; the other spellings are those of MOSES' own tables
    collapse=(CollapseMetric("unique@10k", MAX, ("unique@10k", "unique_10k", "unique10k")),
              CollapseMetric("IntDiv", MAX, ("intdiv", "intdiv1", "int_div"))),
    collapse_note="molecules: unique@10k, IntDiv",
    qd_pairs=(("intdiv", "validity"),),
    sample_drawing=SampleDrawing(f"{_MOL}.drawing:molecules_png", lines=200, alt="molecules"),
    suite_objectives={"quick": ("mle",), "molecule": ("mle", "seqgan", "organ"), "cross-domain": ("mle", "ns", "minimax", "hinge", "wgan-gp", "lsgan", "rsgan")},
    report_rank=3,
    # MOSES' two reference sets: Test and TestSF (scaffolds unseen in training); and the sampling temperature
    protocol_variants=(
        *SAMPLE_COUNT,
        ProtocolVariant("reference-testsf", "reference",
                        {"metric": {f"{m}_test": f"{m}_testsf" for m in ("fcd", "snn", "frag", "scaf")}},
                        "MOSES' scaffold split TestSF as the reference (e.g. fcd_testsf for fcd_test)"),
        ProtocolVariant("temperature-0.8", "temperature", {"temperature": 0.8}, "samples drawn at temperature 0.8"),
        ProtocolVariant("temperature-1.2", "temperature", {"temperature": 1.2}, "samples drawn at temperature 1.2"),
    ),
)
