"""The classic GAN losses on raw discriminator outputs (logits or critic values).

minimax/ns follow Goodfellow et al. 2014: L_D = −E log D(x) − E log(1 − D(G(z))); minimax's
generator minimises E log(1 − D(G(z))), ns's minimises −E log D(G(z)). Written with softplus,
the numerically stable form of log σ. hinge: Lim & Ye 2017 / Miyato et al. 2018. wgan-gp:
Gulrajani et al. 2017 (n_critic 5, λ 10, Adam 1e-4, β=(0.5, 0.9)). lsgan: Mao et al. 2017
(a=0, b=1, c=1). rsgan: Jolicoeur-Martineau 2019, the relativistic standard GAN.
"""

from __future__ import annotations

import torch.nn.functional as F

from ganbench.objectives.base import AdversarialObjective


class Minimax(AdversarialObjective):
    name = "minimax"
    summary = "original saturating GAN: G minimises E log(1 - D(G(z)))"

    def d_loss(self, r, f):
        return F.softplus(-r).mean() + F.softplus(f).mean()

    def g_loss(self, f, r=None):
        return -F.softplus(f).mean()  # log(1 - sigmoid(f)) = -softplus(f)


class NonSaturating(Minimax):
    name = "ns"
    summary = "non-saturating GAN: G minimises -E log D(G(z))"

    def g_loss(self, f, r=None):
        return F.softplus(-f).mean()


class Hinge(AdversarialObjective):
    name = "hinge"
    summary = "hinge loss: D max(0,1-D(x)) + max(0,1+D(G(z))), G -D(G(z))"

    def d_loss(self, r, f):
        return F.relu(1 - r).mean() + F.relu(1 + f).mean()

    def g_loss(self, f, r=None):
        return -f.mean()


class WGANGP(AdversarialObjective):
    name = "wgan-gp"
    summary = "Wasserstein critic with gradient penalty (n_dis 5, lambda 10)"
    defaults = {**AdversarialObjective.defaults, "gp_weight": 10.0, "n_dis": 5, "lr_g": 1e-4, "lr_d": 1e-4,
                "beta1": 0.5, "beta2": 0.9}

    def d_loss(self, r, f):
        return f.mean() - r.mean()

    def g_loss(self, f, r=None):
        return -f.mean()


class LSGAN(AdversarialObjective):
    name = "lsgan"
    summary = "least squares GAN (a=0, b=c=1)"

    def d_loss(self, r, f):
        return 0.5 * ((r - 1).pow(2).mean() + f.pow(2).mean())

    def g_loss(self, f, r=None):
        return 0.5 * (f - 1).pow(2).mean()


class RSGAN(AdversarialObjective):
    name = "rsgan"
    summary = "relativistic standard GAN: D(x) - D(G(z)) through the logistic loss"
    g_needs_real = True

    def d_loss(self, r, f):
        return F.softplus(-(r - f)).mean()

    def g_loss(self, f, r=None):
        return F.softplus(-(f - r)).mean()
