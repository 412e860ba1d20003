#!/usr/bin/env bash
# The native local stack for BrewClip Pipeline on Debian 12, without Docker:
# PostgreSQL 15 + pgvector 0.8, RabbitMQ 3.10 (management), ffmpeg, espeak-ng/sox,
# Node + s3rver (S3 tests). (ONNX Runtime comes with the build, from its NuGet package.)
# Everything listens on 127.0.0.1 only. Run as root.
#
#   scripts/infra.sh up      install what is missing, start what is stopped (idempotent)
#   scripts/infra.sh down    stop what `up` started
#   scripts/infra.sh restart postgres|rabbitmq  stop and start one server (the fault tests do)
#   scripts/infra.sh status  show what runs, and the connection settings
#   scripts/infra.sh env     print the connection settings as shell exports
#   scripts/infra.sh check   fail, saying why, when the disk is nearly full or the broker has raised an alarm
#   scripts/infra.sh reset-test-vhost  empty the tests' RabbitMQ virtual host (test.sh does, before and after)
set -euo pipefail

STATE_DIR="${BREWCLIP_INFRA_DIR:-/var/lib/brewclip-infra}"
S3RVER_VERSION="3.7.1"
S3RVER_DIR="/opt/brewclip/s3rver-$S3RVER_VERSION"
PGVECTOR_MIN="0.8"
PG_VERSION=15
PG_BIN="/usr/lib/postgresql/$PG_VERSION/bin"
PG_DATA="$STATE_DIR/postgres"
PG_PORT="${BREWCLIP_PG_PORT:-5432}"
PG_USER="brewclip"
PG_PASSWORD="brewclip"
PG_DB="brewclip"
PG_TEST_DB="brewclip_test"
RMQ_PORT="${BREWCLIP_RABBITMQ_PORT:-5672}"
RMQ_MGMT_PORT="${BREWCLIP_RABBITMQ_MGMT_PORT:-15672}"
RMQ_TEST_VHOST="brewclip-test"
RMQ_USER="brewclip"
RMQ_PASSWORD="brewclip"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root (it installs Debian packages and starts servers): sudo $0 $*"
}

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  # This apt setup can delete downloaded archives between dpkg runs ("cannot access archive");
  # the same command succeeds when repeated.
  local attempt
  for attempt in 1 2 3 4; do
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>"$STATE_DIR/apt.err"; then
      return 0
    fi
    log "apt-get install failed (attempt $attempt), retrying: $(tail -n 1 "$STATE_DIR/apt.err")"
    sleep 2
  done
  cat "$STATE_DIR/apt.err" >&2
  die "could not install ${missing[*]}"
}

# ---------------------------------------------------------------- PostgreSQL + pgvector
pgvector_installed() {
  [ -f "/usr/share/postgresql/$PG_VERSION/extension/vector.control" ] &&
    grep -q "default_version = '$PGVECTOR_MIN" "/usr/share/postgresql/$PG_VERSION/extension/vector.control"
}

debian_mirror() {
  # The mirror this machine already uses, so the trixie source line points at the same place.
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "cannot find the Debian mirror in /etc/apt/sources.list(.d) to fetch pgvector's source"
  printf '%s' "$uri"
}

install_pgvector() {
  pgvector_installed && return 0
  apt_install postgresql-server-dev-$PG_VERSION gcc make dpkg-dev
  local work="$STATE_DIR/pgvector-build"
  rm -rf "$work"; mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  printf 'deb-src %s trixie main\n' "$(debian_mirror)" > "$work/sources.list"
  local aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-"
                 -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
                 -o "APT::Sandbox::User=root")
  log "fetching pgvector source from Debian trixie"
  apt-get "${aptopts[@]}" update -qq >/dev/null 2>"$work/update.err" || { cat "$work/update.err" >&2; die "apt-get update for trixie sources failed"; }
  (cd "$work" && apt-get "${aptopts[@]}" source --download-only pgvector >/dev/null 2>"$work/source.err") ||
    { cat "$work/source.err" >&2; die "apt-get source pgvector failed"; }
  (cd "$work" && dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null)
  log "building pgvector"
  make -C "$work/src" PG_CONFIG="$PG_BIN/pg_config" >/dev/null 2>"$work/make.err" || { tail -20 "$work/make.err" >&2; die "pgvector build failed"; }
  make -C "$work/src" install PG_CONFIG="$PG_BIN/pg_config" >/dev/null
  pgvector_installed || die "pgvector installed but its control file does not say $PGVECTOR_MIN"
  rm -rf "$work"
}

