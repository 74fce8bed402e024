#!/usr/bin/env bash
# The toy runs behind results/toy (CPU, one torch thread per run; 2 cores shared with other jobs).
# Run from the repository root. README.md in this folder gives each row's budget, wall time and
# its gap to the published rows.
set -euo pipefail
export OMP_NUM_THREADS=1
R=results/toy

# The former default budget (5,000 steps, constant Adam 5e-4): 4 losses x 3 seeds (made 2026-11 in
# results/runs, moved here)
ganbench run toy/ring8 toy/grid25 -o ns,minimax,hinge,wgan-gp --steps 5000 --seeds 0,1,2 --results $R --no-progress --no-table

# What the gap to PacGAN's sample quality was made of: ns, seed 0, evaluated every 5,000 steps,
# at a constant rate and with a cosine decay of the rate to 0
ganbench run toy/ring8 -o ns --steps 50000 --set eval_every=5000 --tag 50k --results $R --no-progress --no-table
ganbench run toy/grid25 -o ns --steps 40000 --set eval_every=5000 --tag 40k --results $R --no-progress --no-table
ganbench run toy/ring8 -o ns --steps 20000 --set lr_decay=cosine --set eval_every=5000 --tag 20k-cosine --results $R --no-progress --no-table
ganbench run toy/grid25 -o ns --steps 30000 --set lr_decay=cosine --set eval_every=5000 --tag 30k-cosine --results $R --no-progress --no-table

# The budgets that came of it (ring8 20,000 steps, grid25 30,000, cosine decay), with the small nets
# (3 x 128 G, 2 x 128 D): ns x 5 seeds. These were the `default` budget until PacGAN's nets replaced
# the small ones there (below), hence the explicit length and decay.
ganbench run toy/ring8 -o ns --steps 20000 --set lr_decay=cosine --seeds 0-4 --tag 20k --results $R --no-progress --no-table
ganbench run toy/grid25 -o ns --steps 30000 --set lr_decay=cosine --seeds 0-4 --tag 30k --results $R --no-progress --no-table

# Does a longer cosine budget close grid25's gap? 50,000 steps, cosine, small nets, seeds 0-1
ganbench run toy/grid25 -o ns --steps 50000 --set lr_decay=cosine --seeds 0,1 --tag 50k-cosine --results $R --no-progress --no-table

# Is it the optimiser? PacGAN's Adam (1e-4, beta1 0.8) at the 30,000-step cosine budget, small nets, seed 0
ganbench run toy/grid25 -o ns --steps 30000 --set lr_decay=cosine --set lr_g=1e-4 --set lr_d=1e-4 --set beta1=0.8 \
    --seeds 0 --tag pacgan-adam --results $R --no-progress --no-table

# Or the nets? PacGAN's (G 4 x 400 ReLU+BN, D 3 x 200 maxout-5): they close the gap, so they are now
# what the `default` budget trains (toy/*.py: PAPER_BUDGET_SETTINGS). ns x 5 seeds per task; seeds 0-1
# of grid25 and seed 0 of ring8 were run as --set g_hidden=400 --set g_layers=4 --set d_hidden=200
# --set d_layers=3 on top of the former default, the same config (hash) as this command
ganbench run toy/ring8 toy/grid25 -o ns --budget default --seeds 0-4 --tag pacgan-nets --results $R --no-progress --no-table
# hinge and minimax at the same budget: ring8 hinge seeds 0-4, grid25 hinge and both minimax seeds 0-2
# (wgan-gp, and seeds 3-4 of these, not yet run at this budget)
ganbench run toy/ring8 -o hinge --budget default --seeds 0-4 --tag pacgan-nets --results $R --no-progress --no-table
ganbench run toy/grid25 -o hinge --budget default --seeds 0-2 --tag pacgan-nets --results $R --no-progress --no-table
ganbench run toy/ring8 toy/grid25 -o minimax --budget default --seeds 0-2 --tag pacgan-nets --results $R --no-progress --no-table

bash results/make_reports.sh   # every committed leaderboard, this folder's included
