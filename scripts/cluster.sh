#!/usr/bin/env bash
# A cluster on one machine, run as an operator runs one: PostgreSQL, Redis, an S3-compatible
# store (s3rver), an SMTP sink, nginx as the load balancer, CLUSTER_API_NODES × `objectvision
# serve`, CLUSTER_WORKERS × `objectvision worker` and one `objectvision scheduler`. Every
# objectvision process has a DATA_DIR of its own: uploaded and annotated images live only in the
# bucket, and no two processes share a disk.
#
#   scripts/cluster.sh up            start it and print the URL (`make cluster` runs this)
#   scripts/cluster.sh status        every process (alive or not) and readiness through nginx
#   scripts/cluster.sh down          stop everything and remove CLUSTER_DIR
#   scripts/cluster.sh stop PART     stop one part: postgres, redis, s3, nginx, api-N, worker-N,
#   scripts/cluster.sh start PART      scheduler (start it again; Redis comes back empty)
#   scripts/cluster.sh kill PART     SIGKILL one objectvision process or nginx
#   scripts/cluster.sh logs PART     the part's log
#
# Settings (environment): CLUSTER_DIR (default .cluster), CLUSTER_PORT (8080), CLUSTER_API_NODES
# (2), CLUSTER_WORKERS (2), OBJECTVISION (build/objectvision). The server variables of
# .env.example set when `up` runs (MAX_UPLOAD_MB, RATE_LIMIT_*, WORKER_CONCURRENCY, …) are
# recorded in CLUSTER_DIR/server.env and reach every node, also one started later.
# CLUSTER_DIR/cluster.env records the ports, URLs and directories (the fault tests read it).
#
# The data servers are tests/servers.sh's: PostgreSQL without fsync and Redis without
# persistence, in CLUSTER_DIR. This is a cluster to try the scaled shape on one machine and to
# test it under faults, not a production deployment (deploy/ holds those).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/servers.sh
source "$REPO/tests/servers.sh"

DIR=${CLUSTER_DIR:-$REPO/.cluster}
LB_PORT=${CLUSTER_PORT:-8080}
API_NODES=${CLUSTER_API_NODES:-2}
WORKERS=${CLUSTER_WORKERS:-2}
BIN=${OBJECTVISION:-$REPO/build/objectvision}
BUCKET=objectvision

say() { echo "cluster: $*" >&2; }
die() { echo "cluster: ERROR: $*" >&2; exit 1; }

# The variables every objectvision process of the cluster runs with (DIR/server.env): the server
# variables of .env.example set when `up` runs, then the cluster's own.
write_server_env() {
  local secret name
  secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
  {
    while read -r name; do
      if [[ -n ${!name+set} ]]; then printf 'export %s=%q\n' "$name" "${!name}"; fi
    done < <(sed -nE 's/^# ?([A-Z][A-Z0-9_]*)=.*/\1/p; s/^([A-Z][A-Z0-9_]*)=.*/\1/p' \
      "$REPO/.env.example" | sort -u)
    echo "export DATABASE_URL=$OV_TEST_DATABASE_URL"
    echo "export REDIS_URL=$OV_TEST_REDIS_URL"
    echo "export STORAGE_URL=s3://$BUCKET/files"
    echo "export AWS_ENDPOINT_URL_S3=$OV_TEST_S3_ENDPOINT"
    echo "export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1"
    # Mail goes to the SMTP sink (a Maildir under CLUSTER_DIR/servers/smtp).
    echo "export EMAIL_TRANSPORT=smtp SMTP_URL=$OV_TEST_SMTP_URL EMAIL_SENDER=objectvision@example.com"
    echo "export JWT_SECRET_KEY='$secret'"
    echo "export HOST=127.0.0.1"
    echo "export API_BASE_URL=http://127.0.0.1:$LB_PORT"
    # nginx on loopback is the only proxy: rate limits and logs see the client's own address.
    echo "export TRUSTED_PROXIES=127.0.0.1/32"
    # The scheduler process runs the scheduled tasks; the API nodes do not.
    echo "export SCHEDULER=off"
    echo "export MODELS_DIR=${MODELS_DIR:-$REPO/models}"
  } >"$DIR/server.env"
  chmod 0600 "$DIR/server.env"
}