pg_running() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

start_postgres() {
  apt_install postgresql-$PG_VERSION
  install_pgvector
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    mkdir -p "$PG_DATA"; chown postgres:postgres "$PG_DATA"; chmod 700 "$PG_DATA"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
max_connections = 200
shared_buffers = 256MB
fsync = on
CONF
  fi
  if ! pg_running; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null ||
      { tail -20 "$PG_DATA/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  local psql=(runuser -u postgres -- env PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='$PG_USER'")" != "1" ]; then
    "${psql[@]}" -c "create role $PG_USER login createdb password '$PG_PASSWORD'" >/dev/null
  fi
  # In template1 too, so every database created later (tests make their own) starts with it.
  "${psql[@]}" -d template1 -c "create extension if not exists vector" >/dev/null
  local db
  for db in "$PG_DB" "$PG_TEST_DB"; do
    if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='$db'")" != "1" ]; then
      "${psql[@]}" -c "create database $db owner $PG_USER" >/dev/null
    fi
    # The extension needs superuser to create; the app's migrations then find it present.
    "${psql[@]}" -d "$db" -c "create extension if not exists vector" >/dev/null
  done
}

stop_postgres() {
  if [ -f "$PG_DATA/PG_VERSION" ] && pg_running; then
    log "stopping PostgreSQL"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  fi
}

# ---------------------------------------------------------------- RabbitMQ
# rabbitmqctl waits for a node that does not answer (its own timeouts are minutes); every call is bounded.
rmqctl() { timeout --kill-after=5s "${RMQ_CTL_TIMEOUT:-30}" rabbitmqctl "$@"; }
rmq_running() { RMQ_CTL_TIMEOUT=15 rmqctl -q status >/dev/null 2>&1; }

start_rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    # Write the loopback-only configuration first, so the server never listens on all interfaces.
    write_rabbitmq_config
    apt_install rabbitmq-server
  fi
  write_rabbitmq_config
  if ! rmq_running; then
    timeout 60 rabbitmq-plugins --offline enable rabbitmq_management >/dev/null
    log "starting RabbitMQ on 127.0.0.1:$RMQ_PORT (management 127.0.0.1:$RMQ_MGMT_PORT)"
    timeout 60 rabbitmq-server -detached >/dev/null 2>&1 || true
    local wait_s="${BREWCLIP_RABBITMQ_START_TIMEOUT:-300}" deadline next_note
    deadline=$((SECONDS + wait_s)); next_note=$((SECONDS + 30))
    until RMQ_CTL_TIMEOUT=10 rmqctl -q await_startup --timeout 5 >/dev/null 2>&1; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        tail -n 20 /var/log/rabbitmq/*.log >&2 2>/dev/null || true
        die "RabbitMQ did not start within $wait_s s (BREWCLIP_RABBITMQ_START_TIMEOUT; see /var/log/rabbitmq)"
      fi
      if [ "$SECONDS" -ge "$next_note" ]; then
        log "still waiting for RabbitMQ to start (it recovers its durable queues first; $(grep -h 'Recovering' /var/log/rabbitmq/*.log 2>/dev/null | tail -n 1 | sed 's/.*Recovering/recovering/; s/,.*//'))"
        next_note=$((SECONDS + 30))
      fi
      sleep 1
    done
  fi
  if ! rmqctl -q list_users 2>/dev/null | awk '{print $1}' | grep -qx "$RMQ_USER"; then
    rmqctl -q add_user "$RMQ_USER" "$RMQ_PASSWORD" >/dev/null
    rmqctl -q set_user_tags "$RMQ_USER" administrator >/dev/null
    rmqctl -q set_permissions -p / "$RMQ_USER" '.*' '.*' '.*' >/dev/null
  fi
  # Tests get a virtual host of their own, so their queues never mix with a running stack's.
  if ! rmqctl -q list_vhosts 2>/dev/null | grep -qx "$RMQ_TEST_VHOST"; then
    rmqctl -q add_vhost "$RMQ_TEST_VHOST" >/dev/null
    rmqctl -q set_permissions -p "$RMQ_TEST_VHOST" "$RMQ_USER" '.*' '.*' '.*' >/dev/null
  fi
}

