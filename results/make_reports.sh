#!/usr/bin/env bash
# Every committed leaderboard, rebuilt from the committed run records (run from the repository root).
# The data (results/leaderboard/: leaderboard.json and one CSV per task and protocol) and the pages
# (Markdown, HTML) are renderings of the same leaderboard object.
set -euo pipefail
ganbench report --results results --format data --out results/leaderboard
ganbench report --results results --out results/LEADERBOARD.md
ganbench report --results results --format html --out results
for d in cross-domain text molecule toy restoration video image/remedies image/conditional; do
  ganbench report --results results/$d --out results/$d/leaderboard.md
done
for d in cross-domain restoration video image/remedies image/conditional; do
  ganbench report --results results/$d --format html --out results/$d
done
ganbench report --results results/image --task image/fashion-mnist --format md --out results/image/fashion-mnist-leaderboard.md
ganbench report --results results/image --task image/fashion-mnist --format html --out results/image
