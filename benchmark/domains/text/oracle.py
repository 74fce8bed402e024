"""The SeqGAN synthetic-data oracle: a fixed random LSTM that defines the "true" distribution.

Yu et al. (SeqGAN, AAAI 2017) draw an LSTM's weights from N(0, 1) (vocabulary 5,000, embedding 32,
hidden 32, start token 0) and treat its samples as real data; a model's quality is the oracle's
NLL of the model's samples (NLL-oracle). The weights ship as the npz in ``seqgan-oracle/`` with
SeqGAN's names; their equations (row vectors, ``x @ W``; h0 = c0 = 0; inputs are the embedding of
the previous token, starting from token 0) are those of a standard LSTM with gates i, f, g, o,
so we load them into :class:`~ganbench.domains.sequence.generator.SequenceGenerator` and reuse its fast
sampling and likelihood code. The test suite checks this mapping against a direct NumPy
implementation of the equations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganbench.core.data import DataFile, DataLocator
from ganbench.core.errors import UserError
from ganbench.domains.sequence.generator import SequenceGenerator

ORACLE_FILE = DataFile(
    "seqgan-oracle/oracle_lstm_l20.npz",
    sha256="2edaef8ff81308a670b611856578999aeeab0d1d21b64448c80fbe7d7e6098bf",
    url=None,  # the original is a pickle, which we never load: it is converted once, offline
    hint="the 15 arrays of github.com/LantaoYu/SeqGAN save/target_params.pkl saved with numpy.savez under their "
         "names (embedding, W_input, ..., b_vocab), as github.com/pclucas14/GansFallingShort ships them",
)

NAMES = ("embedding", "W_input", "U_input", "b_input", "W_forget", "U_forget", "b_forget", "W_output_gate",
         "U_output_gate", "b_output_gate", "W_cell", "U_cell", "b_cell", "W_vocab", "b_vocab")


def oracle_from_arrays(arrays, max_len: int = 20, start_id: int = 0) -> SequenceGenerator:
    """A SequenceGenerator computing SeqGAN's oracle equations from its 15 named arrays."""
    missing = [k for k in NAMES if k not in arrays]
    if missing:
        raise UserError(f"oracle file lacks arrays {missing}: expected SeqGAN's target_params names {list(NAMES)}")
    a = {k: torch.as_tensor(np.asarray(arrays[k], dtype=np.float32)) for k in NAMES}
    vocab, emb = a["embedding"].shape
    hidden = a["U_input"].shape[0]
    with torch.random.fork_rng(devices=[]):  # building the oracle must not move the global RNG
        net = SequenceGenerator(vocab, max_len, start_id, emb_dim=emb, hidden_dim=hidden)
    gates = ("input", "forget", "cell", "output_gate")  # torch's order: i, f, g, o
    with torch.no_grad():
        net.embedding.weight.copy_(a["embedding"])
        net.lstm.weight_ih_l0.copy_(torch.cat([a[f"W_{g}"].T for g in gates]))
        net.lstm.weight_hh_l0.copy_(torch.cat([a[f"U_{g}"].T for g in gates]))
        net.lstm.bias_ih_l0.copy_(torch.cat([a[f"b_{g}"] for g in gates]))
        net.lstm.bias_hh_l0.zero_()
        net.out.weight.copy_(a["W_vocab"].T)
        net.out.bias.copy_(a["b_vocab"])
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def load_oracle(path: str | Path | None = None, data_dir: str | Path | None = None, max_len: int = 20) -> SequenceGenerator:
    """The canonical oracle (checksum-verified) or one from an explicit npz path."""
    path = Path(path) if path is not None else DataLocator(data_dir).find(ORACLE_FILE)
    with np.load(path, allow_pickle=False) as z:
        return oracle_from_arrays({k: z[k] for k in z.files}, max_len=max_len)


def random_oracle(seed: int, vocab_size: int = 5000, emb_dim: int = 32, hidden_dim: int = 32,
                  max_len: int = 40) -> SequenceGenerator:
    """A LeakGAN-style oracle: every array drawn from N(0, 1) with a fixed seed."""
    rng = np.random.default_rng(seed)
    shapes = {"embedding": (vocab_size, emb_dim), "W_vocab": (hidden_dim, vocab_size), "b_vocab": (vocab_size,)}
    for g in ("input", "forget", "output_gate", "cell"):
        shapes.update({f"W_{g}": (emb_dim, hidden_dim), f"U_{g}": (hidden_dim, hidden_dim), f"b_{g}": (hidden_dim,)})
    arrays = {k: rng.standard_normal(shapes[k]).astype(np.float32) for k in NAMES}
    return oracle_from_arrays(arrays, max_len=max_len)
