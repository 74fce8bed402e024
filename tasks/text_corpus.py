"""text/corpus: the text protocol on your own files (one sentence a line, UTF-8).

Point it at a train and a test file with ``--set train_file=PATH --set test_file=PATH`` (for
``ganbench run``) or the environment variables ``GANBENCH_CORPUS_TRAIN``/``GANBENCH_CORPUS_TEST``
(which also serve ``ganbench eval``). Same tokenisation, vocabulary rule and metrics as
text/coco; the files' checksums are stored with every metric, since the task cannot pin them.
"""

import os

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
        if self._paths is None:
            raise DataNotFoundError("text/corpus needs your files: --set train_file=PATH --set test_file=PATH, "
                            "or set GANBENCH_CORPUS_TRAIN and GANBENCH_CORPUS_TEST")
        for p in self._paths:
            if not p.is_file():
                raise UserError(f"text/corpus: {p} does not exist; give a UTF-8 text file, one sentence a line")
        return self._paths
