"""text/coco: COCO image captions as Texygen prepared them (10,000 train, 10,000 test captions).

Protocol (Zhu et al., Texygen, SIGIR 2018): word-level, NLTK-style tokens; BLEU-2..5 of the
generated sentences against all 10,000 test captions (NLTK smoothing method 1, mean of sentence
scores) and Self-BLEU-2..5 among them. Differences from Texygen, on purpose: the vocabulary
comes from the training captions only (Texygen's came from train and test), Self-BLEU never
scores a sentence against itself, and BLEU uses all 10,000 generated sentences, not a sample.
Real captions score BLEU-2..5 of .740/.520/.337/.218 against the test split (train as a model).
"""

from ganbench.core.data import DataFile
from ganbench.domains.sequence.task import SEQUENCE_DEFAULTS
from ganbench.core.task import TaskSpec
from ganbench.domains.text.corpus import FileCorpus

_TEXYGEN = "https://raw.githubusercontent.com/geek-ai/Texygen/master/data/"


class Coco(FileCorpus):
    lowercase = True
    train_file = DataFile("coco-captions/train.txt", "2c0fd1f0f43aac6a9dc3926a535516ccf395de535e15ac1fd17cd569420736f5",
                          _TEXYGEN + "image_coco.txt")
    test_file = DataFile("coco-captions/test.txt", "72e25c9fb4d2cd43182ac602c92f6ffc377762147f9709572943b0b09174bcae",
                         _TEXYGEN + "testdata/test_coco.txt")
    spec = TaskSpec(
        name="text/coco",
        version="1",
        summary="COCO captions, Texygen split (10k train / 10k test); BLEU-2..5, Self-BLEU-2..5, NLL-test",
        sample_kind="tokens",
        metrics=("bleu2", "bleu3", "bleu4", "bleu5", "self_bleu2", "self_bleu3", "self_bleu4", "self_bleu5", "nll_test"),
        main_metric="bleu4",
        eval_samples=10_000,
        data_source="coco-captions/train.txt, test.txt (geek-ai/Texygen data/image_coco.txt, data/testdata/test_coco.txt)",
        protocol="Texygen (Zhu et al. 2018): word tokens, BLEU vs all 10,000 test captions with NLTK method1; "
                 "vocabulary from train only; Self-BLEU excludes the sentence itself",
        budgets={"quick": 300, "default": 3000, "cross-domain": 300},
        # the relaxed adversarial losses: 250 shared MLE steps, then a RelGAN-sized discriminator (4
        # filter widths x 64; SeqGAN's 1,720 filters over one-hot inputs cost ~2.5 s a step on a CPU core)
        defaults={**SEQUENCE_DEFAULTS,
                  "relaxed": {"gumbel": True, "pretrain_g_steps": 250, "d_filter_sizes": [2, 3, 4, 5],
                              "d_num_filters": [64, 64, 64, 64]},
                  "per_objective": {
            "seqgan": {"pretrain_g_steps": 2500, "pretrain_d_steps": 300},
        }},
        smoke={"d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8], "g_emb_dim": 8, "g_hidden_dim": 8,
               "gumbel": True, "batch_size": 8},
        continuous=False,
        suites=("text", "cross-domain"),
    )
