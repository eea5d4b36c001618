#!/usr/bin/env bash
# Runs the benchmarks: every bench/*.sh script, then the Google Benchmark binaries built in
# build/bench/ (if any). Figures are ratios against a reference measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in bench/*.sh bench/*.py; do
  echo "== $script"
  "$script"
done
if [[ -d build/bench ]]; then
  for b in build/bench/bench_*; do
    [[ -x $b ]] || continue
    echo "== $b"
    "$b"
  done
fi
