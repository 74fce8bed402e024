"""The objective registry: name -> objective class (lazy import), one line each."""

from ganbench.core.registry import Registry
from ganbench.objectives.base import AdversarialObjective, Objective

OBJECTIVES = Registry("objective", group="ganbench.objectives", base="ganbench.objectives.base:Objective")

_ADV = "ganbench.objectives.adversarial"
OBJECTIVES.register("minimax", f"{_ADV}:Minimax", "original saturating GAN: G minimises E log(1 - D(G(z)))")
OBJECTIVES.register("ns", f"{_ADV}:NonSaturating", "non-saturating GAN: G minimises -E log D(G(z))")
OBJECTIVES.register("hinge", f"{_ADV}:Hinge", "hinge loss (SN-GAN / BigGAN)")
OBJECTIVES.register("wgan-gp", f"{_ADV}:WGANGP", "Wasserstein critic with gradient penalty (n_dis 5, lambda 10)")
OBJECTIVES.register("lsgan", f"{_ADV}:LSGAN", "least squares GAN (a=0, b=c=1)")
OBJECTIVES.register("rsgan", f"{_ADV}:RSGAN", "relativistic standard GAN")

OBJECTIVES.register("mle", "ganbench.domains.sequence.mle:MLE", "maximum likelihood (teacher forcing), the sequence baseline")
OBJECTIVES.register("seqgan", "ganbench.domains.sequence.seqgan:SeqGAN", "SeqGAN: MLE pre-training, REINFORCE with Monte-Carlo rollouts, CNN discriminator")
OBJECTIVES.register("organ", "ganbench.domains.molecule.organ:ORGAN", "ORGAN: SeqGAN rewarded by lambda*D + (1-lambda)*chemistry (QED, logP, SA or validity)")
OBJECTIVES.register("l1", "ganbench.domains.conditional.objective:L1Baseline", "conditional tasks' non-adversarial baseline: L1 reconstruction only (adv_weight = 0)")

def build_objective(name: str) -> Objective:
    cls = OBJECTIVES.get(name)
    obj = cls()
    if getattr(obj, "name", None) != name:
        raise ValueError(f"objective class {cls.__name__} says its name is {obj.name!r}, registered as {name!r}")
    return obj


__all__ = ["OBJECTIVES", "Objective", "AdversarialObjective", "build_objective"]
