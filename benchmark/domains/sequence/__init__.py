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
4. **Gumbel-softmax path**: ``--set gumbel=true`` makes ``G.generate`` return relaxed one-hot
   samples and ``real_batch`` one-hot vectors, so the core objectives (ns, hinge, wgan-gp, rsgan,
   ...) train the generator directly; ``--set init_g=PATH/checkpoint.pt`` starts from an MLE run.

Pieces: :class:`~.generator.SequenceGenerator` (likelihood, sampling, temperature, Gumbel
relaxation), :class:`~.discriminator.CNNDiscriminator` (SeqGAN's filter sizes),
:func:`~.rollout.rollout_rewards` / :func:`~.rollout.policy_gradient_loss` (REINFORCE with
batched Monte-Carlo rollouts), :func:`~.quality_diversity.temperature_sweep`.
"""

from ganbench.domains.sequence.discriminator import CNNDiscriminator
from ganbench.domains.sequence.generator import SequenceGenerator, sample_categorical
from ganbench.domains.sequence.rollout import policy_gradient_loss, rollout_completions, rollout_rewards
from ganbench.domains.sequence.task import SEQUENCE_DEFAULTS, SequenceTask, as_ids
from ganbench.domains.sequence.vocab import Vocabulary

__all__ = ["CNNDiscriminator", "SequenceGenerator", "sample_categorical", "policy_gradient_loss",
           "rollout_completions", "rollout_rewards", "SEQUENCE_DEFAULTS", "SequenceTask", "as_ids", "Vocabulary"]
