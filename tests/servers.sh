#!/usr/bin/env bash
# Real servers for the tests, on loopback, on free ports, under one temporary directory:
# PostgreSQL 15 (initdb + pg_ctl), Redis, an SMTP sink (aiosmtpd writing to a Maildir) and an
# S3-compatible store (s3rver, installed by scripts/setup-npm.sh, with the bucket OV_S3_BUCKET,
# default ov-test).
#
# Sourced (what scripts/test.sh does):
#   source tests/servers.sh; ov_servers_start; ...; ov_servers_stop
# Run on its own (for a local pytest run):
#   eval "$(tests/servers.sh start)"   # prints the `export OV_TEST_...` lines
#   /usr/bin/python3 -m pytest -q tests/blackbox
#   tests/servers.sh stop "$OV_TEST_SERVERS_DIR"
#
# Exports: OV_TEST_SERVERS_DIR, OV_TEST_PG_PORT, OV_TEST_DATABASE_URL, OV_TEST_REDIS_PORT,
# OV_TEST_REDIS_URL, OV_TEST_SMTP_PORT, OV_TEST_SMTP_URL, OV_TEST_SMTP_MAILDIR, OV_TEST_S3_PORT,
# OV_TEST_S3_ENDPOINT, OV_TEST_S3_BUCKET (s3rver's fixed keys S3RVER/S3RVER are the defaults of
# the tests' AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
# Every daemon starts with stdin from /dev/null, its output in a log file and no other inherited
# descriptor, so that `cmd | tee` or `$(...)` around the caller never waits on a daemon.

OV_PG_BIN=${OV_PG_BIN:-/usr/lib/postgresql/15/bin}
OV_PYTHON=${OV_PYTHON:-/usr/bin/python3}
OV_S3RVER=${OV_S3RVER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/third_party/s3rver/node_modules/s3rver/bin/s3rver.js}

_ov_say() { echo "servers: $*" >&2; }

# Closes every descriptor above 2 of the current (sub)shell; call it inside ( ... ) before exec.
_ov_close_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
      eval "exec $fd>&-" 2>/dev/null || true
    fi
  done
}

