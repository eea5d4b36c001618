#!/usr/bin/env bash
# The whole test run (`make test`, and CI on a fresh clone after scripts/setup.sh):
#   0. check that every Python module and command the tests, benchmarks, tools and scripts use
#      comes from a package of scripts/deps/debian-packages.txt (scripts/check-deps.py); the run
#      stops here when one does not: a fresh machine would fail later, less clearly,
#   1. build the release preset's server and benchmark tools (build/),
#   2. start real PostgreSQL, Redis, SMTP and S3 servers on loopback (tests/servers.sh),
#   3. build the server, every unit test and the fuzz targets once with clang, ASan + UBSan and
#      libFuzzer's coverage instrumentation (debug preset, build-debug/) and run the unit tests
#      there; build the queue, event bus and batcher tests with ThreadSanitizer (tsan preset,
#      build-tsan/) and run them; replay the fuzz regressions and fuzz each target briefly
#      (all skipped with OV_SKIP_SANITIZE=1, for local iteration only: the unit tests then run
#      in the release build; CI never sets it),
#   5. run the black-box suite against build/objectvision in both shapes: embedded (SQLite,
#      in-process queue) and scaled (PostgreSQL + Redis), then against the ASan + UBSan server
#      (build-debug/objectvision) in the embedded shape, every sanitizer report fatal,
#   6. run the web app's end-to-end tests in Debian's chromium (tests/browser/, Node's test
#      runner and playwright-core) against build/objectvision; they save docs/screenshots/.
# Every step runs even when an earlier independent one failed; the servers are stopped on any
# exit; a summary closes the run, and the exit status is non-zero when any step failed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=/usr/bin/python3 # Debian's python sees python3-pytest & co; the pyenv one does not
export PYTHONDONTWRITEBYTECODE=1
# shellcheck source=tests/servers.sh
source tests/servers.sh

steps=()   # "name|status|seconds|note"
failed=0
started=$SECONDS
servers_up=0
summary_done=0

record() { # name status seconds [note]
  steps+=("$1|$2|$3|${4:-}")
  if [[ $2 == FAIL ]]; then failed=1; fi
}

# Runs "$@" as one step: errexit applies inside it (a subshell), the result is recorded.
step() {
  local name=$1 t0=$SECONDS rc
  shift
  echo
  echo "==> $name"
  set +e
  (set -e; "$@")
  rc=$?
  set -e
  if ((rc == 0)); then
    record "$name" PASS $((SECONDS - t0))
  else
    record "$name" FAIL $((SECONDS - t0)) "exit $rc"
    echo "==> $name FAILED (exit $rc)" >&2
  fi
  return 0
}

skip() { # name reason
  echo
  echo "==> $1: skipped ($2)"
  record "$1" SKIP 0 "$2"
}

