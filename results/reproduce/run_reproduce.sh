#!/usr/bin/env bash
# Re-run one committed record per domain on this machine with `ganbench reproduce` and record how far
# every metric moved against the committed value and that method's seed spread (the leaderboard's
# "Across machines" section reads the JSON written here). Run from the repository root.
set -euo pipefail
export OMP_NUM_THREADS=1
ganbench reproduce \
  results/cross-domain/toy-ring8__lsgan__s0.json \
  results/cross-domain/toy-grid25__ns__s0.json \
  results/cross-domain/image-digits__ns__s0.json \
  results/cross-domain/text-oracle-tiny__mle__s0.json \
  results/cross-domain/molecule-moses-small__mle__s0.json \
  --results runs/reproduce --out results/reproduce/cross-domain-$(hostname -s).json
# a default-protocol run (PacGAN's nets, 20,000 steps: ~10 min of one core)
ganbench reproduce results/toy/toy-ring8__ns__s0__pacgan-nets.json \
  --results runs/reproduce --out results/reproduce/toy-default-$(hostname -s).json