# Every objectvision process: its own directory (cwd and DATA_DIR), its log, its pid file.
run_objectvision() {  # name command [VAR=value...]
  local name=$1 command=$2
  shift 2
  mkdir -p "$DIR/$name/data" "$DIR/logs" "$DIR/run"
  (
    _ov_close_fds
    # shellcheck source=/dev/null
    source "$DIR/server.env"
    cd "$DIR/$name"
    exec env DATA_DIR="$DIR/$name/data" "$@" "$BIN" "$command"
  ) </dev/null >>"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/run/$name.pid"
}

api_port() {  # api-N → its port
  local n=${1#api-} ports
  read -r -a ports <<<"$CLUSTER_API_PORTS"
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > ${#ports[@]})); then die "no part $1"; fi
  echo "${ports[n - 1]}"
}

start_part() {
  local part=$1
  case $part in
    postgres) ov_run_postgres "$OV_TEST_SERVERS_DIR" "$OV_TEST_PG_PORT" ;;
    redis) ov_run_redis "$OV_TEST_SERVERS_DIR" "$OV_TEST_REDIS_PORT" ;;
    s3) OV_S3_BUCKET=$BUCKET ov_run_s3 "$OV_TEST_SERVERS_DIR" "$OV_TEST_S3_PORT" ;;
    nginx) start_nginx ;;
    api-*) run_objectvision "$part" serve PORT="$(api_port "$part")" ;;
    worker-*) run_objectvision "$part" worker ;;
    scheduler) run_objectvision scheduler scheduler ;;
    *) die "no part named $part" ;;
  esac
}

pidfile() {
  case $1 in
    postgres) echo "$OV_TEST_SERVERS_DIR/pg/data/postmaster.pid" ;;
    redis) echo "$OV_TEST_SERVERS_DIR/redis/redis.pid" ;;
    s3) echo "$OV_TEST_SERVERS_DIR/s3/s3rver.pid" ;;
    smtp) echo "$OV_TEST_SERVERS_DIR/smtp/smtp.pid" ;;
    *) echo "$DIR/run/$1.pid" ;;
  esac
}

alive() {  # part → 0 when its process runs
  local file
  file=$(pidfile "$1")
  [[ -f $file ]] && ov_running "$(head -n1 "$file")"
}

kill_part() {  # SIGKILL, and back once it is gone
  local pid i
  alive "$1" || die "$1 is not running"
  pid=$(head -n1 "$(pidfile "$1")")
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do ov_running "$pid" || return 0; sleep 0.05; done
  die "$1 (pid $pid) still runs after SIGKILL"
}

stop_part() {
  case $1 in
    postgres) ov_stop_postgres "$OV_TEST_SERVERS_DIR" ;;
    *) ov_stop_pidfile "$(pidfile "$1")" ;;
  esac
}

parts() {
  local i
  echo postgres redis s3 smtp
  for ((i = 1; i <= API_NODES; i++)); do echo "api-$i"; done
  for ((i = 1; i <= WORKERS; i++)); do echo "worker-$i"; done
  echo scheduler nginx
}

