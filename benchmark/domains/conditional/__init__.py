"""Conditional generation shared by image restoration and video prediction (not a domain).

A conditional task maps an input (a low-resolution or masked image, the first frames of a video)
to an output that has one true answer in the data. It trains as pix2pix does: the generator
minimises ``L1(G(c), y) + adv_weight * adversarial(D(c, G(c)))`` with any registered adversarial
objective's loss, the discriminator tells ``(c, y)`` from ``(c, G(c))``; ``l1`` is the same
generator trained on the reconstruction term alone (``adv_weight`` = 0, the distortion baseline).

:mod:`.task` holds the task side (paired batches, test conditions walked in order, the step),
:mod:`.objective` the step and the ``l1`` objective. The unconditional trainer is untouched: an
adversarial objective asks its task for a step of its own (``Task.adversarial_step``) and only a
conditional task gives one.
"""
