"""image/cifar10: CIFAR-10, 50k train / 10k test 32×32 RGB.

Read from the official *binary* archive ``cifar-10-binary.tar.gz`` (records of 1 label byte +
3,072 pixel bytes, channel-major), not the Python-pickle version torchvision uses: downloaded
data is never unpickled here. Looked up as ``cifar10/cifar-10-binary.tar.gz`` in ``--data-dir`` /
``GANBENCH_DATA`` or the cache, else downloaded when the network allows. The literature reports
Inception features on CIFAR-10 (``--extractor inception-v3`` with local weights); the default is
the suite's own classifier so that it runs offline. The archive is pinned by the MD5 the CIFAR
home page publishes for the binary version (no official SHA-256).

Budgets (generator steps, batch 64): ``quick`` 300 and ``default`` 5,000 check the protocol end to
end on a CPU; neither trains a CIFAR-10 GAN to a publishable FID. Leaderboard runs belong on a GPU
(``--device cuda``) with ``--budget long`` (50,000 steps; the nets are the usual DCGAN width,
64 channels), evaluated with ``--extractor inception-v3`` for numbers beside the
literature's. For scale: StudioGAN's DCGAN configuration for CIFAR-10 (``src/configs/CIFAR10/DCGAN.yaml``)
trains 200,000 generator steps with 2 discriminator updates each (``--steps 200000 --set n_dis=2``).
``tests/perf/gpu_check.py`` times a 2,000-step CIFAR-10 run on whatever GPU is present, from which
a budget's GPU hours follow.

``--budget sngan`` is SN-GAN's CIFAR-10 protocol for a GPU (Miyato et al. 2018, as Mimicry
reproduces it): the ResNet nets at the published widths (G 256, D 128 channels, 4.2M / 1.1M
parameters; ``ganbench list`` prints them), 128-d noise, 5 D steps per G step, Adam 2e-4 with
β = (0, 0.9) decayed linearly to 0 over 100,000 G steps; train it with ``--objective hinge``
(on ``image/cifar10-cond`` the generator takes cBN and D projection, Miyato & Koyama's cGAN).
"""

import tarfile

import numpy as np

from ganbench.core.data import DataFile
from ganbench.core.task import TaskSpec

from ganbench.domains.image.resnet import SNGAN_SETTINGS
from ganbench.domains.image.task import IMAGE_DEFAULTS, IMAGE_METRICS, IMAGE_SMOKE, ImageTask
from ganbench.domains.image.conditional import ConditionalImageTask, conditional_spec

ARCHIVE = DataFile("cifar10/cifar-10-binary.tar.gz", None, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                   md5="c32a1d4ab5d03f1284b67883e8d87530")


def read_cifar_binary(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    rec = np.frombuffer(blob, dtype=np.uint8).reshape(-1, 1 + 3072)
    return rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), rec[:, 0].astype(np.int64)


class CIFAR10(ImageTask):
    shape = (32, 32, 3)
    classifier_epochs = 5
    spec = TaskSpec(
        name="image/cifar10",
        slow_setup=True,  # trains the feature classifier (minutes) before any metric
        version="1",
        summary="CIFAR-10 32x32 RGB (50k train / 10k test); FID/KID/IS/PR/DC vs the test split",
        sample_kind="images",
        metrics=IMAGE_METRICS,
        main_metric="fid",
        eval_samples=10000,
        data_source="www.cs.toronto.edu/~kriz CIFAR-10 binary version",
        protocol="FID/KID/IS/PR(k=3)/DC(k=5), 10,000 generated vs the 10,000 test images; classifier features by "
                 "default (offline), inception-v3 with local weights as in the literature",
        budgets={"quick": 300, "default": 5000, "long": 50000, "sngan": 100_000},
        budget_settings={"sngan": SNGAN_SETTINGS},
        defaults=IMAGE_DEFAULTS,
        smoke=IMAGE_SMOKE,
    )

    def _load(self):
        parts: dict[str, list] = {"train": [], "test": []}
        with tarfile.open(self.data.find(ARCHIVE), "r:gz") as tar:
            for m in tar.getmembers():
                name = m.name.rsplit("/", 1)[-1]
                split = "train" if name.startswith("data_batch_") else "test" if name == "test_batch.bin" else None
                if split and m.isfile():
                    parts[split].append((name, tar.extractfile(m).read()))
        out = {}
        for split, blobs in parts.items():
            xs, ys = zip(*(read_cifar_binary(b) for _, b in sorted(blobs)))
            out[f"x_{split}"], out[f"y_{split}"] = np.concatenate(xs), np.concatenate(ys)
        return out


class CIFAR10Cond(ConditionalImageTask, CIFAR10):
    """The class-conditional twin: the same data, classifier and reference split; cBN generator and
    projection discriminator by default (``--set d_cond=acgan|concat|none``, ``g_cond=concat|none``)."""

    spec = conditional_spec(CIFAR10.spec, "CIFAR-10 32x32, class-conditional (G asked for a class); intra-FID, classifier accuracy, CAS, FID...")
