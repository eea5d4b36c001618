#!/usr/bin/env bash
# Runs the benchmarks (`make bench`; docs/performance.md says what each measures). Every figure
# is a ratio against a reference measured in the same run, the median of rounds with the spread.
#   bench/http_ratios.py   get-profile and /health against the old FastAPI stack and a
#                          hello-world Beast server (embedded and scaled shapes)
#   bench/detect_ratio.py  detection through the API against raw ONNX Runtime, DeepStack,
#                          /health and login under load, memory (skips without ../shared)
#   bench/detect_spans.py  where a wait=true detection's milliseconds go, from the server's
#                          own trace (no target; skips without ../shared)
#   bench/deepstack_cameras.py  Frigate-shaped DeepStack load (5 cameras x 4 frames/s) and
#                          the duplicate-frame answer, against raw Session::Run and /health
#   bench_engine           the engine against raw ONNX Runtime on the bundled model
# Each prints a markdown table and writes it to $BENCH_RESULTS/<name>.md.
#
# Environment: OV_BINARY (default build/objectvision) and OV_BENCH_DIR (default bench/ beside
# it) pick the binaries; BENCH_RESULTS (default bench-results/ beside OV_BINARY); ROUNDS,
# DURATION, CONNECTIONS, SHAPES, RSS_DETECTIONS are passed on (see each script's --help);
# BENCH_ONLY=http|detect|spans|cameras|engine runs one of them.
set -euo pipefail
cd "$(dirname "$0")/.."

export OV_BINARY=${OV_BINARY:-build/objectvision}
export OV_BENCH_DIR=${OV_BENCH_DIR:-$(dirname "$OV_BINARY")/bench}
results=${BENCH_RESULTS:-$(dirname "$OV_BINARY")/bench-results}
mkdir -p "$results"

# The machine is shared: say when it is busy, since every figure then carries that noise.
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "bench: the load average is $load on $(nproc) cores: the figures will be noisy" >&2
fi

want() { [[ -z ${BENCH_ONLY:-} || ${BENCH_ONLY} == "$1" ]]; }

if want http; then
  echo "== bench/http_ratios.py"
  /usr/bin/python3 bench/http_ratios.py --out "$results/http_ratios.md"
fi
if want detect; then
  echo "== bench/detect_ratio.py"
  /usr/bin/python3 bench/detect_ratio.py --out "$results/detect_ratio.md"
fi
if want spans; then
  echo "== bench/detect_spans.py"
  /usr/bin/python3 bench/detect_spans.py --out "$results/detect_spans.md"
fi
if want cameras; then
  echo "== bench/deepstack_cameras.py"
  /usr/bin/python3 bench/deepstack_cameras.py --out "$results/deepstack_cameras.md"
fi
if want engine; then
  echo "== $OV_BENCH_DIR/bench_engine"
  "$OV_BENCH_DIR/bench_engine" | tee "$results/bench_engine.txt"
fi
echo "bench: results in $results/"
