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
# MLE at the task's former default budget (20,000 steps, constant rate), seed 0
ganbench run molecule/moses -o mle --seeds 0 --steps 20000 --tag 20k --results $R --no-progress --no-table

# Each seed's trained generator, kept as a snapshot (weights only) for the runs that start from it:
# save_generators TAG writes results/molecule/molecule-moses__mle__s{0,1,2}__TAG/generator.pt
save_generators() {
  TAG="$1" python - <<'PY'
import os, torch
for s in (0, 1, 2):
    run = f"results/molecule/molecule-moses__mle__s{s}__{os.environ['TAG']}"
    torch.save({"G": torch.load(f"{run}/checkpoint.pt", map_location="cpu", weights_only=True)["G"]}, f"{run}/generator.pt")
PY
}

# --- molecule/moses: the converged CharRNN and the GANs fine-tuned from it --------------------------
# MLE at the task's former default budget: 30,000 steps of 64 SMILES (1.2 epochs), LSTM 256, Adam 1e-3
# with a cosine decay to 0 (the three seeds ran at once on the 2 cores)
for s in 0 1 2; do
  # explicit length and decay: the default budget now trains 384 units (below)
  ganbench run molecule/moses -o mle --seeds $s --steps 30000 --set lr_decay=cosine --tag converged --results $R --no-progress --no-table &
done; wait
save_generators converged
# MLE at the task's default budget since 384 LSTM units replaced 256 there (256 stopped at validity 0.88):
# the same 30,000 cosine-decayed steps (seed 0 was run as --set g_hidden_dim=384 on the former default,
# the same config). Seeds 1-2 were resumed from their checkpoints in the next session.
ganbench run molecule/moses -o mle --seeds 0,1,2 --budget default --tag h384 --results $R --no-progress --no-table
save_generators h384
# SeqGAN and ORGAN fine-tuned from the 256-unit generators: 500 discriminator steps, then 50
# policy-gradient steps (4 rollouts, 5 discriminator updates each). The generator's rate was chosen on
# seed 0 between 1e-3 (the task's MLE rate) and 1e-4 by the train-referenced columns only (validity,
# GuacaMol FCD against 10,000 training molecules), never Test.
FT="--steps 550 --set pretrain_g_steps=0 --set pretrain_d_steps=500 --set rollouts=4"
INIT="--set init_g=$R/molecule-moses__mle__s{seed}__converged/generator.pt"
ganbench run molecule/moses -o seqgan --seeds 0 $FT $INIT --set lr_g=1e-3 --tag ft-lr1e-3 --results $R --no-progress --no-table &
ganbench run molecule/moses -o seqgan --seeds 0 $FT $INIT --set lr_g=1e-4 --tag ft-lr1e-4 --results $R --no-progress --no-table &
wait
LR=1e-4  # the selection's choice (results/molecule/README.md)
ganbench run molecule/moses -o seqgan --seeds 1 $FT $INIT --set lr_g=$LR --tag ft-lr$LR --results $R --no-progress --no-table &
ganbench run molecule/moses -o organ --seeds 0 $FT $INIT --set lr_g=$LR --tag ft-lr$LR --results $R --no-progress --no-table &
wait
# SeqGAN and ORGAN with the same recipe on the 384-unit generators, seeds 0-2
ganbench run molecule/moses -o seqgan,organ --seeds 0,1,2 $FT $INIT384 --set lr_g=$LR --tag ft-h384 --results $R --no-progress --no-table
# not yet run (did not fit the session that made the rows above): organ seeds 1-2, seqgan seed 2
# ganbench run molecule/moses -o seqgan,organ --seeds 0,1,2 $FT $INIT --set lr_g=$LR --tag ft-lr$LR --results $R --no-progress --no-table

# --- molecule/moses-small at its "quick" budget ----------------------------------------------------
# MLE: 300 steps of 64 SMILES (0.4 epochs of the 50k training subset)
ganbench run molecule/moses-small -o mle --steps 300 --seeds 0,1,2 --results $R --no-progress --no-table
# SeqGAN and ORGAN (QED reward, lambda 0.5): the same 300 MLE steps (reused from the mle runs,
# bit-identical), 30 discriminator steps, 20 adversarial steps with 2 rollouts ("quick" = 350 steps)
ganbench run molecule/moses-small -o seqgan,organ --budget quick --seeds 0,1,2 --results $R --no-progress --no-table

bash results/make_reports.sh   # every committed leaderboard, this folder's included
