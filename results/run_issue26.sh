#!/usr/bin/env bash
# Issue 26's CPU runs in the order they were made (2 shared cores, one run at a time): seed 0 of both
# restoration tasks; then video seed by seed and super-resolution seeds 1-2 between them, then the
# super-resolution adv_weight sweep. Inpainting has seed 0 only: the session's CPU time did not reach
# further (SEEDS="1 2" TASKS=image/inpaint-fashion-mnist restoration/run_restoration.sh adds them).
# GANBENCH/PYTHON: see the two scripts.
set -euo pipefail
cd "$(dirname "$0")"
SEEDS=0 SWEEP=0 restoration/run_restoration.sh
SEEDS=0 CHECK=1 video/run_video.sh
for seed in 1 2; do
  SEEDS=$seed SWEEP=0 TASKS=image/sr4x-fashion-mnist restoration/run_restoration.sh
  SEEDS=$seed CHECK=0 video/run_video.sh
done
SEEDS=0 SWEEP=1 TASKS=image/sr4x-fashion-mnist restoration/run_restoration.sh
