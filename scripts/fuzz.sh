#!/usr/bin/env bash
# The libFuzzer targets of fuzz/ (clang-15, ASan + UBSan, built in build-debug/ by the debug
# preset with the server and the unit tests; `cmake --build --preset fuzz` builds them alone). Usage:
#   scripts/fuzz.sh smoke [target...]  replay fuzz/regressions/<target>/, then fuzz each target
#                                      for FUZZ_SMOKE_SECONDS (20) from the seeds only: the
#                                      `make test` step
#   scripts/fuzz.sh run [target...]    the same for FUZZ_SECONDS (300), from the seeds and the
#                                      corpus earlier runs grew: `make fuzz`
#   scripts/fuzz.sh replay [target...] run the regressions and both corpora once, no fuzzing
#   scripts/fuzz.sh merge [target...]  shrink the grown corpus to the inputs that add coverage
#   scripts/fuzz.sh build              configure and build the targets only
#   scripts/fuzz.sh list               the target names
# Seeds: fuzz/corpus/<target>/ (in git, never written). New inputs go to the git-ignored
# fuzz/work/corpus/<target>/ (run; reused by the next run) or fuzz/work/smoke/<target>/ (smoke;
# emptied each time, so that `make test` takes the same time every run). A crash leaves its
# input in fuzz/work/crashes/<target>/ and the log in fuzz/work/logs/<target>.log; turn it into
# a file of fuzz/regressions/<target>/ and a unit test once fixed. Exit status: non-zero when
# any target crashed, leaked, timed out or failed to build.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(http_request multipart json_body jwt image_probe dotenv ws_message)
BIN=build-debug/fuzz
WORK=fuzz/work

# The dictionaries of each target (fuzz/dicts/*.dict), merged into one file per target.
dicts_of() {
  case $1 in
    http_request) echo http_request json_fields multipart ;;
    json_body | ws_message) echo json json_fields ;;
    jwt) echo json jwt_fields ;;
    *) echo "$1" ;;
  esac
}

# Extra libFuzzer flags: the request target needs room for the 16 KiB header limit (431) and
# time for one detection on the DeepStack route.
flags_of() {
  case $1 in
    http_request) echo -max_len=20000 -timeout=30 ;;
    *) echo -timeout=10 ;;
  esac
}

symbolizer() {
  local s
  for s in llvm-symbolizer-15 llvm-symbolizer; do
    if command -v "$s" >/dev/null; then
      command -v "$s"
      return
    fi
  done
}

build() {
  cmake --preset debug >/dev/null
  cmake --build --preset fuzz # the fuzz_all target of the debug tree
}

