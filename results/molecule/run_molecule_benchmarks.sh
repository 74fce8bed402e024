#!/usr/bin/env bash
# The molecule-domain runs behind results/molecule (CPU, one torch thread per training run; the
# machine that made them had 2 cores shared with other jobs). Run from the repository root with
# GANBENCH_DATA pointing at a folder with moses/{train,test,test_scaffolds}.csv.gz.
set -euo pipefail
export OMP_NUM_THREADS=1
R=results/molecule

# --- molecule/moses: the MOSES protocol (30,000 samples vs the full Test/TestSF) --------------------
# The "Train" reference row: 30,000 random training SMILES (seed 0) scored as a model. The first
# call also builds and caches the reference statistics of Test/TestSF (ChemNet on 352k SMILES).
python - <<'PY'
import random
from ganbench.domains.molecule.moses_data import TRAIN, read_smiles_csv
from ganbench.core.data import DataLocator
smiles = random.Random(0).sample(read_smiles_csv(DataLocator().find(TRAIN)), 30000)
open("/tmp/moses-train30k.smi", "w").write("\n".join(smiles) + "\n")
PY
OMP_NUM_THREADS=2 ganbench eval molecule/moses --samples /tmp/moses-train30k.smi --out $R/train-reference-row.json > /dev/null
# MLE (CharRNN-style teacher forcing, LSTM 256, Adam 1e-3): 1,000 steps of 64 SMILES (0.04 epochs)
ganbench run molecule/moses -o mle --steps 1000 --seeds 0,1,2 --results $R --no-progress --no-table
# SeqGAN and ORGAN (reward 0.5 D + 0.5 QED): the same 1,000 MLE steps (reused from the mle runs,
# bit-identical), 100 discriminator steps, 10 policy-gradient steps with 2 rollouts
ganbench run molecule/moses -o seqgan,organ --steps 1110 --set pretrain_g_steps=1000 --set pretrain_d_steps=100 \
    --set rollouts=2 --seeds 0,1,2 --results $R --no-progress --no-table

# --- molecule/moses-small at its "quick" budget ----------------------------------------------------
# MLE: 300 steps of 64 SMILES (0.4 epochs of the 50k training subset)
ganbench run molecule/moses-small -o mle --steps 300 --seeds 0,1,2 --results $R --no-progress --no-table
# SeqGAN and ORGAN (QED reward, lambda 0.5): the same 300 MLE steps (reused from the mle runs,
# bit-identical), 30 discriminator steps, 20 adversarial steps with 2 rollouts ("quick" = 350 steps)
ganbench run molecule/moses-small -o seqgan,organ --budget quick --seeds 0,1,2 --results $R --no-progress --no-table

ganbench report --results $R --out $R/leaderboard.md
