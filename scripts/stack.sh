#!/usr/bin/env bash
# Runs BrewClip Pipeline on this machine without Docker: the native stack from scripts/infra.sh,
# the schema, and every service in the background (logs in .run/logs, health on 127.0.0.1:8081-8086; the search page on 8086).
#   scripts/stack.sh up       build, migrate, start every service and wait until each is ready; link `brewclip` onto PATH
#   scripts/stack.sh down     stop the services (SIGTERM; they finish in-flight work)
#   scripts/stack.sh status   which services run, and `brewclip status`
# Settings come from .env (see .env.example) and BREWCLIP__ variables; infra's defaults otherwise
# (scripts/lib/defaults.sh, which the `brewclip` on PATH reads too).
# BREWCLIP_START_TIMEOUT (seconds, default 180): how long up waits for a service's /health/ready.
# BREWCLIP_RUN_DIR (default .run): pids, logs. BREWCLIP_BIN_DIR: where `brewclip` is linked (default
# /usr/local/bin when writable, else ~/.local/bin). `up --no-build` starts what is built.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN="${BREWCLIP_RUN_DIR:-$ROOT/.run}"
OUT="$RUN/bin"
SERVICES=(Ingest Transcription AcousticEmbedding ImageEmbedding Training Search)
# Each service's health port: BREWCLIP_HEALTH_PORT_BASE (default 8081, as in each appsettings.json) and the next five (Search, whose page is at its URL, is the last).
BASE=${BREWCLIP_HEALTH_PORT_BASE:-8081}
declare -A PORTS=([Ingest]=$BASE [Transcription]=$((BASE + 1)) [AcousticEmbedding]=$((BASE + 2)) [ImageEmbedding]=$((BASE + 3)) [Training]=$((BASE + 4)) [Search]=$((BASE + 5)))
# shellcheck source=lib/defaults.sh
source "$ROOT/scripts/lib/defaults.sh"

settings() { brewclip_defaults "$ROOT"; }

# Why a service stopped or is not ready: the reason it logged at start ("... cannot start: <reason>"), else the end of its log.
explain() {
  local log="$RUN/logs/$1.log" reason
  reason=$(grep -m 1 -oE 'cannot start: .*' "$log" 2>/dev/null | cut -d' ' -f3- || true)
  if [ -n "$reason" ]; then
    echo "  $reason" >&2
  else
    tail -n 10 "$log" | sed 's/^/  | /' >&2
  fi
  echo "  (the whole log: ${log#"$ROOT"/})" >&2
}

# Waits until the service answers /health/ready; fails, saying why, when it exits or never gets ready.
await_ready() {
  local s=$1 pidfile=$2 port=${PORTS[$1]} limit=${BREWCLIP_START_TIMEOUT:-180} waited=0 answer
  while :; do
    if ! pid_alive "$pidfile"; then
      echo "error: $s exited during start:" >&2
      explain "$s"
      return 1
    fi
    if curl -fsS --max-time 2 "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then
      echo "$s ready (http://127.0.0.1:$port/health/ready)"
      return 0
    fi
    if [ "$waited" -ge "$limit" ]; then
      answer=$(curl -sS --max-time 2 "http://127.0.0.1:$port/health/ready" 2>&1 || true)
      echo "error: $s runs but is not ready after $limit s (BREWCLIP_START_TIMEOUT): ${answer:-no answer on port $port}" >&2
      explain "$s"
      return 1
    fi
    sleep 1; waited=$((waited + 1))
  done
}

# `brewclip` on PATH: a link to scripts/brewclip in /usr/local/bin when writable, else in ~/.local/bin.
link_cli() {
  local dir=${BREWCLIP_BIN_DIR:-/usr/local/bin}
  [ -n "${BREWCLIP_BIN_DIR:-}" ] || [ -w "$dir" ] || dir="$HOME/.local/bin"
  mkdir -p "$dir"
  ln -sfn "$ROOT/scripts/brewclip" "$dir/brewclip"
  case ":$PATH:" in
    *":$dir:"*) echo "brewclip is on PATH ($dir/brewclip -> scripts/brewclip)" ;;
    *) echo "brewclip is linked as $dir/brewclip; add $dir to PATH to run it by name" ;;
  esac
}