# Prints N distinct free TCP ports on 127.0.0.1 (all bound at once, so they differ).
_ov_free_ports() {
  "$OV_PYTHON" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Waits until something accepts connections on 127.0.0.1:PORT (up to SECONDS).
_ov_wait_port() {
  local port=$1 seconds=${2:-30} i
  for ((i = 0; i < seconds * 10; i++)); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Runs a PostgreSQL tool as the postgres user when we are root (initdb refuses root).
_ov_as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_ov_start_postgres() {
  local dir=$1 port=$2
  mkdir -p "$dir/pg"
  if [[ $(id -u) -eq 0 ]]; then
    chmod 0755 "$dir" # postgres must reach its own directory inside ours
    chown postgres:postgres "$dir/pg"
  fi
  if ! _ov_as_pg "$OV_PG_BIN/initdb" -D "$dir/pg/data" -A trust -U postgres -E UTF8 \
    --locale=C --no-sync </dev/null >"$dir/pg/initdb.log" 2>&1; then
    _ov_say "initdb failed:"; tail -n 20 "$dir/pg/initdb.log" >&2; return 1
  fi
  ov_run_postgres "$dir" "$port"
}

# ov_run_postgres DIR PORT: starts the PostgreSQL whose data lies under DIR/pg (made by
# _ov_start_postgres; also a restart after ov_stop_postgres).
ov_run_postgres() {
  local dir=$1 port=$2
  if ! (
    _ov_close_fds
    exec < /dev/null >> "$dir/pg/pg_ctl.log" 2>&1
    _ov_as_pg "$OV_PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start
  ); then
    _ov_say "PostgreSQL did not start:"; tail -n 20 "$dir/pg/pg_ctl.log" "$dir/pg/postgres.log" >&2
    return 1
  fi
}

# ov_stop_postgres DIR: a fast shutdown (open sessions are ended, nothing committed is lost).
ov_stop_postgres() {
  local dir=$1
  [[ -f $dir/pg/data/postmaster.pid ]] || return 0
  _ov_as_pg "$OV_PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop \
    </dev/null >>"$dir/pg/pg_ctl.log" 2>&1 || { _ov_say "PostgreSQL did not stop cleanly"; return 1; }
}

# ov_run_redis DIR PORT: starts Redis without persistence (a restart after ov_stop_pidfile starts
# empty, as a Redis without persistence does).
ov_run_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir/redis"
  if ! (
    _ov_close_fds
    exec redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save '' \
      --appendonly no --databases 256 --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" \
      --logfile "$dir/redis/redis.log" < /dev/null > "$dir/redis/start.log" 2>&1
  ) || ! _ov_wait_port "$port" 30; then
    _ov_say "Redis did not start:"; tail -n 20 "$dir/redis/start.log" "$dir/redis/redis.log" >&2
    return 1
  fi
}

_ov_start_smtp() {
  local dir=$1 port=$2
  mkdir -p "$dir/smtp"
  (
    _ov_close_fds
    exec "$OV_PYTHON" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox \
      "$dir/smtp/maildir"
  ) < /dev/null > "$dir/smtp/smtp.log" 2>&1 &
  echo $! >"$dir/smtp/smtp.pid"
  if ! _ov_wait_port "$port" 30; then
    _ov_say "the SMTP sink did not start:"; tail -n 20 "$dir/smtp/smtp.log" >&2
    return 1
  fi
}

# ov_run_s3 DIR PORT: s3rver, objects kept as files under DIR/s3/data (they outlive a restart).
# Node 18's OpenSSL 3 has DES, which s3rver's ListObjectsV2 continuation tokens use, only in the
# legacy provider: hence the flag.
ov_run_s3() {
  local dir=$1 port=$2
  mkdir -p "$dir/s3/data"
  if [[ ! -f $OV_S3RVER ]]; then
    _ov_say "s3rver is not installed ($OV_S3RVER): run scripts/setup-npm.sh"; return 1
  fi
  (
    _ov_close_fds
    exec node --openssl-legacy-provider "$OV_S3RVER" -d "$dir/s3/data" -a 127.0.0.1 -p "$port" \
      --silent --configure-bucket "${OV_S3_BUCKET:-ov-test}"
  ) < /dev/null > "$dir/s3/s3rver.log" 2>&1 &
  echo $! >"$dir/s3/s3rver.pid"
  if ! _ov_wait_port "$port" 30; then
    _ov_say "s3rver did not start:"; tail -n 20 "$dir/s3/s3rver.log" >&2
    return 1
  fi
}

# ov_servers_start [DIR]: starts the four servers (DIR defaults to a new mktemp -d) and exports
# OV_TEST_*. On failure it stops what it started and returns 1.
ov_servers_start() {
  local dir=${1:-} pg redis smtp s3
  if [[ -z $dir ]]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/ov-servers.XXXXXX") || return 1; fi
  mkdir -p "$dir"
  read -r pg redis smtp s3 < <(_ov_free_ports 4) || return 1
  cat >"$dir/servers.env" <<ENV
export OV_TEST_SERVERS_DIR=$dir
export OV_TEST_PG_PORT=$pg
export OV_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$pg/postgres
export OV_TEST_REDIS_PORT=$redis
export OV_TEST_REDIS_URL=redis://127.0.0.1:$redis
export OV_TEST_SMTP_PORT=$smtp
export OV_TEST_SMTP_URL=smtp://127.0.0.1:$smtp
export OV_TEST_SMTP_MAILDIR=$dir/smtp/maildir
export OV_TEST_S3_PORT=$s3
export OV_TEST_S3_ENDPOINT=http://127.0.0.1:$s3
export OV_TEST_S3_BUCKET=${OV_S3_BUCKET:-ov-test}
ENV
  # shellcheck source=/dev/null
  source "$dir/servers.env"
  if _ov_start_postgres "$dir" "$pg" && ov_run_redis "$dir" "$redis" &&
    _ov_start_smtp "$dir" "$smtp" && ov_run_s3 "$dir" "$s3"; then
    _ov_say "PostgreSQL on $pg, Redis on $redis, SMTP on $smtp, S3 on $s3 (in $dir)"
    return 0
  fi
  ov_servers_stop "$dir"
  return 1
}

# ov_running PID: 0 when the process runs. One that exited but whose parent has not reaped it
# (a daemon whose starter is gone, under a PID 1 that does not reap) is a zombie: not running.
ov_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# ov_stop_pidfile FILE: SIGTERM to the process FILE names (Redis saves nothing: a clean stop),
# SIGKILL after 5 s; nothing when FILE is missing or the process is gone.
ov_stop_pidfile() {
  local pid i
  [[ -f $1 ]] || return 0
  pid=$(<"$1")
  ov_running "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do ov_running "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# ov_servers_stop [DIR]: stops whatever runs under DIR (default $OV_TEST_SERVERS_DIR) and
# removes DIR (kept when OV_KEEP_SERVERS_DIR=1). Safe to call twice or after a partial start.
ov_servers_stop() {
  local dir=${1:-${OV_TEST_SERVERS_DIR:-}} pid
  [[ -n $dir && -d $dir ]] || return 0
  ov_stop_postgres "$dir" || true
  for pid in "$dir/redis/redis.pid" "$dir/smtp/smtp.pid" "$dir/s3/s3rver.pid"; do
    ov_stop_pidfile "$pid"
  done
  if [[ ${OV_KEEP_SERVERS_DIR:-0} == 1 ]]; then
    _ov_say "kept $dir"
  else
    rm -rf "$dir"
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  case ${1:-} in
    start)
      ov_servers_start "${2:-}" >&2
      cat "$OV_TEST_SERVERS_DIR/servers.env"
      ;;
    stop)
      ov_servers_stop "${2:?usage: $0 stop DIR}"
      ;;
    *)
      echo "usage: $0 start [DIR] | stop DIR" >&2
      exit 2
      ;;
  esac
fi
