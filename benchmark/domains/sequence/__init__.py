"""Discrete-sequence GAN machinery shared by the text and molecule domains.

How to reuse it (the SMILES tasks do exactly this):

1. **Vocabulary** (:mod:`.vocab`): ``Vocabulary.build(list_of_token_lists)`` puts pad/start/end/unknown
   at ids 0..3 and the tokens after them; ``encode_batch(sentences, max_len)`` gives a LongTensor
   [N, max_len] (tokens, one end token, padding) and counts unknown and truncated sequences;
   ``decode``/``decode_batch`` stop at the end token.
2. **Task** (:mod:`.task`): subclass ``SequenceTask``; set ``spec`` (``continuous=False``,
   ``defaults={**SEQUENCE_DEFAULTS, ...}``), ``vocab_size``, ``max_len``, ``start_id``, ``eos_id``,
   ``pad_id``, ``forbidden`` (ids the generator may never emit: pad, start, usually unknown), and
   implement ``train_tokens()``, ``decode(ids)`` and ``load_samples(path)``. You get
   ``real_batch``, ``build_models`` (SeqGAN-sized LSTM generator + CNN discriminator from the
   config keys in ``SEQUENCE_DEFAULTS``), ``sample`` and ``save_artifacts`` (samples file and a
   temperature sweep of the metrics named in ``qd_metrics``). Fixed-length data (the SeqGAN
   oracle) sets ``eos_id = None``.
3. **Objectives**: ``mle`` (:mod:`.mle`) and ``seqgan`` (:mod:`.seqgan`) work on any such task.
   For a reward other than the discriminator's, subclass ``SeqGAN`` and override
   ``make_reward(state)``, which returns a callable ``tokens [N, T] LongTensor -> rewards [N]``
   (ORGAN: ``lam * sigmoid(D(tokens)) + (1 - lam) * chemistry(tokens)``); register the subclass
   under its own name. Rollouts, the delayed rollout policy, the MLE/D pre-training phases,
   checkpointing and the shared MLE snapshot (:mod:`.snapshots`) come with it.
4. **Gumbel-softmax relaxation** (:mod:`.relaxation`), on by default for the core objectives (ns,
   minimax, hinge, wgan-gp, lsgan, rsgan): ``G.generate`` returns relaxed one-hot samples and
   ``real_batch`` one-hot vectors, so those losses train the generator directly, after an MLE phase
   of ``pretrain_g_steps`` shared through the MLE snapshots; a task sets its relaxed defaults in
   ``defaults["relaxed"]``. ``--set gumbel=false`` refuses them instead; ``--set
   init_g=PATH/checkpoint.pt`` starts from a finished run's generator.

Pieces: :class:`~.generator.SequenceGenerator` (likelihood, sampling, temperature, Gumbel
relaxation), :class:`~.discriminator.CNNDiscriminator` (SeqGAN's filter sizes),
:func:`~.rollout.rollout_rewards` / :func:`~.rollout.policy_gradient_loss` (REINFORCE with
batched Monte-Carlo rollouts), :func:`~.quality_diversity.temperature_sweep`.
"""

from __future__ import annotations

import importlib

# name -> submodule; imported on first access (PEP 562), so importing a light submodule such as
# ``.vocab``, or the package itself, does not pull torch in with the generator and discriminator
_EXPORTS = {
    "CNNDiscriminator": "discriminator",
    "SequenceGenerator": "generator",
    "sample_categorical": "generator",
    "policy_gradient_loss": "rollout",
    "rollout_completions": "rollout",
    "rollout_rewards": "rollout",
    "SEQUENCE_DEFAULTS": "task",
    "SequenceTask": "task",
    "as_ids": "task",
    "Vocabulary": "vocab",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