write_rabbitmq_config() {
  mkdir -p /etc/rabbitmq
  cat > /etc/rabbitmq/rabbitmq.conf <<CONF
listeners.tcp.1 = 127.0.0.1:$RMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RMQ_MGMT_PORT
loopback_users = none
# A delivery unacknowledged this long closes its channel and is delivered again. Services take at most their
# concurrency ahead of acknowledgement where handling is slow (a long recording), so 2 h is the bound on handling one.
consumer_timeout = 7200000
CONF
  cat > /etc/rabbitmq/rabbitmq-env.conf <<CONF
NODE_IP_ADDRESS=127.0.0.1
NODENAME=rabbit@localhost
ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
# RabbitMQ keeps a file open per queue while it recovers them: at the soft limit su leaves its user
# (1024) a node with a thousand durable queues never finishes starting. Its service unit sets 65536;
# started by hand, the node raises its own soft limit to the hard one here (this file is sourced).
ulimit -S -n "\$(ulimit -H -n)" 2>/dev/null || true
CONF
}

stop_rabbitmq() {
  if command -v rabbitmqctl >/dev/null 2>&1 && rmq_running; then
    log "stopping RabbitMQ"
    rmqctl -q shutdown >/dev/null 2>&1 || true
  fi
  command -v epmd >/dev/null 2>&1 && epmd -kill >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- tools and libraries
install_s3rver() {
  [ -x "$S3RVER_DIR/node_modules/.bin/s3rver" ] && return 0
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  log "installing s3rver $S3RVER_VERSION"
  mkdir -p "$S3RVER_DIR"
  (cd "$S3RVER_DIR" && npm install --silent --no-audit --no-fund "s3rver@$S3RVER_VERSION" >/dev/null 2>"$S3RVER_DIR/npm.err") ||
    { cat "$S3RVER_DIR/npm.err" >&2; die "npm install s3rver@$S3RVER_VERSION failed"; }
}

install_tools() {
  # chromium and its driver: the search page is tested in a real (headless) browser.
  apt_install ffmpeg espeak-ng sox libopenblas0-pthread python3 docker-compose chromium chromium-driver
  install_s3rver
}

# ---------------------------------------------------------------- health
# Below its disk or memory limit RabbitMQ blocks every publishing connection without an error: a
# publisher (a service, a test) then waits forever. Say so before anything waits on it.
MIN_FREE_MB="${BREWCLIP_MIN_FREE_MB:-2048}"

check() {
  local ok=0 dir free_mb fs seen=" "
  for dir in "$STATE_DIR" "${TMPDIR:-/tmp}" "$PWD"; do
    [ -d "$dir" ] || continue
    fs=$(df -Pm "$dir" | awk 'NR==2 {print $1}')
    case "$seen" in *" $fs "*) continue ;; esac
    seen="$seen$fs "
    free_mb=$(df -Pm "$dir" | awk 'NR==2 {print $4}')
    if [ "$free_mb" -lt "$MIN_FREE_MB" ]; then
      log "error: only $free_mb MB free on the file system of $dir; the stack and its tests need $MIN_FREE_MB MB (BREWCLIP_MIN_FREE_MB), and RabbitMQ blocks every publisher when its disk runs low"
      ok=1
    fi
  done
  local answer code
  answer=$(curl -sS --max-time 10 -w '\n%{http_code}' -u "$RMQ_USER:$RMQ_PASSWORD" "http://127.0.0.1:$RMQ_MGMT_PORT/api/health/checks/alarms" 2>&1) || true
  code=$(printf '%s' "$answer" | tail -n 1)
  case "$code" in
    200) ;;
    503)
      log "error: RabbitMQ has raised an alarm and blocks every publisher until it clears: $(printf '%s' "$answer" | head -n 1)"
      log "       (rabbitmq-diagnostics status shows its disk and memory limits; free space or memory and it resumes)"
      ok=1 ;;
    *)
      log "error: RabbitMQ's management API on 127.0.0.1:$RMQ_MGMT_PORT does not answer: $(printf '%s' "$answer" | head -n 1)"
      ok=1 ;;
  esac
  return $ok
}

