#!/usr/bin/env bash
# GET /api/v1/users/get-profile with a valid token against a trivial route (/health) of the
# same server, in the same run, with wrk -t2 -c64 -d10s (DESIGN.md §8). Prints requests/s and
# p50 / p99 for both, and the ratio. Usage: bench/http_get_profile.sh [rounds] (default 3)
# OV_BENCH_SHAPE=scaled with OV_BENCH_DATABASE_URL and OV_BENCH_REDIS_URL measures the scaled
# shape.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
bin=build/objectvision
work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env_args=(HOST=127.0.0.1 PORT=$port DATA_DIR=$work/data MODELS_DIR=$PWD/models LOG_LEVEL=warning
  RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_USER_PER_MINUTE=0 RATE_LIMIT_AUTH_PER_MINUTE=0)
if [[ ${OV_BENCH_SHAPE:-embedded} == scaled ]]; then
  env_args+=(DATABASE_URL=$OV_BENCH_DATABASE_URL REDIS_URL=$OV_BENCH_REDIS_URL)
fi
(cd "$work" && exec env "${env_args[@]}" "$OLDPWD/$bin" serve >"$work/server.log" 2>&1) &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf $base/health >/dev/null && break; sleep 0.1; done
curl -sf -XPOST $base/api/v1/auth/signup -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark-password"}' >/dev/null
token=$(curl -sf -XPOST $base/api/v1/auth/login -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"benchmark-password"}' |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

run_wrk() {  # url [header] -> "rps p50_ms p99_ms"
  local out
  out=$(wrk -t2 -c64 -d10s --latency ${2:+-H "$2"} "$1")
  /usr/bin/python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
print(f"{rps:.0f} {ms('50%'):.3f} {ms('99%'):.3f} {non2xx.group(1) if non2xx else 0}")
PY
}

printf '%-6s %-28s %10s %9s %9s %7s\n' round route req/s p50_ms p99_ms non2xx
for r in $(seq "$rounds"); do
  read -r h_rps h_p50 h_p99 h_bad < <(run_wrk "$base/health")
  read -r p_rps p_p50 p_p99 p_bad < <(run_wrk "$base/api/v1/users/get-profile" "Authorization: Bearer $token")
  printf '%-6s %-28s %10s %9s %9s %7s\n' "$r" /health "$h_rps" "$h_p50" "$h_p99" "$h_bad"
  printf '%-6s %-28s %10s %9s %9s %7s\n' "$r" /api/v1/users/get-profile "$p_rps" "$p_p50" "$p_p99" "$p_bad"
  /usr/bin/python3 -c "print(f'       get-profile / health throughput ratio: {$p_rps/$h_rps:.3f}')"
done
