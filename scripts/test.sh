#!/usr/bin/env bash
# The whole test run (`make test`, and CI on a fresh clone after scripts/setup.sh):
#   1. build the release preset (the server and every unit test),
#   2. start real PostgreSQL, Redis and SMTP servers on loopback (tests/servers.sh),
#   3. run the unit tests (ctest --preset release),
#   4. build the unit tests with ASan + UBSan (debug preset) and run them
#      (skipped with OV_SKIP_SANITIZE=1, for local iteration only; CI never sets it),
#   5. run the black-box suite against build/objectvision in both shapes: embedded (SQLite,
#      in-process queue) and scaled (PostgreSQL + Redis).
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

build_release() {
  cmake --preset release
  cmake --build --preset release
}

unit_release() {
  ctest --preset release --timeout 600
}

sanitize() {
  cmake --preset debug
  local targets
  targets=$(ninja -C build-debug -t targets all | grep -o '^unit_[a-z0-9_]*' | sort -u)
  if [[ -z $targets ]]; then
    echo "no unit_* targets in build-debug" >&2
    return 1
  fi
  echo "building with ASan + UBSan:" "${targets//$'\n'/ }"
  # shellcheck disable=SC2086 # one word per target
  cmake --build --preset debug --target $targets
  ctest --preset debug -L unit --timeout 900
}

blackbox() { # shape
  OV_SHAPE=$1 timeout -k 30 1500 "$PYTHON" -m pytest -q tests/blackbox
}

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

if passed "build (release)" && ((servers_up)); then
  step "unit tests (release)" unit_release
else
  skip "unit tests (release)" "needs the release build and the servers"
fi

if [[ ${OV_SKIP_SANITIZE:-0} == 1 ]]; then
  skip "unit tests (ASan+UBSan)" "OV_SKIP_SANITIZE=1"
elif ((servers_up)); then
  step "unit tests (ASan+UBSan)" sanitize
else
  skip "unit tests (ASan+UBSan)" "needs the servers"
fi

for shape in embedded scaled; do
  if passed "build (release)" && ((servers_up)); then
    step "black-box ($shape)" blackbox "$shape"
  else
    skip "black-box ($shape)" "needs the release build and the servers"
  fi
done

# on_exit stops the servers, prints the summary and sets the exit status.
