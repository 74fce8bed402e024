"""text/corpus: the text protocol on your own files (one sentence a line, UTF-8).

Point it at a train and a test file with ``--set train_file=PATH --set test_file=PATH`` (for
``ganbench run``) or the environment variables ``GANBENCH_CORPUS_TRAIN``/``GANBENCH_CORPUS_TEST``
(which also serve ``ganbench eval``). Same tokenisation, vocabulary rule and metrics as
text/coco. The task cannot pin a user's files, so their SHA-256 checksums are part of each run's
identity (:meth:`Corpus.data_identity`): they go into the config hash and the record's ``data``,
and a run on changed files is a new run (the runner asks for ``--tag`` rather than reuse or
overwrite the record made from the old files; an interrupted run's checkpoint is not resumed).
"""

import os

from ganbench.core.data import sha256_of
from ganbench.core.errors import DataNotFoundError, UserError
from ganbench.domains.sequence.task import SEQUENCE_DEFAULTS
from ganbench.core.task import TaskSpec
from ganbench.domains.text.corpus import TextCorpusTask, configured_files


class Corpus(TextCorpusTask):
    spec = TaskSpec(
        name="text/corpus",
        version="1",
        summary="your own text files (train_file/test_file, one sentence a line); BLEU, Self-BLEU, NLL-test",
        sample_kind="tokens",
        metrics=("bleu2", "bleu3", "bleu4", "bleu5", "self_bleu2", "self_bleu3", "self_bleu4", "self_bleu5", "nll_test"),
        main_metric="bleu4",
        eval_samples=10_000,
        data_source="user files: config train_file/test_file or $GANBENCH_CORPUS_TRAIN/$GANBENCH_CORPUS_TEST",
        protocol="text/coco's protocol (Texygen BLEU with NLTK method1, vocabulary from train) on the user's split",
        budgets={"quick": 300, "default": 3000},
        defaults={**SEQUENCE_DEFAULTS, "train_file": "", "test_file": "",
                  "relaxed": {"gumbel": True, "pretrain_g_steps": 2500},  # SeqGAN's MLE phase, shared with it
                  "per_objective": {"seqgan": {"pretrain_g_steps": 2500, "pretrain_d_steps": 300}}},
        smoke={"d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8], "g_emb_dim": 8, "g_hidden_dim": 8,
               "gumbel": True, "batch_size": 8},
        continuous=False,
        suites=(),
    )

    _paths = None

    def build_models(self, cfg):
        paths = configured_files(cfg, os.environ)
        if paths is not None:
            self._paths = paths
        return super().build_models(cfg)

    def files(self):
        if self._paths is None:
            self._paths = configured_files(None, os.environ)
        return _checked(self._paths)

    def data_identity(self, config):
        """``{"train": sha256, "test": sha256}`` of the files a run under ``config`` reads."""
        train, test = _checked(configured_files(config, os.environ))
        return {"train": sha256_of(train), "test": sha256_of(test)}


def _checked(paths):
    """``paths`` if both are readable files; else the one-line error that says what to give."""
    if paths is None:
        raise DataNotFoundError("text/corpus needs your files: --set train_file=PATH --set test_file=PATH, "
                                "or set GANBENCH_CORPUS_TRAIN and GANBENCH_CORPUS_TEST")
    for p in paths:
        if not p.is_file():
            what = "is not a file" if p.exists() else "does not exist"
            raise UserError(f"text/corpus: {p} {what}; give a UTF-8 text file, one sentence a line")
    return paths
