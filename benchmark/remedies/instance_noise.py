"""Instance noise (Sønderby et al., ICLR 2017; Arjovsky & Bottou, ICLR 2017): Gaussian noise on every
sample D sees, real and generated alike, annealed to zero.

Where the data and the model's samples lie on thin, disjoint manifolds an optimal D separates them
perfectly and gives G no useful gradient; blurring both with the same noise makes their supports
overlap. The noise's standard deviation falls linearly from ``instance_noise`` = σ₀ at the first
step to 0 at the last (a pure function of the step, so a resumed run adds the same noise), so the
model is judged on clean samples at the end. σ₀ is in the samples' own units (points: the plane's;
images: the [−1, 1] pixel range). Points and images.
"""

from __future__ import annotations

from ganbench.core.config import WEIGHT
from ganbench.core.device import randn
from ganbench.remedies.base import Remedy


def noise_level(sigma0: float, step: int, steps: int) -> float:
    return sigma0 * max(0.0, 1.0 - step / max(1, steps))


class InstanceNoise(Remedy):
    name = "instance-noise"
    summary = "Gaussian noise on every sample D sees, real and generated alike, annealed linearly to 0"
    keys = {"instance_noise": 0.0}
    paper = "instance_noise=0.1-2 (Sønderby et al. 2017 anneal sigma to 0; the scale is the data's)"
    example = {"instance_noise": 0.1}
    sample_kinds = ("points", "images")
    ranges = {"instance_noise": WEIGHT}

    def transform(self, x, state):
        sigma = noise_level(float(self.cfg["instance_noise"]), state.step, int(self.cfg["steps"]))
        if sigma == 0.0:
            return x
        return x + sigma * randn(tuple(x.shape), generator=state.rng, device=x.device, dtype=x.dtype)
