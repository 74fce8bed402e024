"""image/digits: scikit-learn's bundled 8×8 handwritten digits (1,797 images, no download).

Pixel values 0..16 are scaled to 0..255 (rounded). A fixed split (seed 0 permutation): 1,297
train / 500 test. The quick suite's image task: small nets, trains in well under a minute.
"""

import numpy as np

from ganbench.core.task import TaskSpec

from ganbench.domains.image.task import IMAGE_DEFAULTS, IMAGE_METRICS, IMAGE_SMOKE, ImageTask
from ganbench.domains.image.conditional import ConditionalImageTask, conditional_spec


class Digits(ImageTask):
    shape = (8, 8, 1)
    classifier_epochs = 15
    spec = TaskSpec(
        name="image/digits",
        version="1",
        summary="scikit-learn 8x8 digits (1,297 train / 500 test, no download); classifier FID/KID/IS/PR/DC",
        sample_kind="images",
        metrics=IMAGE_METRICS,
        main_metric="fid",
        eval_samples=500,
        data_source="sklearn.datasets.load_digits (UCI optical digits test set), 0..16 scaled to 0..255",
        protocol="FID/KID/IS/PR(k=3)/DC(k=5) in the features of a CNN trained on the train split (seed 0); "
                 "500 generated vs the 500 test images; KID 100 subsets of 500",
        budgets={"quick": 400, "default": 3000, "cross-domain": 400},
        defaults={**IMAGE_DEFAULTS, "latent_dim": 32, "g_ch": 32, "d_ch": 32},
        suites=("quick", "cross-domain"),
        smoke=IMAGE_SMOKE,
    )

    def _load(self):
        from sklearn.datasets import load_digits

        d = load_digits()
        x = np.rint(d.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
        y = d.target.astype(np.int64)
        perm = np.random.RandomState(0).permutation(len(x))
        tr, te = perm[:1297], perm[1297:]
        return {"x_train": x[tr], "y_train": y[tr], "x_test": x[te], "y_test": y[te]}


class DigitsCond(ConditionalImageTask, Digits):
    """The class-conditional twin: the same data, classifier and reference split; cBN generator and
    projection discriminator by default (``--set d_cond=acgan|concat|none``, ``g_cond=concat|none``)."""

    spec = conditional_spec(Digits.spec, "scikit-learn 8x8 digits, class-conditional (G asked for a digit); intra-FID, classifier accuracy, CAS, FID...")
