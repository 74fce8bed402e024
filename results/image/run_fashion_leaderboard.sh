#!/usr/bin/env bash
# Fashion-MNIST leaderboard on a 2-core CPU: ns, hinge, lsgan, wgan-gp x seeds 0,1,2 at the task's
# "default" budget (10,000 generator steps, batch 64, DCGAN g_ch=d_ch=32, Adam 2e-4 (wgan-gp: 1e-4,
# beta2 0.9, n_dis 5, lambda 10)); metrics on 10,000 samples vs the 10,000 test images in the
# features of the suite's Fashion-MNIST classifier (seed 0, test accuracy 0.912).
# Seed-major order so that every method has seed 0 first; finished runs are skipped on re-run.
# The committed records were made by two such loops side by side (ns/hinge/lsgan in one, wgan-gp in
# the other: it costs ~6x a ns step), one torch thread each.
# Run from the repository root; GANBENCH_DATA must point at a folder with fashion-mnist/*.gz.
set -euo pipefail
export OMP_NUM_THREADS=1
for seed in 0 1 2; do
  for obj in ns hinge lsgan wgan-gp; do
    ganbench run image/fashion-mnist -o "$obj" --seeds "$seed" --budget default --results results/image --no-progress --no-table
  done
done
bash results/make_reports.sh   # every committed leaderboard, this folder's included
# The FID-vs-steps curve that set the default budget (ns, seed 0, evaluated every 2,000 steps):
#   ganbench run image/fashion-mnist -o ns --seeds 0 --steps 12000 --set eval_every=2000 --results /tmp/curve
