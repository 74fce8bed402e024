"""image/mnist: LeCun's MNIST digits, 60k train / 10k test 28×28 grey, IDX gzip files.

The same four files torchvision's ``MNIST`` downloads (its mirror below), looked up as
``mnist/<file>`` in ``--data-dir`` / ``GANBENCH_DATA`` or the cache, else downloaded when the
network allows. Offline without the files: the error names the folder and URL to use.
Each file is pinned by the MD5 that torchvision's ``MNIST.resources`` publishes (no official SHA-256).
"""

from ganbench.core.data import DataFile
from ganbench.core.task import TaskSpec

from ganbench.domains.image.task import IMAGE_DEFAULTS, IMAGE_METRICS, IMAGE_SMOKE, ImageTask, read_idx_dataset
from ganbench.domains.image.conditional import ConditionalImageTask, conditional_spec

_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
FILES = {k: DataFile(f"mnist/{f}", None, _URL + f, md5=md5) for k, (f, md5) in {
    "x_train": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "y_train": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "x_test": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "y_test": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")}.items()}


class MNIST(ImageTask):
    shape = (28, 28, 1)
    classifier_epochs = 2
    spec = TaskSpec(
        name="image/mnist",
        slow_setup=True,  # trains the feature classifier (minutes) before any metric
        version="1",
        summary="MNIST 28x28 grey (60k train / 10k test); classifier FID/KID/IS/PR/DC vs the test split",
        sample_kind="images",
        metrics=IMAGE_METRICS,
        main_metric="fid",
        eval_samples=10000,
        data_source="yann.lecun.com MNIST IDX gzip files (torchvision's mirror)",
        protocol="FID/KID/IS/PR(k=3)/DC(k=5) in the features of a CNN trained on the train split (seed 0); "
                 "10,000 generated vs the 10,000 test images; KID 100 subsets of 1000, IS 10 splits",
        budgets={"quick": 300, "default": 3000, "long": 20000},
        defaults={**IMAGE_DEFAULTS, "g_ch": 32, "d_ch": 32},
        smoke=IMAGE_SMOKE,
    )

    def _load(self):
        return read_idx_dataset(self.data, FILES)


class MNISTCond(ConditionalImageTask, MNIST):
    """The class-conditional twin: the same data, classifier and reference split; cBN generator and
    projection discriminator by default (``--set d_cond=acgan|concat|none``, ``g_cond=concat|none``)."""

    spec = conditional_spec(MNIST.spec, "MNIST 28x28, class-conditional (G asked for a digit); intra-FID, classifier accuracy, CAS, FID...")
