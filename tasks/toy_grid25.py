"""toy/grid25: 25 Gaussians on {-4,-2,0,2,4}², σ = 0.05 (VEEGAN / PacGAN protocol)."""

import numpy as np

from ganbench.core.task import TaskSpec

from ganbench.domains.toy.task import MIXTURE_DEFAULTS, MIXTURE_SMOKE, PAPER_BUDGET_SETTINGS, GaussianMixtureTask


class Grid25(GaussianMixtureTask):
    sigma = 0.05
    spec = TaskSpec(
        name="toy/grid25",
        version="1",
        summary="25 Gaussians on {-4,-2,0,2,4}^2 (sigma 0.05; VEEGAN/PacGAN protocol)",
        sample_kind="points",
        metrics=("modes_covered", "high_quality", "mode_kl"),
        main_metric="modes_covered",
        eval_samples=2500,
        data_source="synthetic: 25 equal-weight N(mu, 0.05^2 I), mu in {-4,-2,0,2,4}^2",
        protocol="VEEGAN (Srivastava et al. 2017) / PacGAN (Lin et al. 2018): 2,500 samples, high quality < 3 sigma",
        # default: PacGAN's nets with a cosine-decayed rate, where the plain GAN (ns) reaches the
        # papers' sample quality on this CPU in minutes (results/toy/README.md); PacGAN itself trains
        # 400,000 steps at Adam 1e-4. quick and cross-domain train the small nets.
        budgets={"quick": 1000, "default": 30_000, "long": 50_000, "cross-domain": 1000},
        budget_settings={"default": PAPER_BUDGET_SETTINGS, "long": PAPER_BUDGET_SETTINGS},
        defaults=MIXTURE_DEFAULTS,
        suites=("quick", "toy", "cross-domain"),
        smoke=MIXTURE_SMOKE,
    )

    @classmethod
    def means(cls) -> np.ndarray:
        xs = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        return np.array([(x, y) for x in xs for y in xs])