# Runs one target: replays its regressions (files given as arguments run once each), then
# fuzzes for $2 seconds (0: replays the corpora once instead) with new inputs written to $3.
# Prints one summary line.
run_target() { # target seconds corpus
  local t=$1 seconds=$2 corpus=$3 log=$WORK/logs/$1.log dict=$WORK/dicts/$1.dict d rc=0
  mkdir -p "$corpus" "$WORK/crashes/$t" "$WORK/logs" "$WORK/dicts"
  : >"$dict"
  for d in $(dicts_of "$t"); do
    if [[ -f fuzz/dicts/$d.dict ]]; then cat "fuzz/dicts/$d.dict" >>"$dict"; fi
  done
  local common=(-artifact_prefix="$WORK/crashes/$t/" -rss_limit_mb=2048 -print_final_stats=1)
  # shellcheck disable=SC2207 # one word per flag
  common+=($(flags_of "$t"))
  if [[ -s $dict ]]; then common+=(-dict="$dict"); fi
  local regressions=()
  if [[ -d fuzz/regressions/$t ]]; then
    mapfile -t regressions < <(find "fuzz/regressions/$t" -type f | sort)
  fi
  : >"$log"
  if ((${#regressions[@]})); then
    "$BIN/fuzz_$t" "${common[@]}" "${regressions[@]}" >>"$log" 2>&1 || rc=$?
  fi
  if ((rc == 0)); then
    if ((seconds > 0)); then
      "$BIN/fuzz_$t" "${common[@]}" -max_total_time="$seconds" \
        "$corpus" "fuzz/corpus/$t" >>"$log" 2>&1 || rc=$?
    else
      "$BIN/fuzz_$t" "${common[@]}" -runs=0 "$corpus" "fuzz/corpus/$t" >>"$log" 2>&1 || rc=$?
    fi
  fi
  local execs per_s cov
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  per_s=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | awk '{print $2 + 0}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2 + 0}')
  printf '  %-13s %-4s %10s execs %7s/s  cov %6s  regressions %d  corpus %d\n' "$t" \
    "$( ((rc == 0)) && echo ok || echo FAIL)" "$execs" "${per_s:-0}" "${cov:-0}" \
    "${#regressions[@]}" "$(find "$corpus" -type f | wc -l)"
  if ((rc != 0)); then
    echo "---- $t failed (exit $rc); the end of $log:" >&2
    grep -v -e '^#[0-9]' -e '^INFO:' "$log" | tail -40 >&2
    echo "---- crash inputs in $WORK/crashes/$t/: $(find "$WORK/crashes/$t" -type f -printf '%f ')" >&2
  fi
  return "$rc"
}

# Replaces the grown corpus of a target by its inputs that add coverage (libFuzzer -merge=1).
merge_corpus() { # target
  local t=$1 grown=$WORK/corpus/$1 merged=$WORK/merged/$1
  if [[ ! -d $grown ]]; then return 0; fi
  rm -rf "$merged"
  mkdir -p "$merged" "$WORK/logs"
  "$BIN/fuzz_$t" -merge=1 "$merged" "$grown" >"$WORK/logs/$t.merge.log" 2>&1 || {
    echo "---- $t: merge failed, see $WORK/logs/$t.merge.log" >&2
    return 1
  }
  printf '  %-13s %6d inputs -> %6d\n' "$t" "$(find "$grown" -type f | wc -l)" \
    "$(find "$merged" -type f | wc -l)"
  rm -rf "$grown"
  mv "$merged" "$grown"
}

main() {
  local mode=${1:-smoke}
  shift || true
  local targets=("$@") seconds
  if ((${#targets[@]} == 0)); then targets=("${TARGETS[@]}"); fi
  case $mode in
    list)
      printf '%s\n' "${TARGETS[@]}"
      return
      ;;
    build)
      build
      return
      ;;
    smoke) seconds=${FUZZ_SMOKE_SECONDS:-20} ;;
    run) seconds=${FUZZ_SECONDS:-300} ;;
    replay) seconds=0 ;;
    merge) seconds=-1 ;;
    *)
      echo "usage: scripts/fuzz.sh smoke|run|replay|merge|build|list [target...]" >&2
      return 2
      ;;
  esac
  build
  local sym
  sym=$(symbolizer)
  export ASAN_SYMBOLIZER_PATH=${sym:-}
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}
  # The request target keeps its database and files in a temporary folder of its own.
  export TMPDIR=$PWD/$WORK/tmp
  rm -rf "$TMPDIR"
  mkdir -p "$TMPDIR"
  local failed=0 t0=$SECONDS t
  if ((seconds > 0)); then echo "fuzz ($mode, ${seconds}s per target):"; else echo "fuzz ($mode):"; fi
  for t in "${targets[@]}"; do
    if [[ ! -x $BIN/fuzz_$t ]]; then
      echo "fuzz: no target $t (scripts/fuzz.sh list)" >&2
      failed=1
      continue
    fi
    if [[ $mode == merge ]]; then
      merge_corpus "$t" || failed=1
    elif [[ $mode == smoke ]]; then
      rm -rf "$WORK/smoke/$t"
      run_target "$t" "$seconds" "$WORK/smoke/$t" || failed=1
    else
      run_target "$t" "$seconds" "$WORK/corpus/$t" || failed=1
    fi
  done
  rm -rf "$TMPDIR"
  echo "fuzz: $((SECONDS - t0))s; $( ((failed)) && echo FAILED || echo passed)"
  return "$failed"
}

main "$@"