passed() { # name: did that step pass?
  local s
  for s in "${steps[@]}"; do
    if [[ ${s%%|*} == "$1" ]]; then
      s=${s#*|}
      [[ ${s%%|*} == PASS ]]
      return
    fi
  done
  return 1
}

print_summary() {
  ((summary_done)) && return 0
  summary_done=1
  local s name status secs note
  echo
  echo "==================== test summary ===================="
  for s in "${steps[@]}"; do
    IFS='|' read -r name status secs note <<<"$s"
    printf '  %-4s  %-32s %5ss  %s\n' "$status" "$name" "$secs" "$note"
  done
  echo "  total $((SECONDS - started))s"
  if ((failed)); then
    echo "RESULT: FAILED"
  else
    echo "RESULT: PASSED"
  fi
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if ((servers_up)); then
    ov_servers_stop || true
  fi
  if ((rc != 0)) && ((!failed)); then
    record "test.sh" FAIL 0 "interrupted or aborted (exit $rc)"
  fi
  print_summary
  if ((failed)) && ((rc == 0)); then rc=1; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check_deps() {
  "$PYTHON" scripts/check-deps.py
}

# The unit tests are built and run once, under ASan + UBSan (below); the release tree builds
# what the black-box suite and the benchmarks run.
build_release() {
  cmake --preset release
  cmake --build --preset release --target objectvision bench_all
}

# Only with OV_SKIP_SANITIZE=1 (local iteration): the unit tests in the release tree.
unit_release() {
  cmake --build --preset release
  ctest --preset release --timeout 600
}

unit_targets() { # build dir
  ninja -C "$1" -t targets all | grep -o '^unit_[a-z0-9_]*' | sort -u
}

build_sanitize() {
  cmake --preset debug
  local targets
  targets=$(unit_targets build-debug)
  if [[ -z $targets ]]; then
    echo "no unit_* targets in build-debug" >&2
    return 1
  fi
  targets="objectvision $targets fuzz_all"
  echo "building with clang, ASan + UBSan:" "${targets//$'\n'/ }"
  # shellcheck disable=SC2086 # one word per target
  cmake --build --preset debug --target $targets
}

unit_sanitize() {
  ctest --preset debug -L unit --timeout 900
}

build_tsan() {
  cmake --preset tsan
  cmake --build --preset tsan # the targets: unit_queue, unit_events, unit_inference, unit_worker
}

# The queue, event bus, batcher, core budget and early-run tests under ThreadSanitizer; any report
# fails its binary.
unit_tsan() {
  local dir=build-tsan/tests/unit bad=0 opts
  opts=(halt_on_error=1 second_deadlock_stack=1 "suppressions=$PWD/tests/sanitizers/tsan.supp")
  export TSAN_OPTIONS="${opts[*]}"
  tsan_run "$dir/unit_queue" || bad=1
  tsan_run "$dir/unit_events" || bad=1
  tsan_run "$dir/unit_inference" --gtest_filter='Batcher.*:*ConcurrentCallers*:ModelManagement.Unloading*:ModelManagement.Reload*:CoreBudget.*:AdaptiveThreads.*' || bad=1
  tsan_run "$dir/unit_worker" || bad=1
  return "$bad"
}

tsan_run() { # binary [args]
  echo "--- $*"
  timeout -k 10 600 "$@" || { echo "--- $1 FAILED" >&2; return 1; }
}

# The black-box suite runs on OV_BLACKBOX_PROCESSES (2) pytest-xdist processes, a test file
# to each in turn (most tests wait on servers more than they compute; every test has servers,
# a database and a Redis database index of its own: tests/blackbox/ovtest/backend.py).
blackbox_pytest() {
  local processes=${OV_BLACKBOX_PROCESSES:-2}
  if ((processes > 1)); then
    timeout -k 30 1500 "$PYTHON" -m pytest -q -n "$processes" --dist loadfile tests/blackbox
  else
    timeout -k 30 1500 "$PYTHON" -m pytest -q tests/blackbox
  fi
}

blackbox() { # shape
  OV_SHAPE=$1 blackbox_pytest
}

# The embedded black-box suite against the ASan + UBSan server: every report aborts the
# process, leaks included (third-party leaks: tests/sanitizers/lsan.supp), and the suite fails
# the test whose process reported (tests/blackbox/ovtest/sanitizers.py).
blackbox_sanitize() {
  local supp=$PWD/tests/sanitizers
  OV_SHAPE=embedded OV_BINARY=$PWD/build-debug/objectvision \
    ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:disable_coredump=1" \
    LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1" \
    blackbox_pytest
}

# The web app in a real browser: each test file starts its own server (embedded).
browser_tests() {
  local files=(tests/browser/*.test.mjs)
  OV_BINARY=$PWD/build/objectvision timeout -k 30 900 node --test "${files[@]}"
}

step "dependencies (Debian packages)" check_deps
if ! passed "dependencies (Debian packages)"; then
  echo "==> stopping: the tests need something scripts/setup.sh does not install (above);" \
    "list its package in scripts/deps/debian-packages.txt and run scripts/setup.sh" >&2
  exit 1
fi

step "build (release)" build_release

echo
echo "==> start PostgreSQL, Redis, SMTP"
t0=$SECONDS
if ov_servers_start; then
  servers_up=1
  record "servers" PASS $((SECONDS - t0))
else
  record "servers" FAIL $((SECONDS - t0)) "could not start the test servers"
fi

sanitizer_steps=("build (ASan+UBSan)" "unit tests (ASan+UBSan)" "build (TSan)" "unit tests (TSan)")
if [[ ${OV_SKIP_SANITIZE:-0} == 1 ]]; then
  for name in "${sanitizer_steps[@]}"; do skip "$name" "OV_SKIP_SANITIZE=1"; done
  if passed "build (release)" && ((servers_up)); then
    step "unit tests (release)" unit_release
  else
    skip "unit tests (release)" "needs the release build and the servers"
  fi
else
  step "build (ASan+UBSan)" build_sanitize
  if passed "build (ASan+UBSan)" && ((servers_up)); then
    step "unit tests (ASan+UBSan)" unit_sanitize
  else
    skip "unit tests (ASan+UBSan)" "needs the ASan+UBSan build and the servers"
  fi
  step "build (TSan)" build_tsan
  if passed "build (TSan)" && ((servers_up)); then
    step "unit tests (TSan)" unit_tsan
  else
    skip "unit tests (TSan)" "needs the TSan build and the servers"
  fi
fi

# libFuzzer targets (fuzz/, built above in build-debug/): each replays its regressions, then
# fuzzes for FUZZ_SMOKE_SECONDS (20 s); `make fuzz` runs them longer.
if [[ ${OV_SKIP_SANITIZE:-0} == 1 ]]; then
  skip "fuzz (smoke)" "OV_SKIP_SANITIZE=1"
else
  step "fuzz (smoke)" scripts/fuzz.sh smoke
fi

for shape in embedded scaled; do
  if passed "build (release)" && ((servers_up)); then
    step "black-box ($shape)" blackbox "$shape"
  else
    skip "black-box ($shape)" "needs the release build and the servers"
  fi
done

if [[ ${OV_SKIP_SANITIZE:-0} == 1 ]]; then
  skip "black-box (embedded, ASan+UBSan)" "OV_SKIP_SANITIZE=1"
elif passed "build (ASan+UBSan)"; then
  step "black-box (embedded, ASan+UBSan)" blackbox_sanitize
else
  skip "black-box (embedded, ASan+UBSan)" "needs the ASan+UBSan build"
fi

if passed "build (release)"; then
  step "browser (web app, chromium)" browser_tests
else
  skip "browser (web app, chromium)" "needs the release build"
fi

# on_exit stops the servers, prints the summary and sets the exit status.
