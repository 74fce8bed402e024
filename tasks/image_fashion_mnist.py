"""image/fashion-mnist: Zalando's Fashion-MNIST, 60k train / 10k test 28×28 grey (IDX gzip files).

Files come from the data folder (``--data-dir`` / ``GANBENCH_DATA``: ``fashion-mnist/*.gz``), the
cache, or the official Zalando URLs, checked by SHA-256.

The ``default`` budget, 10,000 generator steps (~10.7 epochs at batch 64), is where the CPU-sized
DCGAN's samples are recognisable garments: on one ns run (seed 0, evaluated every 2,000 steps)
classifier FID fell 436, 275, 210, 175, 151, 133 at 2k...12k steps and recall rose to 0.44; at the
old default of 3,000 steps (FID 346, recall 0.10) the samples were grey blobs
(``results/image/README.md``). ~8 min per ns/hinge/lsgan run and ~42 min per wgan-gp run
(n_dis 5 with a gradient penalty) on one core of the development CPU.
"""

from ganbench.core.data import DataFile
from ganbench.core.task import TaskSpec

from ganbench.domains.image.task import IMAGE_DEFAULTS, IMAGE_METRICS, IMAGE_SMOKE, ImageTask, read_idx_dataset
from ganbench.domains.image.conditional import ConditionalImageTask, conditional_spec

_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FILES = {
    "x_train": DataFile("fashion-mnist/train-images-idx3-ubyte.gz",
                        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7", _URL + "train-images-idx3-ubyte.gz"),
    "y_train": DataFile("fashion-mnist/train-labels-idx1-ubyte.gz",
                        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056", _URL + "train-labels-idx1-ubyte.gz"),
    "x_test": DataFile("fashion-mnist/t10k-images-idx3-ubyte.gz",
                       "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", _URL + "t10k-images-idx3-ubyte.gz"),
    "y_test": DataFile("fashion-mnist/t10k-labels-idx1-ubyte.gz",
                       "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05", _URL + "t10k-labels-idx1-ubyte.gz"),
}


class FashionMNIST(ImageTask):
    shape = (28, 28, 1)
    classifier_epochs = 3
    spec = TaskSpec(
        name="image/fashion-mnist",
        slow_setup=True,  # trains the feature classifier (minutes) before any metric
        version="1",
        summary="Fashion-MNIST 28x28 grey (60k train / 10k test); classifier FID/KID/IS/PR/DC vs the test split",
        sample_kind="images",
        metrics=IMAGE_METRICS,
        main_metric="fid",
        eval_samples=10000,
        data_source="github.com/zalandoresearch/fashion-mnist IDX gzip files (sha256-checked)",
        protocol="FID/KID/IS/PR(k=3)/DC(k=5) in the features of a CNN trained on the train split (seed 0); "
                 "10,000 generated vs the 10,000 test images; KID 100 subsets of 1000, IS 10 splits",
        # "short": the CPU budget of the remedies and class-conditional leaderboards (3,000 steps: ~3 min
        # a run on one core, 30 runs in an afternoon), a protocol of its own beside the default
        budgets={"quick": 300, "short": 3_000, "default": 10_000, "long": 20_000},
        defaults={**IMAGE_DEFAULTS, "g_ch": 32, "d_ch": 32},  # CPU-sized DCGAN; --set g_ch=64 d_ch=64 for the usual width
        smoke=IMAGE_SMOKE,
    )

    def _load(self):
        return read_idx_dataset(self.data, FILES)


class FashionMNISTCond(ConditionalImageTask, FashionMNIST):
    """The class-conditional twin: the same data, classifier and reference split; cBN generator and
    projection discriminator by default (``--set d_cond=acgan|concat|none``, ``g_cond=concat|none``)."""

    spec = conditional_spec(FashionMNIST.spec, "Fashion-MNIST 28x28, class-conditional (G asked for a garment class); intra-FID, classifier accuracy, CAS, FID...")
