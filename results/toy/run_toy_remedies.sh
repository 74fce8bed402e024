#!/usr/bin/env bash
# The remedy rows of results/toy (issue 25): PacGAN's packing, minibatch std and the unrolled GAN
# at the `default` budget (PacGAN's nets, cosine-decayed Adam 5e-4; ring8 20,000 and grid25 30,000
# steps), the ns loss (PacGAN's), 5 seeds each (PacGAN reports 10 trials). CPU, one torch thread
# per run, one run at a time, in the order the rows were wanted: PacGAN2 on both tasks first, then
# grid25 PacGAN3/4, ring8 PacGAN3/4, minibatch std, unrolled. Run from the repository root;
# README.md in this folder gives the rows, wall times and the comparison with the published ones.
set -euo pipefail
export OMP_NUM_THREADS=1
R=${R:-results/toy}
run() { ganbench run "$@" --budget default --results "$R" --no-progress --no-table; }

run toy/ring8 toy/grid25 -o ns --set pack=2 --seeds 0-4 --tag pacgan2
run toy/grid25 -o ns --set pack=3 --seeds 0-4 --tag pacgan3
run toy/grid25 -o ns --set pack=4 --seeds 0-4 --tag pacgan4
run toy/ring8 -o ns --set pack=3 --seeds 0-4 --tag pacgan3
run toy/ring8 -o ns --set pack=4 --seeds 0-4 --tag pacgan4
run toy/ring8 toy/grid25 -o ns --set mbstd=4 --seeds 0-4 --tag mbstd
run toy/ring8 toy/grid25 -o ns --set unroll=5 --seeds 0-4 --tag unrolled

ganbench report --results "$R" --out "$R/leaderboard.md"
