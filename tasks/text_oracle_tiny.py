"""text/oracle-tiny: a seconds-scale oracle benchmark for the quick suite and CI (no data files).

The SeqGAN protocol shrunk: a seeded random LSTM oracle (all weights N(0, 1), as LeakGAN draws
its length-40 oracle) with vocabulary 200, embedding and hidden 16, sequences of 10 tokens;
2,000 training and 2,000 fresh test samples. Same metrics as text/oracle-l20.
"""

from ganbench.domains.sequence.task import SEQUENCE_DEFAULTS
from ganbench.core.task import TaskSpec
from ganbench.domains.text.oracle import random_oracle
from ganbench.domains.text.oracle_task import OracleTask


class OracleTiny(OracleTask):
    n_train = 2_000
    n_test = 2_000
    spec = TaskSpec(
        name="text/oracle-tiny",
        version="1",
        summary="tiny synthetic oracle (random LSTM, V=200, length 10) for quick checks; NLL-oracle and NLL-test",
        sample_kind="tokens",
        metrics=("nll_oracle", "nll_test"),
        main_metric="nll_oracle",
        eval_samples=2_000,
        data_source="synthetic: random_oracle(seed=7, V=200, emb=16, hidden=16, length=10); "
                    "2,000 train samples seed 2017, 2,000 test samples seed 2018",
        protocol="SeqGAN synthetic-data protocol at toy scale (smaller nets: G 16/16, D filters 1..5)",
        budgets={"quick": 200, "default": 600, "cross-domain": 600},
        defaults={**SEQUENCE_DEFAULTS, "g_emb_dim": 16, "g_hidden_dim": 16, "d_emb_dim": 16,
                  "d_filter_sizes": [1, 2, 3, 4, 5], "d_num_filters": [16, 16, 16, 16, 16],
                  # the relaxed adversarial losses pre-train as SeqGAN does here: one shared MLE phase
                  "relaxed": {"gumbel": True, "pretrain_g_steps": 150},
                  "per_objective": {"seqgan": {"pretrain_g_steps": 150, "pretrain_d_steps": 20, "rollouts": 4}}},
        smoke={"d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8], "gumbel": True, "batch_size": 8},
        continuous=False,
        suites=("quick", "text", "cross-domain"),
    )

    def build_oracle(self):
        return random_oracle(seed=7, vocab_size=200, emb_dim=16, hidden_dim=16, max_len=10)
