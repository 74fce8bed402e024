"""The metric registry: metric name -> the family that computes it (lazy import).

Several names may point at one family; the evaluator builds each family once per evaluation and
asks it for all of its names. ``direction`` is metadata here so ``ganbench list`` can show arrows
without importing anything heavy.
"""

from ganbench.core.registry import Registry
from ganbench.metrics.base import MAX, MIN, MetricFamily, MetricValue

METRICS = Registry("metric")


def register_metric(name: str, target: str, direction: str, summary: str) -> None:
    METRICS.register(name, target, summary, direction=direction)


# --- toy 2-D mixtures -------------------------------------------------------------------------
_MODES = "ganbench.domains.toy.metrics:MixtureModeMetrics"
register_metric("modes_covered", _MODES, MAX, "modes with at least one high-quality sample (VEEGAN/PacGAN protocol)")
register_metric("high_quality", _MODES, MAX, "% of samples within 3 sigma of their nearest mode")
register_metric("mode_kl", _MODES, MIN, "KL(mode histogram of high-quality samples || uniform), PacGAN's rev-KL")


# --- text (SeqGAN oracle, Texygen COCO) -------------------------------------------------------
_TEXT = "ganbench.domains.text.metrics"
register_metric("nll_oracle", f"{_TEXT}:OracleNLL", MIN, "oracle LSTM's NLL per token of generated sequences (SeqGAN)")
register_metric("nll_test", f"{_TEXT}:TestNLL", MIN, "generator's NLL per token of the held-out test split")
for _n in (2, 3, 4, 5):
    register_metric(f"bleu{_n}", f"{_TEXT}:Bleu", MAX, f"mean sentence BLEU-{_n} vs the whole test split (NLTK method1)")
for _n in (2, 3, 4, 5):
    register_metric(f"self_bleu{_n}", f"{_TEXT}:SelfBleu", MIN, f"mean BLEU-{_n} of each sample vs the other samples")


# --- images (one feature pass for all) ---------------------------------------------------------
_IMG = "ganbench.domains.image.metrics:ImageMetrics"
register_metric("fid", _IMG, MIN, "Frechet distance of Gaussians fitted to features of generated vs reference images")
register_metric("kid", _IMG, MIN, "kernel distance: unbiased MMD^2, cubic polynomial kernel, mean over subsets")
register_metric("is", _IMG, MAX, "inception score exp E KL(p(y|x) || p(y)) over 10 splits")
register_metric("precision", _IMG, MAX, "share of generated samples inside the real k-NN manifold (k=3)")
register_metric("recall", _IMG, MAX, "share of real samples inside the generated k-NN manifold (k=3)")
register_metric("density", _IMG, MAX, "mean count of real k-NN balls containing a generated sample / k (k=5)")
register_metric("coverage", _IMG, MAX, "share of real k-NN balls containing a generated sample (k=5)")

# --- molecules (MOSES + GuacaMol; slow=True: needs reference statistics that take minutes to build once)
_MOL = "ganbench.domains.molecule"
register_metric("validity", f"{_MOL}.metrics:MosesBasic", MAX, "share of samples RDKit parses and sanitizes (MOSES Valid)")
register_metric("unique_1k", f"{_MOL}.metrics:MosesBasic", MAX, "distinct canonical SMILES among the first 1,000 valid (MOSES)")
register_metric("unique_10k", f"{_MOL}.metrics:MosesBasic", MAX, "distinct canonical SMILES among the first 10,000 valid (MOSES)")
register_metric("novelty", f"{_MOL}.metrics:MosesBasic", MAX, "distinct valid molecules not in the training set (MOSES)")
register_metric("filters", f"{_MOL}.metrics:MosesBasic", MAX, "valid molecules passing MCF, PAINS and MOSES' atom rules")
register_metric("intdiv", f"{_MOL}.metrics:MosesBasic", MAX, "1 - mean Tanimoto over all pairs, Morgan r=2 1024 bits (MOSES IntDiv)")
register_metric("intdiv2", f"{_MOL}.metrics:MosesBasic", MAX, "1 - mean sqrt(mean squared Tanimoto) (MOSES IntDiv2)")
for _s, _S in (("test", "Test"), ("testsf", "TestSF")):
    METRICS.register(f"snn_{_s}", f"{_MOL}.metrics:MosesReference", f"mean nearest-neighbour Tanimoto to {_S} (MOSES SNN)", direction=MAX, slow=True)
    METRICS.register(f"frag_{_s}", f"{_MOL}.metrics:MosesReference", f"cosine of BRICS fragment counts vs {_S} (MOSES Frag)", direction=MAX, slow=True)
    METRICS.register(f"scaf_{_s}", f"{_MOL}.metrics:MosesReference", f"cosine of Bemis-Murcko scaffold counts vs {_S} (MOSES Scaf)", direction=MAX, slow=True)
    METRICS.register(f"fcd_{_s}", f"{_MOL}.metrics:MosesFCD", f"Frechet ChemNet Distance to {_S} (MOSES FCD)", direction=MIN, slow=True)
for _p, _P in (("logp", "logP"), ("sa", "SA score"), ("qed", "QED"), ("weight", "molecular weight")):
    METRICS.register(f"{_p}_w1", f"{_MOL}.metrics:MosesReference", f"Wasserstein-1 distance of {_P} to Test (MOSES)", direction=MIN, slow=True)
METRICS.register("guacamol_kl", f"{_MOL}.guacamol:GuacamolMetrics", "GuacaMol KL-divergence score vs 10k train molecules", direction=MAX, slow=True)
METRICS.register("guacamol_fcd", f"{_MOL}.guacamol:GuacamolMetrics", "GuacaMol FCD score exp(-0.2 FCD) vs 10k train molecules", direction=MAX, slow=True)

def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between two Gaussians (shared by FID, FCD and any feature space)."""
    from ganbench.metrics.frechet import frechet_distance as _fd

    return _fd(mu1, sigma1, mu2, sigma2)


__all__ = ["METRICS", "MAX", "MIN", "MetricFamily", "MetricValue", "register_metric", "frechet_distance"]
