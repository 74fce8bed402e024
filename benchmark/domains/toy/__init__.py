"""The toy domain: 2-D Gaussian mixtures (ring8, grid25) and their mode-coverage metrics (VEEGAN/PacGAN).

:data:`DOMAIN` declares what the metric registry, the reports and the suites need to know about it
(see :mod:`ganbench.core.domain`); nothing heavy is imported here.
"""

from ganbench.core.domain import MAX, MIN, CollapseMetric, Domain, Metric
from ganbench.core.protocol import SAMPLE_COUNT

_MODES = "ganbench.domains.toy.metrics:MixtureModeMetrics"

DOMAIN = Domain(
    name="toy",
    summary="2-D Gaussian mixtures: mode coverage and sample quality (VEEGAN/PacGAN protocol)",
    metrics=(
        Metric("modes_covered", _MODES, MAX, "modes with at least one high-quality sample (VEEGAN/PacGAN protocol)"),
        Metric("high_quality", _MODES, MAX, "% of samples within 3 sigma of their nearest mode"),
        Metric("mode_kl", _MODES, MIN, "KL(mode histogram of high-quality samples || uniform), PacGAN's rev-KL"),
    ),
    # modes covered out of the task's number of modes, so ring8 and grid25 share one scale
    collapse=(CollapseMetric("modes covered (fraction)", MAX, ("modes_covered",), per="n_modes"),),
    collapse_note="toy: fraction of modes covered",
    suite_objectives={"quick": ("ns", "hinge"), "toy": ("ns", "wgan-gp", "hinge"), "cross-domain": ("ns", "minimax", "hinge", "wgan-gp", "lsgan", "rsgan")},
    report_rank=1,
    # the modes are the reference (no split to vary): only the sample count is a protocol choice
    protocol_variants=SAMPLE_COUNT,
)