# nginx: least connections over the API nodes, WebSockets passed through, and a node that
# refuses connections taken out for 5 s (passive checks: open-source nginx has no active ones;
# the nodes' /health/ready is for orchestrators). Idempotent requests that meet a dead node are
# retried on the next; a POST is never sent twice.
write_nginx_conf() {
  local port max_body user=""
  max_body=$((${MAX_UPLOAD_MB:-10} + 1))
  [[ $(id -u) -eq 0 ]] && user="user root root;  # workers must reach CLUSTER_DIR (mode 0700)"
  mkdir -p "$DIR/nginx/tmp"
  {
    cat <<CONF
# Made by scripts/cluster.sh; regenerated by every \`up\`.
$user
daemon off;
worker_processes 2;
pid $DIR/nginx/nginx.pid;
error_log $DIR/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log $DIR/logs/nginx-access.log combined buffer=64k flush=1s;
  client_body_temp_path $DIR/nginx/tmp/body;
  proxy_temp_path $DIR/nginx/tmp/proxy;
  fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
  uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
  scgi_temp_path $DIR/nginx/tmp/scgi;
  # The nodes answer 413 with a JSON detail up to MAX_UPLOAD_MB; nginx only stops what is
  # larger still, and says so in JSON too.
  client_max_body_size ${max_body}m;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  upstream objectvision {
    least_conn;
CONF
    for port in $CLUSTER_API_PORTS; do
      echo "    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"
    done
    cat <<CONF
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://objectvision;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      # WebSockets and ?wait=true stay open; the nodes close idle connections themselves.
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_buffering off;
    }
    error_page 413 = @too_large;
    error_page 502 504 = @unavailable;
    location @too_large {
      default_type application/json;
      return 413 '{"detail":"The request body is larger than this service accepts"}';
    }
    location @unavailable {
      default_type application/json;
      add_header Retry-After 2 always;
      return 503 '{"detail":"No API node is available; try again shortly"}';
    }
  }
}
CONF
  } >"$DIR/nginx/nginx.conf"
}

start_nginx() {
  mkdir -p "$DIR/logs" "$DIR/run"
  nginx -t -q -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" 2>>"$DIR/logs/nginx-error.log" ||
    die "nginx rejects $DIR/nginx/nginx.conf: $(tail -n 3 "$DIR/logs/nginx-error.log")"
  (
    _ov_close_fds
    exec nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
  ) </dev/null >>"$DIR/logs/nginx.log" 2>&1 &
  echo $! >"$DIR/run/nginx.pid"
  _ov_wait_port "$LB_PORT" 10 || die "nginx did not listen on $LB_PORT: $(tail -n 5 "$DIR/logs/nginx-error.log")"
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true; }

wait_ready() {  # url seconds part
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [[ $(http_code "$1") == 200 ]] && return 0
    alive "$3" || die "$3 exited: $(tail -n 20 "$DIR/logs/$3.log")"
    sleep 0.1
  done
  die "$3 is not ready at $1 after $2 s: $(tail -n 20 "$DIR/logs/$3.log")"
}

load_env() {
  [[ -f $DIR/cluster.env ]] || die "no cluster in $DIR (scripts/cluster.sh up)"
  # shellcheck source=/dev/null
  source "$DIR/cluster.env"
  API_NODES=$CLUSTER_API_NODES
  WORKERS=$CLUSTER_WORKERS
  LB_PORT=$CLUSTER_PORT
}

