"""text/oracle-l20: SeqGAN's synthetic benchmark with the canonical fixed oracle (length 20).

Yu et al. 2017 (SeqGAN) section 4: an LSTM with N(0, 1) weights, vocabulary 5,000, embedding and
hidden 32, start token 0, sequences of 20 tokens. 10,000 oracle samples are the training data
(fixed seed), a separate fresh 10,000 the test set; models are scored by the oracle's NLL of
10,000 of their samples (published: random 10.310, MLE 9.038, SeqGAN 8.736) and by their own NLL
of the test set. Floor: the oracle's entropy rate, about 5.75 nats per token.
"""

from ganbench.domains.sequence.task import SEQUENCE_DEFAULTS
from ganbench.core.task import TaskSpec
from ganbench.domains.text.oracle import ORACLE_FILE, load_oracle
from ganbench.domains.text.oracle_task import OracleTask


class OracleL20(OracleTask):
    spec = TaskSpec(
        name="text/oracle-l20",
        version="1",
        summary="SeqGAN synthetic data: the fixed oracle LSTM (V=5000, length 20); NLL-oracle and NLL-test",
        sample_kind="tokens",
        metrics=("nll_oracle", "nll_test"),
        main_metric="nll_oracle",
        eval_samples=10_000,
        data_source="seqgan-oracle/oracle_lstm_l20.npz (LantaoYu/SeqGAN save/target_params.pkl); "
                    "10,000 train samples seed 2017, 10,000 test samples seed 2018",
        protocol="SeqGAN (Yu et al. 2017): LSTM 32/32, batch 64, MLE Adam 0.01, CNN discriminator, "
                 "16 rollouts; NLL-oracle on 10,000 generated sequences",
        # SeqGAN's schedule is 120 MLE epochs (18,750 steps of 64) then 200 adversarial batches:
        # hours of CPU. "default" is a stated shorter schedule; "published" is the paper's.
        budgets={"quick": 300, "default": 3000, "published": 18_950},
        defaults={**SEQUENCE_DEFAULTS, "relaxed": {"gumbel": True, "pretrain_g_steps": 2500},  # SeqGAN's MLE phase
                  "per_objective": {
            "seqgan": {"pretrain_g_steps": 2500, "pretrain_d_steps": 300},
        }},
        smoke={"d_emb_dim": 8, "d_filter_sizes": [2, 3], "d_num_filters": [8, 8], "gumbel": True, "batch_size": 8},
        continuous=False,
        suites=("text",),
    )

    def build_oracle(self):
        return load_oracle(self.data.find(ORACLE_FILE))
