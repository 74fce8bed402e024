#!/usr/bin/env bash
# The text-domain runs behind results/text (CPU, one torch thread; see README.md here for the
# schedules and why they are shorter than the published ones).
set -euo pipefail
export OMP_NUM_THREADS=1
R=results/text
# SeqGAN synthetic oracle: MLE 3,000 steps (19 epochs of 10,000 samples, batch 64)
ganbench run text/oracle-l20 -o mle --steps 3000 --seeds 0,1,2 --results $R --no-progress --no-table
# MLE at the SeqGAN paper's pre-training length (120 epochs = 18,750 steps), NLL-oracle every 12 epochs, seed 0
ganbench run text/oracle-l20 -o mle --steps 18750 --seeds 0 --set eval_every=1875 --tag 120ep --results $R --no-progress --no-table
# SeqGAN: the same 3,000 MLE steps (reused from the mle runs, bit-identical), 300 D steps, 15 adversarial steps
ganbench run text/oracle-l20 -o seqgan --steps 3315 --set pretrain_g_steps=3000 --set pretrain_d_steps=300 \
    --seeds 0,1,2 --results $R --no-progress --no-table
# COCO captions: MLE 1,500 steps (9.6 epochs of 10,000 captions)
ganbench run text/coco -o mle --steps 1500 --seeds 0,1,2 --results $R --no-progress --no-table
# Gumbel-softmax GAN (RelGAN-style relaxation, RSGAN loss, Adam 1e-4) from each seed's MLE generator
# ({seed} in init_g is the run's own seed, so the three seeds share one config and one table row)
# (made before the relaxation was a default: no MLE pre-training phase, SeqGAN's discriminator)
ganbench run text/coco -o rsgan --steps 150 --seeds 0,1,2 --set gumbel=true --set lr_g=1e-4 --set lr_d=1e-4 \
    --set beta1=0.9 --set "init_g=$R/text-coco__mle__s{seed}/checkpoint.pt" --set pretrain_g_steps=0 \
    --set "d_filter_sizes=[1,2,3,4,5,6,7,8,9,10,15,20]" \
    --set "d_num_filters=[100,200,200,200,200,100,100,100,100,100,160,160]" --results $R --no-progress --no-table
# SeqGAN on COCO: 1,500 MLE steps (reused), 100 D steps, 10 adversarial steps with 4 rollouts
ganbench run text/coco -o seqgan --steps 1610 --set pretrain_g_steps=1500 --set pretrain_d_steps=100 \
    --set rollouts=4 --seeds 0,1,2 --results $R --no-progress --no-table
bash results/make_reports.sh   # every committed leaderboard, this folder's included
