"""toy/ring8: 8 Gaussians evenly on the unit circle, σ = 0.01 (VEEGAN / PacGAN protocol).

The angles are 2πk/8 for k = 0..7: the classic ``linspace(0, 2π, 8)`` bug puts the first and
last mode on the same point and leaves 7 modes.
"""

import numpy as np

from ganbench.core.task import TaskSpec

from ganbench.domains.toy.task import MIXTURE_DEFAULTS, MIXTURE_SMOKE, PAPER_BUDGET_SETTINGS, GaussianMixtureTask


class Ring8(GaussianMixtureTask):
    radius = 1.0
    sigma = 0.01
    spec = TaskSpec(
        name="toy/ring8",
        version="1",
        summary="8 Gaussians on a circle (radius 1, sigma 0.01; VEEGAN/PacGAN protocol)",
        sample_kind="points",
        metrics=("modes_covered", "high_quality", "mode_kl"),
        main_metric="modes_covered",
        eval_samples=2500,
        data_source="synthetic: 8 equal-weight N(mu_k, 0.01^2 I), mu_k = (cos 2pi k/8, sin 2pi k/8)",
        protocol="VEEGAN (Srivastava et al. 2017) / PacGAN (Lin et al. 2018): 2,500 samples, high quality < 3 sigma",
        # default: PacGAN's nets with a cosine-decayed rate, where the plain GAN (ns) reaches the
        # papers' sample quality on this CPU in minutes (results/toy/README.md); PacGAN itself trains
        # 400,000 steps at Adam 1e-4. quick and cross-domain train the small nets.
        budgets={"quick": 1000, "default": 20_000, "long": 50_000, "cross-domain": 1000},
        budget_settings={"default": PAPER_BUDGET_SETTINGS, "long": PAPER_BUDGET_SETTINGS},
        defaults=MIXTURE_DEFAULTS,
        suites=("quick", "toy", "cross-domain"),
        smoke=MIXTURE_SMOKE,
    )

    @classmethod
    def means(cls) -> np.ndarray:
        angles = 2 * np.pi * np.arange(8) / 8
        return cls.radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
