"""Consistency regularisation (Zhang et al., ICLR 2020) and its balanced form bCR (Zhao et al., AAAI 2021).

D should score an image and a semantics-preserving transformation of it alike: CR adds
λ_real·E‖D(x) − D(T(x))‖² over real images to D's loss; bCR adds the same over generated images,
λ_fake·E‖D(G(z)) − D(T(G(z)))‖², so D is not pushed to judge augmented fakes as real. T is the
papers' random horizontal flip (probability ½) and a shift by up to ⅛ of the image size (zeros
moved in), drawn per image. Unlike DiffAugment, D's main loss still reads the un-augmented images.
Paper settings: ``cr_weight=10`` (CR), ``cr_weight=10, bcr_weight=10`` (bCR). Images only.
"""

from __future__ import annotations

import torch

from ganbench.core.config import WEIGHT
from ganbench.core.device import rand
from ganbench.remedies.base import Remedy
from ganbench.remedies.diffaugment import translation


def flip_and_shift(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    flip = rand((x.shape[0], 1, 1, 1), generator=rng, device=x.device) < 0.5
    return translation(torch.where(flip, x.flip(3), x), rng)


def consistency(critic, inputs, out: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """E‖D(x) − D(T(x))‖² over the batch, ``out`` = D(x) already computed."""
    return (out - inputs.with_x(flip_and_shift(inputs.x, rng)).score(critic)).pow(2).mean()


class Consistency(Remedy):
    name = "cr"
    summary = "consistency regularisation: D(x) close to D(flip/shift x), on real (CR) and generated (bCR) images"
    keys = {"cr_weight": 0.0, "bcr_weight": 0.0}
    paper = "cr_weight=10 (CR, Zhang et al. 2020); with bcr_weight=10 (bCR, Zhao et al. 2021)"
    example = {"cr_weight": 10.0, "bcr_weight": 10.0}
    sample_kinds = ("images",)
    ranges = {"cr_weight": WEIGHT, "bcr_weight": WEIGHT}

    def d_term(self, state, critic, real, fake, out_real, out_fake, lookahead=False):
        total = None
        for weight, inputs, out in ((float(self.cfg["cr_weight"]), real, out_real),
                                    (float(self.cfg["bcr_weight"]), fake, out_fake)):
            if weight > 0:
                term = weight * consistency(critic, inputs, out, state.rng)
                total = term if total is None else total + term
        return total
