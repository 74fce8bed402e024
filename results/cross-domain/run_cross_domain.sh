#!/usr/bin/env bash
# The cross-domain matrix behind results/cross-domain: `ganbench run --suite cross-domain`, split in
# two halves that run side by side on the 2 cores (same tasks, objectives, seeds and budgets as the
# suite, so the closing `--suite` call finds every run recorded and only prints the table).
set -euo pipefail
export OMP_NUM_THREADS=1
R=results/cross-domain
ADV=ns,minimax,hinge,wgan-gp,lsgan,rsgan
ganbench run toy/ring8 toy/grid25 image/digits -o $ADV --budget cross-domain --seeds 0,1,2 \
    --results $R --no-progress --no-table > $R/half_a.log 2>&1 &
ganbench run text/oracle-tiny text/coco molecule/moses-small -o mle,$ADV --budget cross-domain --seeds 0,1,2 \
    --results $R --no-progress --no-table > $R/half_b.log 2>&1 &
wait
ganbench run --suite cross-domain --results $R --no-progress --no-table
bash results/make_reports.sh   # every committed leaderboard, this folder's included
