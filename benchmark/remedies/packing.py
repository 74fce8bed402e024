"""PacGAN packing (Lin et al., NeurIPS 2018): D judges ``pack`` = m samples at once.

Real and generated samples are shown to the discriminator in packs of m drawn independently
and laid side by side — the features of m points, the channels of m images — so its input layer
is m times wider and nothing else about it changes (PacGAN's 2-D code widens only the first
maxout layer). A pack is all real or all generated; a batch holds ``batch_size`` packs, i.e.
m × ``batch_size`` samples of each kind, the generator called once per slot of the pack as in
PacGAN's code (so its batch-norm statistics are over ``batch_size`` samples, as there). A pack
of mostly one mode is easy to tell from a real pack, which is how packing penalises mode
collapse. Paper settings: pack=2, 3, 4 on the 2-D mixtures and stacked MNIST.
"""

from __future__ import annotations

from ganbench.core.config import SIZE
from ganbench.core.errors import UserError
from ganbench.nets import build_net
from ganbench.remedies.base import Remedy, pack_batches


class PackedView:
    """A task as a packing discriminator sees it: each real sample is m of the task's samples side
    by side, so a net sizes its input from the view (``point_dim``, ``image_shape``) m-fold wide."""

    def __init__(self, task, m: int):
        self._task, self.m = task, m

    def __getattr__(self, name):
        return getattr(self._task, name)

    @property
    def shape(self):
        h, w, c = self._task.shape
        return (h, w, c * self.m)

    def real_batch(self, batch_size, generator):
        return pack_batches([self._task.real_batch(batch_size, generator) for _ in range(self.m)])


class Packing(Remedy):
    name = "pack"
    summary = "PacGAN: D judges m samples at once, concatenated"
    keys = {"pack": 1}
    paper = "pack=2, 3, 4 (Lin et al. 2018; PacGAN2-4)"
    example = {"pack": 2}
    sample_kinds = ("points", "images")
    conditional = False  # a pack of samples under different labels has no one label to be judged under
    ranges = {"pack": SIZE}

    def __init__(self, cfg):
        super().__init__(cfg)
        self.pack = int(cfg["pack"])

    def check(self, task, objective, cfg):
        super().check(task, objective, cfg)
        if "d_arch" not in cfg:
            raise UserError(f"pack={cfg['pack']} rebuilds the discriminator by its net name, and {task.spec.name} "
                            f"names none (no d_arch): drop --set pack")

    def build(self, task, cfg, G, D):
        return G, build_net(cfg["d_arch"], "discriminator", PackedView(task, self.pack), cfg)