# A setting from the environment, else from .env (the services read .env themselves; this script needs a few).
setting() {
  if [ -n "${!1+set}" ]; then printf '%s' "${!1}"; return; fi
  { grep -s "^$1=" "${BREWCLIP_ENV_FILE:-.env}" || true; } | tail -n 1 | cut -d= -f2-
}

has_setting() { [ -n "${!1+set}" ] || grep -qs "^$1=" "${BREWCLIP_ENV_FILE:-.env}"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
  if ! scripts/infra.sh status >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then scripts/infra.sh up >/dev/null; else sudo scripts/infra.sh up >/dev/null; fi
  fi
  settings
  # Ingest watches ./inbox unless .env or the environment name other folders.
  if [ -z "${BREWCLIP__Ingest__Folders__0__Path:-}" ] && ! grep -qs "^BREWCLIP__Ingest__Folders__0__Path=" "$BREWCLIP_ENV_FILE"; then
    export BREWCLIP__Ingest__Folders__0__Name=inbox BREWCLIP__Ingest__Folders__0__Path="$ROOT/inbox"
    mkdir -p "$ROOT/inbox"
  fi
  mkdir -p "$RUN/logs" "$RUN/pids"
  if [ "${1:-}" != "--no-build" ]; then
    echo "building"
    dotnet build BrewClip.Pipeline.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
  fi
  dotnet "services/BrewClip.Cli/bin/Release/net10.0/brewclip.dll" db migrate
  # The embedding services' models, each file checked against its pinned SHA-256 (verified files are kept).
  # By default the chosen ones (Models:Clip, Models:Whisper, Models:Precision); BREWCLIP_PULL_MODELS names others,
  # and BREWCLIP_PULL_MODELS= (empty) skips this, for a model store filled by hand.
  pull="chosen"
  if has_setting BREWCLIP_PULL_MODELS; then pull=$(setting BREWCLIP_PULL_MODELS); fi
  store=$(setting BREWCLIP__Models__Root)
  if [ "$pull" = chosen ]; then pull=""; chosen=1; else chosen=""; fi
  if [ -n "$pull$chosen" ]; then
    # shellcheck disable=SC2086
    dotnet "services/BrewClip.Cli/bin/Release/net10.0/brewclip.dll" models pull $pull ${store:+--models "$store"} \
      || echo "warning: the models were not pulled; Transcription, AcousticEmbedding, ImageEmbedding and Search will stop at start naming the missing file" >&2
  fi
  link_cli
  local started=()
  for s in "${SERVICES[@]}"; do
    pidfile="$RUN/pids/$s.pid"
    if pid_alive "$pidfile"; then echo "$s already running (pid $(cat "$pidfile"))"; continue; fi
    BREWCLIP__Service__HealthUrl="http://127.0.0.1:${PORTS[$s]}" \
      nohup dotnet "services/BrewClip.$s/bin/Release/net10.0/BrewClip.$s.dll" >"$RUN/logs/$s.log" 2>&1 &
    echo $! >"$pidfile"
    echo "started $s (pid $!, log ${RUN#"$ROOT"/}/logs/$s.log)"
    started+=("$s")
  done
  local failed=0
  for s in ${started[@]+"${started[@]}"}; do
    await_ready "$s" "$RUN/pids/$s.pid" || failed=1
  done
  if [ "$failed" -ne 0 ]; then
    echo "error: not every service started; fix what the log says and run scripts/stack.sh up again (running services are kept)" >&2
    exit 1
  fi
  echo "every service is ready; brewclip status shows the index"
}

down() {
  for s in "${SERVICES[@]}"; do
    pidfile="$RUN/pids/$s.pid"
    if pid_alive "$pidfile"; then
      kill -TERM "$(cat "$pidfile")"
      for _ in $(seq 1 60); do pid_alive "$pidfile" || break; sleep 0.5; done
      echo "stopped $s"
    fi
    rm -f "$pidfile"
  done
}

status() {
  settings
  for s in "${SERVICES[@]}"; do
    if pid_alive "$RUN/pids/$s.pid"; then echo "$s: running (pid $(cat "$RUN/pids/$s.pid"))"; else echo "$s: stopped"; fi
  done
  local s
  for s in "${SERVICES[@]}"; do export "BREWCLIP__Cli__Services__$s=http://127.0.0.1:${PORTS[$s]}"; done
  dotnet "services/BrewClip.Cli/bin/Release/net10.0/brewclip.dll" status
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up [--no-build]|down|status" >&2; exit 2 ;;
esac