# ---------------------------------------------------------------- test state
# Each test run names its queues with a prefix of its own, and a test that ends (or dies) leaves its
# durable queues behind, still bound to the shared exchanges: they collect a copy of every later
# message, and a node with thousands of them is slow to start. test.sh empties the test virtual host
# before and after a run, through the management API (no root needed).
reset_test_vhost() {
  local api="http://127.0.0.1:$RMQ_MGMT_PORT/api" vhost="${RMQ_TEST_VHOST//\//%2F}" code queues
  queues=$(curl -sS --max-time 30 -u "$RMQ_USER:$RMQ_PASSWORD" "$api/vhosts/$vhost?columns=messages" 2>/dev/null | grep -oE '"messages":[0-9]+' | head -n 1 | cut -d: -f2) || true
  code=$(curl -sS --max-time 300 -o /dev/null -w '%{http_code}' -u "$RMQ_USER:$RMQ_PASSWORD" -X DELETE "$api/vhosts/$vhost" 2>/dev/null) || true
  case "$code" in 204|404) ;; *) log "error: could not delete the test virtual host $RMQ_TEST_VHOST (HTTP $code)"; return 1 ;; esac
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -u "$RMQ_USER:$RMQ_PASSWORD" -X PUT "$api/vhosts/$vhost" 2>/dev/null) || true
  case "$code" in 201|204) ;; *) log "error: could not create the test virtual host $RMQ_TEST_VHOST (HTTP $code)"; return 1 ;; esac
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -u "$RMQ_USER:$RMQ_PASSWORD" -X PUT -H 'content-type: application/json' \
    -d '{"configure":".*","write":".*","read":".*"}' "$api/permissions/$vhost/$RMQ_USER" 2>/dev/null) || true
  case "$code" in 201|204) ;; *) log "error: could not grant $RMQ_USER the test virtual host (HTTP $code)"; return 1 ;; esac
  [ -n "$queues" ] && [ "$queues" != 0 ] && log "emptied the test virtual host $RMQ_TEST_VHOST ($queues messages left by earlier runs)"
  return 0
}

# ---------------------------------------------------------------- commands
print_env() {
  cat <<ENV
export BREWCLIP__Postgres__ConnectionString='Host=127.0.0.1;Port=$PG_PORT;Username=$PG_USER;Password=$PG_PASSWORD;Database=$PG_DB'
export BREWCLIP_TEST_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Username=$PG_USER;Password=$PG_PASSWORD;Database=$PG_TEST_DB'
export BREWCLIP__RabbitMq__Host=127.0.0.1
export BREWCLIP__RabbitMq__Port=$RMQ_PORT
export BREWCLIP__RabbitMq__Username=$RMQ_USER
export BREWCLIP__RabbitMq__Password=$RMQ_PASSWORD
export BREWCLIP_TEST_RABBITMQ='host=127.0.0.1;port=$RMQ_PORT;vhost=$RMQ_TEST_VHOST;username=$RMQ_USER;password=$RMQ_PASSWORD'
export BREWCLIP_S3RVER='$S3RVER_DIR/node_modules/.bin/s3rver'
ENV
}

status() {
  local ok=0
  if [ -f "$PG_DATA/PG_VERSION" ] && pg_running; then log "postgres: running (127.0.0.1:$PG_PORT, data $PG_DATA)"; else log "postgres: stopped"; ok=1; fi
  if command -v rabbitmqctl >/dev/null 2>&1 && rmq_running; then log "rabbitmq: running (127.0.0.1:$RMQ_PORT, management :$RMQ_MGMT_PORT)"; else log "rabbitmq: stopped"; ok=1; fi
  if command -v ffmpeg >/dev/null 2>&1; then log "ffmpeg: $(ffmpeg -version | head -n1 | awk '{print $3}')"; else log "ffmpeg: missing"; ok=1; fi
  if [ -x "$S3RVER_DIR/node_modules/.bin/s3rver" ]; then log "s3rver: $S3RVER_DIR"; else log "s3rver: missing"; ok=1; fi
  # The search page's test drives Debian's chromium through its chromedriver.
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then log "browser: $(chromium --version 2>/dev/null | head -n1)"; else log "browser: chromium or chromedriver missing"; ok=1; fi
  return $ok
}

cmd="${1:-}"
case "$cmd" in
  up)
    require_root "$@"
    mkdir -p "$STATE_DIR"
    install_tools
    start_postgres
    start_rabbitmq
    log "stack is up; connection settings:"
    print_env
    ;;
  down)
    require_root "$@"
    stop_rabbitmq
    stop_postgres
    log "stack is down"
    ;;
  restart)
    # One server stopped and started again, as a fault test does to see the services ride it out.
    require_root "$@"
    case "${2:-}" in
      postgres) stop_postgres; start_postgres ;;
      rabbitmq) stop_rabbitmq; start_rabbitmq ;;
      *) echo "usage: $0 restart postgres|rabbitmq" >&2; exit 2 ;;
    esac
    ;;
  status) status ;;
  env) print_env ;;
  check) check ;;
  reset-test-vhost) reset_test_vhost ;;
  *) echo "usage: $0 up|down|restart postgres|rabbitmq|status|env|check|reset-test-vhost" >&2; exit 2 ;;
esac
