#!/usr/bin/env bash
# The Fashion-MNIST remedies leaderboard (issue 25): objective x remedy on image/fashion-mnist, DCGAN
# g_ch=d_ch=32, 3,000 generator steps (a stated CPU budget: the task's default is 10,000), seeds 0-2,
# one torch thread, one run at a time (CPU shared with other jobs). Each remedy at its paper's setting
# (ganbench list). Metrics on 10,000 samples vs the 10,000 test images in the Fashion-MNIST classifier's
# features. Run from the repository root; GANBENCH_DATA must hold fashion-mnist/.
set -euo pipefail
export OMP_NUM_THREADS=1
R=${R:-results/image/remedies}
run() { ganbench run image/fashion-mnist --steps 3000 --results "$R" --no-progress --no-table "$@"; }
for seed in 0 1 2; do
  for obj in ns hinge; do
    run -o $obj --seeds "$seed" --tag 3k
    run -o $obj --seeds "$seed" --set diffaugment=color,translation,cutout --tag 3k-diffaugment
    run -o $obj --seeds "$seed" --set lecam_weight=0.3 --tag 3k-lecam
    run -o $obj --seeds "$seed" --set spectral_norm=true --tag 3k-sn
  done
  run -o ns --seeds "$seed" --set cr_weight=10 --set bcr_weight=10 --tag 3k-bcr
  run -o ns --seeds "$seed" --set r1_gamma=10 --tag 3k-r1
  run -o ns --seeds "$seed" --set ema=0.999 --tag 3k-ema
  run -o ns --seeds "$seed" --set pack=2 --tag 3k-pack2
  run -o ns --seeds "$seed" --set mbstd=4 --tag 3k-mbstd
  run -o ns --seeds "$seed" --set instance_noise=0.1 --tag 3k-noise
done
bash results/make_reports.sh   # every committed leaderboard, this folder's included
