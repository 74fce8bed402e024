"""ORGAN (Guimaraes et al. 2017): SeqGAN whose reward mixes the discriminator with chemistry.

reward(x) = λ · D(x) + (1 − λ) · R(x), with D the discriminator's probability that the SMILES
is real and R one of ORGAN's objectives, each in [0, 1] and 0 for an invalid SMILES:

* ``validity``: 1 if RDKit parses and sanitizes it;
* ``qed``: RDKit's QED ("druglikeness");
* ``logp``: Crippen logP mapped to [0, 1] with ORGAN/MolGAN's bounds (−2.12, 6.04), clipped;
* ``sa``: synthesizability, (10 − SA) / 9 with SA from RDKit Contrib's sascorer.

λ = ``organ_lambda`` (ORGAN's experiments: 0.5), objective = ``organ_objective``. Everything
else — MLE pre-training, rollouts, the discriminator — is the shared SeqGAN machinery
(:mod:`ganbench.domains.sequence.seqgan`). Rollouts score tens of thousands of completions per
generator update, many of them repeated, so R is memoised per SMILES string.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, ClassVar, Mapping

import torch

from ganbench.core.errors import UserError
from ganbench.domains.sequence.seqgan import SeqGAN

LOGP_LOW, LOGP_HIGH = -2.12178879609, 6.0429063424  # ORGAN / MolGAN normalisation of logP
OBJECTIVES = ("validity", "qed", "logp", "sa")


def chemistry_score(smiles: str, objective: str) -> float:
    """ORGAN's reward R for one SMILES string, in [0, 1] (0 when invalid)."""
    from ganbench.domains.molecule.molecules import get_mol, quiet_rdkit
    from ganbench.domains.molecule.properties import logp, qed, sa_score

    quiet_rdkit()
    mol = get_mol(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return 0.0
    if objective == "validity":
        return 1.0
    if objective == "qed":
        return qed(mol)
    if objective == "logp":
        return min(max((logp(mol) - LOGP_LOW) / (LOGP_HIGH - LOGP_LOW), 0.0), 1.0)
    if objective == "sa":
        return min(max((10.0 - sa_score(mol)) / 9.0, 0.0), 1.0)
    raise ValueError(f"unknown ORGAN objective {objective!r}")


class ChemistryReward:
    """R over token batches: decode, score each distinct SMILES once (bounded memo)."""

    def __init__(self, decode: Callable[[torch.Tensor], list[str]], objective: str, memo: int = 200_000):
        self.decode, self.objective, self.memo_size = decode, objective, memo
        self.memo: OrderedDict[str, float] = OrderedDict()

    def __call__(self, tokens: torch.Tensor) -> torch.Tensor:
        """Rewards [N] on the device of ``tokens`` (scored on the host: RDKit is CPU code)."""
        smiles = self.decode(tokens)
        out = []
        for s in smiles:
            v = self.memo.get(s)
            if v is None:
                v = chemistry_score(s, self.objective)
                self.memo[s] = v
                if len(self.memo) > self.memo_size:
                    self.memo.popitem(last=False)
            out.append(v)
        return torch.tensor(out, dtype=torch.float32, device=tokens.device)


class ORGAN(SeqGAN):
    name = "organ"
    summary = "ORGAN: SeqGAN with reward lambda*D + (1-lambda)*chemistry (validity, QED, logP or SA)"
    defaults: ClassVar[Mapping[str, Any]] = {**SeqGAN.defaults, "organ_lambda": 0.5, "organ_objective": "qed"}

    def check(self, task, cfg) -> None:
        super().check(task, cfg)
        if not hasattr(task, "decode") or task.spec.sample_kind != "smiles":
            raise UserError(f"organ rewards chemistry and needs a molecule task; {task.spec.name} generates "
                            f"{task.spec.sample_kind}: use seqgan there")
        if cfg["organ_objective"] not in OBJECTIVES:
            raise UserError(f"organ_objective must be one of {', '.join(OBJECTIVES)}, got {cfg['organ_objective']!r}")
        if not 0.0 <= float(cfg["organ_lambda"]) <= 1.0:
            raise UserError(f"organ_lambda must lie in [0, 1], got {cfg['organ_lambda']}")

    def make_reward(self, state) -> Callable[[torch.Tensor], torch.Tensor]:
        lam = float(state.cfg["organ_lambda"])
        chem = self._chemistry(state)
        discriminator = super().make_reward(state)

        def reward(tokens: torch.Tensor) -> torch.Tensor:
            parts = []
            if lam > 0:
                parts.append(lam * discriminator(tokens).float())
            if lam < 1:
                parts.append((1.0 - lam) * chem(tokens))
            return sum(parts)

        return reward

    def _chemistry(self, state) -> ChemistryReward:
        key = (id(state), state.cfg["organ_objective"])
        if getattr(self, "_chem_key", None) != key:
            task = state.task
            self._chem = ChemistryReward(lambda t: list(task.decode(t)), state.cfg["organ_objective"])
            self._chem_key = key
        return self._chem
