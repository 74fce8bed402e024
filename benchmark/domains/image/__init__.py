"""The image domain: the image task base class, DCGAN nets, feature extractors (Inception-v3, the
task's own classifier), FID/KID/IS/PR/DC and image files in and out.

:data:`DOMAIN` declares what the metric registry, the reports and the suites need to know about it
(see :mod:`ganbench.core.domain`); nothing heavy is imported here.
"""

from ganbench.core.domain import MAX, MIN, CollapseMetric, Domain, Metric
from ganbench.core.protocol import SAMPLE_COUNT, ProtocolVariant

_IMG = "ganbench.domains.image.metrics:ImageMetrics"  # one feature pass for all
_FIDELITY = "ganbench.domains.conditional.fidelity:FidelityMetrics"  # restoration (and video prediction): output i vs truth i
_LPIPS = "ganbench.domains.image.restoration.lpips:LPIPSMetric"  # restoration: only with the user's AlexNet file
_COND = "ganbench.domains.image.conditional_metrics:ConditionalImageMetrics"  # labelled samples

DOMAIN = Domain(
    name="image",
    summary="images: FID, KID, IS, precision/recall and density/coverage on one feature pass",
    metrics=(
        Metric("fid", _IMG, MIN, "Frechet distance of Gaussians fitted to features of generated vs reference images"),
        Metric("kid", _IMG, MIN, "kernel distance: unbiased MMD^2, cubic polynomial kernel, mean over subsets"),
        Metric("is", _IMG, MAX, "inception score exp E KL(p(y|x) || p(y)) over 10 splits"),
        Metric("precision", _IMG, MAX, "share of generated samples inside the real k-NN manifold (k=3)"),
        Metric("recall", _IMG, MAX, "share of real samples inside the generated k-NN manifold (k=3)"),
        Metric("density", _IMG, MAX, "mean count of real k-NN balls containing a generated sample / k (k=5)"),
        Metric("coverage", _IMG, MAX, "share of real k-NN balls containing a generated sample (k=5)"),
        Metric("psnr", _FIDELITY, MAX, "PSNR (dB) of each restored image or predicted frame vs its truth (BasicSR: Y of RGB, border cut)"),
        Metric("ssim", _FIDELITY, MAX, "SSIM (11x11 Gaussian, sigma 1.5) of each restored image or predicted frame vs its truth (BasicSR)"),
        Metric("lpips", _LPIPS, MIN, "LPIPS v0.1 alex of each restored image vs its truth; only with GANBENCH_LPIPS_BACKBONE (AlexNet weights)"),
        Metric("intra_fid", _COND, MIN, "class-conditional: mean over classes of the FID between generated and real images of the class"),
        Metric("class_accuracy", _COND, MAX, "class-conditional: the domain classifier's accuracy on the labels the generator was asked for"),
        Metric("cas", _COND, MAX, "class-conditional: Classification Accuracy Score, a classifier trained on generated images, tested on real",
               {"slow": True}),
    ),
    # how much of the real distribution the generated one reaches
    collapse=(CollapseMetric("recall", MAX, ("recall",)), CollapseMetric("coverage", MAX, ("coverage",))),
    collapse_note="images: recall, coverage",
    tradeoffs=(("psnr", "fid"),),  # restoration: distortion against perception, over methods and adv_weight
    suite_objectives={"quick": ("ns", "hinge"), "cross-domain": ("ns", "minimax", "hinge", "wgan-gp", "lsgan", "rsgan")},
    report_rank=4,  # after molecules in the stability table, where the committed leaderboards have it
    # the feature space is the knob dgm-eval showed reorders image generators; the pretrained
    # extractors run only where their weights are on disk, and only when asked (--variants
    # extractor): on a CPU a ViT-B/14 pass over the samples costs minutes, not seconds
    protocol_variants=(
        *SAMPLE_COUNT,
        ProtocolVariant("reference-train", "reference", {"reference_split": "train"},
                        "the train split as the reference set (the tasks' default is test)"),
        ProtocolVariant("extractor-inception-v3", "extractor", {"extractor": "inception-v3"},
                        "Inception-v3 pool3 features (torch-fidelity), the FID of the literature", default=False,
                        available="ganbench.domains.image.protocol:inception_missing"),
        ProtocolVariant("extractor-dinov2", "extractor", {"extractor": "dinov2-vitb14"},
                        "DINOv2 ViT-B/14 class-token features (dgm-eval, torch-fidelity 0.4)", default=False,
                        available="ganbench.domains.image.protocol:dinov2_missing"),
    ),
)
