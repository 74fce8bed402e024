#!/usr/bin/env bash
# Restoration leaderboards (issue 26): image/sr4x-fashion-mnist and image/inpaint-fashion-mnist at the
# default CPU budget (600 generator steps, batch 32, U-Net g_ch 16, PatchGAN d_ch 16), one thread per run.
# The L1 baseline beside ns and hinge (adv_weight 0.01, pix2pix's ratio), seeds $SEEDS (default 0-2);
# with SWEEP=1 (default) also the perception-distortion sweep of ns over adv_weight (tags adv_weight=...);
# TASKS (default both) names the tasks.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GANBENCH_DATA=${GANBENCH_DATA:-/work/shared/data}
R=results/restoration
GANBENCH=${GANBENCH:-.venv/bin/ganbench}  # the ganbench whose commit the records should name
run() { $GANBENCH run "$@" --results "$R" --no-progress; }
TASKS=${TASKS:-image/sr4x-fashion-mnist image/inpaint-fashion-mnist}
for seed in ${SEEDS:-0 1 2}; do
  run $TASKS --objective l1,ns,hinge --seeds "$seed"
done
if [ "${SWEEP:-1}" = 1 ]; then
  for w in 0.001 0.1; do
    run $TASKS --objective ns --seeds 0 --set adv_weight=$w --tag adv_weight=$w
  done
fi