up() {
  [[ -x $BIN ]] || die "$BIN is missing: build it first (make build)"
  command -v nginx >/dev/null || die "nginx is missing: run scripts/setup.sh"
  if [[ -f $DIR/cluster.env ]]; then die "a cluster already runs in $DIR (scripts/cluster.sh down)"; fi
  if (exec 3<>/dev/tcp/127.0.0.1/"$LB_PORT") 2>/dev/null; then
    die "port $LB_PORT is taken (set CLUSTER_PORT)"
  fi
  mkdir -p "$DIR/logs" "$DIR/migrate"
  DIR=$(cd "$DIR" && pwd)
  trap 'down_after_failure' EXIT
  # As root, PostgreSQL runs as the postgres user, who must reach its directory: not under a
  # private one (a test's temporary directory, a home), so the data servers go to a new
  # directory of /tmp (linked from CLUSTER_DIR/servers).
  local servers_dir=$DIR/servers
  if [[ $(id -u) -eq 0 ]]; then
    servers_dir=$(mktemp -d /tmp/ov-cluster-servers.XXXXXX)
    ln -sfn "$servers_dir" "$DIR/servers"
  fi
  OV_S3_BUCKET=$BUCKET ov_servers_start "$servers_dir" || die "the data servers did not start"
  CLUSTER_API_PORTS=$(_ov_free_ports "$API_NODES")
  {
    echo "CLUSTER_DIR=$DIR"
    echo "CLUSTER_PORT=$LB_PORT"
    echo "CLUSTER_URL=http://127.0.0.1:$LB_PORT"
    echo "CLUSTER_API_NODES=$API_NODES"
    echo "CLUSTER_WORKERS=$WORKERS"
    echo "CLUSTER_API_PORTS='$CLUSTER_API_PORTS'"
    echo "CLUSTER_BUCKET=$BUCKET"
    sed 's/^export //' "$DIR/servers/servers.env"
  } >"$DIR/cluster.env"
  load_env
  write_server_env
  say "applying the migrations"
  (
    # shellcheck source=/dev/null
    source "$DIR/server.env"
    DATA_DIR="$DIR/migrate" "$BIN" migrate up
  ) >"$DIR/logs/migrate.log" 2>&1 || die "migrate up failed: $(tail -n 20 "$DIR/logs/migrate.log")"
  local i port
  for ((i = 1; i <= API_NODES; i++)); do start_part "api-$i"; done
  for ((i = 1; i <= WORKERS; i++)); do start_part "worker-$i"; done
  start_part scheduler
  for ((i = 1; i <= API_NODES; i++)); do
    port=$(api_port "api-$i")
    wait_ready "http://127.0.0.1:$port/health/ready" 60 "api-$i"
  done
  write_nginx_conf
  start_nginx
  wait_ready "http://127.0.0.1:$LB_PORT/health/ready" 10 nginx
  say "$API_NODES API nodes, $WORKERS workers, a scheduler; files in s3://$BUCKET on $OV_TEST_S3_ENDPOINT"
  trap - EXIT
  say "logs in $DIR/logs; scripts/cluster.sh status | down"
  echo "http://127.0.0.1:$LB_PORT"
}

# A start that failed half-way stops what it started (the logs are kept for a look).
down_after_failure() {
  say "the start failed; stopping what it started (logs kept in $DIR.failed)"
  rm -rf "$DIR.failed"
  cp -r "$DIR/logs" "$DIR.failed" 2>/dev/null || true
  down >/dev/null 2>&1 || true
}

status() {
  load_env
  local part state pid file
  printf '%-10s %-8s %s\n' PART PID STATE
  for part in $(parts); do
    file=$(pidfile "$part")
    pid=$([[ -f $file ]] && head -n1 "$file" || echo -)
    if alive "$part"; then state=running; else state=stopped; fi
    printf '%-10s %-8s %s\n' "$part" "$pid" "$state"
  done
  local code
  code=$(http_code "$CLUSTER_URL/health/ready")
  echo "$CLUSTER_URL/health/ready: ${code/000/no answer}"
  [[ $code == 200 ]]
}

down() {
  [[ -f $DIR/cluster.env ]] || { say "no cluster in $DIR"; return 0; }
  load_env
  local part
  # nginx first (no new requests), then the API nodes, the workers (each gives its job back)
  # and the scheduler, each with SIGTERM; the data servers last.
  stop_part nginx
  for part in $(parts); do
    case $part in api-* | worker-* | scheduler) stop_part "$part" ;; esac
  done
  ov_servers_stop "$OV_TEST_SERVERS_DIR"
  rm -rf "$DIR"
  say "stopped; $DIR removed"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  stop | start | kill | logs)
    [[ -n ${2:-} ]] || die "usage: $0 $1 PART (one of: $(parts | tr '\n' ' '))"
    load_env
    case $1 in
      stop) stop_part "$2" ;;
      start)
        if alive "$2"; then die "$2 is running"; fi
        start_part "$2"
        ;;
      kill) kill_part "$2" ;;
      logs) cat "$DIR/logs/$2.log" ;;
    esac
    ;;
  *)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
    ;;
esac
