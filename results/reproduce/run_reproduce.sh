#!/usr/bin/env bash
# Re-run committed records on this machine with `ganbench reproduce` and record how far every metric
# moved against the committed value and that method's seed spread (the leaderboard's "Across
# machines" section reads the JSON written here). Run from the repository root. The committed files
# were made with MACHINE=amd-epyc (an AMD EPYC; the records ran on Intel Xeon CPUs, except the
# same-CPU control, which ran on an AMD EPYC too).
set -euo pipefail
export OMP_NUM_THREADS=1
M=${MACHINE:-$(hostname -s)}
# one record per domain, made on an Intel Xeon (cross-domain budgets: a few minutes)
ganbench reproduce \
  results/cross-domain/toy-ring8__lsgan__s0.json \
  results/cross-domain/toy-grid25__ns__s0.json \
  results/cross-domain/image-digits__ns__s0.json \
  results/cross-domain/text-oracle-tiny__mle__s0.json \
  results/cross-domain/molecule-moses-small__mle__s0.json \
  --results runs/reproduce --out results/reproduce/cross-domain-$M.json
# a default-protocol run (PacGAN's nets, 20,000 steps: ~10 min of one core)
ganbench reproduce results/toy/toy-ring8__ns__s0__pacgan-nets.json \
  --results runs/reproduce --out results/reproduce/toy-default-$M.json
# the control: records made on an AMD EPYC, re-run on an AMD EPYC (needs $GANBENCH_DATA with coco-captions/)
ganbench reproduce results/cross-domain/text-coco__hinge__s0.json results/cross-domain/text-coco__ns__s2.json \
  --results runs/reproduce --out results/reproduce/same-cpu-control-$M.json
