"""The text domain: tokenisation, the SeqGAN oracle, synthetic-oracle and corpus tasks.

Task files in ``tasks/text_*.py`` are thin: the oracle (:mod:`.oracle`), oracle-sampled data
(:mod:`.oracle_task`), word-level corpora (:mod:`.corpus`) and the tokenizer (:mod:`.tokenize`)
live here; generators, discriminators and objectives are shared with molecules in
:mod:`ganbench.domains.sequence`; metrics in :mod:`ganbench.domains.text.metrics` and :mod:`ganbench.domains.text.bleu`.
:data:`DOMAIN` declares what the metric registry, the reports and the suites need to know (see
:mod:`ganbench.core.domain`); nothing heavy is imported here.
"""

from ganbench.core.domain import MAX, MIN, CollapseMetric, Domain, Metric
from ganbench.core.protocol import SAMPLE_COUNT, ProtocolVariant

_TEXT = "ganbench.domains.text.metrics"

DOMAIN = Domain(
    name="text",
    summary="token sequences: the SeqGAN oracle and caption corpora (NLL, BLEU, Self-BLEU)",
    metrics=(
        Metric("nll_oracle", f"{_TEXT}:OracleNLL", MIN, "oracle LSTM's NLL per token of generated sequences (SeqGAN)"),
        Metric("nll_test", f"{_TEXT}:TestNLL", MIN, "generator's NLL per token of the held-out test split"),
        *(Metric(f"bleu{n}", f"{_TEXT}:Bleu", MAX, f"mean sentence BLEU-{n} vs the whole test split (NLTK method1)")
          for n in (2, 3, 4, 5)),
        *(Metric(f"self_bleu{n}", f"{_TEXT}:SelfBleu", MIN, f"mean BLEU-{n} of each sample vs the other samples")
          for n in (2, 3, 4, 5)),
    ),
    # Self-BLEU: how alike the samples are to each other (lower is more diverse)
    collapse=(CollapseMetric("self-BLEU-4", MIN, ("self_bleu4",)), CollapseMetric("self-BLEU-2", MIN, ("self_bleu2",))),
    collapse_note="text: Self-BLEU, lower is more diverse",
    # temperature sweeps (Caccia et al.): the diversity side on x, the quality side on y
    qd_pairs=(("nll_test", "nll_oracle"), ("self_bleu5", "bleu5"), ("nll_test", "bleu5")),
    suite_objectives={"quick": ("mle", "seqgan"), "text": ("mle", "seqgan"), "cross-domain": ("mle", "ns", "minimax", "hinge", "wgan-gp", "lsgan", "rsgan")},
    report_rank=2,
    # sampling temperature: the quality-diversity trade-off that Caccia et al. showed reorders
    # language GANs against MLE; BLEU's test split is fixed by the tasks, so no split variant here
    protocol_variants=(
        *SAMPLE_COUNT,
        ProtocolVariant("temperature-0.8", "temperature", {"temperature": 0.8}, "samples drawn at temperature 0.8"),
        ProtocolVariant("temperature-1.2", "temperature", {"temperature": 1.2}, "samples drawn at temperature 1.2"),
    ),
)
