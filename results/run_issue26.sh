#!/usr/bin/env bash
# Issue 26's CPU runs in the order they were made: restoration and video seed by seed (so each domain has
# its first seeds early), then the restoration adv_weight sweep. GANBENCH/PYTHON: see the two scripts.
set -euo pipefail
cd "$(dirname "$0")"
SEEDS=0 SWEEP=0 restoration/run_restoration.sh
SEEDS=0 CHECK=1 video/run_video.sh
for seed in 1 2; do
  SEEDS=$seed SWEEP=0 restoration/run_restoration.sh
  SEEDS=$seed CHECK=0 video/run_video.sh
done
SEEDS="" SWEEP=1 restoration/run_restoration.sh
