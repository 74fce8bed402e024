"""Image restoration as image-domain tasks: 4× super-resolution and centre-block inpainting.

Restoration tasks are image tasks (``image/sr4x-<set>``, ``image/inpaint-<set>``) that are also
conditional (:mod:`ganbench.domains.conditional`): a small U-Net restores a degraded test image,
trained on L1 + ``adv_weight`` × an adversarial loss (any registered objective; ``l1`` alone is the
baseline). They reuse the image domain's metrics: FID and KID in the feature space of the
classifier of the data set they restore (the very classifier ``image/<set>`` scores with), and
PSNR/SSIM as the SR field computes them (:mod:`ganbench.domains.conditional.fidelity`), and LPIPS
v0.1 alex (:mod:`.lpips`) when the user supplies torchvision's AlexNet weights file in
``$GANBENCH_LPIPS_BACKBONE`` (ganbench never downloads it; without it nothing is computed under the
name ``lpips``, and a one-line message says how to get it).
"""
