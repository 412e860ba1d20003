#!/usr/bin/env bash
# Runs BrewClip Pipeline on this machine without Docker: the native stack from scripts/infra.sh,
# the schema, and every service in the background (logs in .run/logs, health on 127.0.0.1:8081-8085).
#   scripts/stack.sh up       build, migrate, start every service
#   scripts/stack.sh down     stop the services (SIGTERM; they finish in-flight work)
#   scripts/stack.sh status   which services run, and `brewclip status`
# Settings come from .env (see .env.example) and BREWCLIP__ variables; infra's defaults otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN="$ROOT/.run"
OUT="$RUN/bin"
SERVICES=(Ingest Transcription AcousticEmbedding ImageEmbedding Training)

settings() {
  # infra's connection settings, unless .env or the environment already give them.
  while IFS= read -r line; do
    var=${line#export }; var=${var%%=*}
    if [ -z "${!var:-}" ] && ! grep -qs "^$var=" .env; then eval "$line"; fi
  done < <(scripts/infra.sh env)
}

# A setting from the environment, else from .env (the services read .env themselves; this script needs a few).
setting() {
  if [ -n "${!1+set}" ]; then printf '%s' "${!1}"; return; fi
  { grep -s "^$1=" .env || true; } | tail -n 1 | cut -d= -f2-
}

has_setting() { [ -n "${!1+set}" ] || grep -qs "^$1=" .env; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
  if ! scripts/infra.sh status >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then scripts/infra.sh up >/dev/null; else sudo scripts/infra.sh up >/dev/null; fi
  fi
  settings
  # Ingest watches ./inbox unless .env or the environment name other folders.
  if [ -z "${BREWCLIP__Ingest__Folders__0__Path:-}" ] && ! grep -qs "^BREWCLIP__Ingest__Folders__0__Path=" .env; then
    export BREWCLIP__Ingest__Folders__0__Name=inbox BREWCLIP__Ingest__Folders__0__Path="$ROOT/inbox"
    mkdir -p "$ROOT/inbox"
  fi
  mkdir -p "$RUN/logs" "$RUN/pids"
  echo "building"
  dotnet build BrewClip.Pipeline.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
  dotnet "services/BrewClip.Cli/bin/Release/net10.0/brewclip.dll" db migrate
  # The embedding services' models, each file checked against its pinned SHA-256 (verified files are kept).
  # BREWCLIP_PULL_MODELS= (empty) skips this, for a model store filled by hand.
  pull="clip-vit-base-patch32 whisper-base"
  if has_setting BREWCLIP_PULL_MODELS; then pull=$(setting BREWCLIP_PULL_MODELS); fi
  store=$(setting BREWCLIP__Models__Root)
  if [ -n "$pull" ]; then
    # shellcheck disable=SC2086
    dotnet "services/BrewClip.Cli/bin/Release/net10.0/brewclip.dll" models pull $pull ${store:+--models "$store"} \
      || echo "warning: the models were not pulled; Transcription, AcousticEmbedding and ImageEmbedding will stop at start naming the missing file" >&2
  fi
  for s in "${SERVICES[@]}"; do
    pidfile="$RUN/pids/$s.pid"
    if pid_alive "$pidfile"; then echo "$s already running (pid $(cat "$pidfile"))"; continue; fi
    nohup dotnet "services/BrewClip.$s/bin/Release/net10.0/BrewClip.$s.dll" >"$RUN/logs/$s.log" 2>&1 &
    echo $! >"$pidfile"
    echo "started $s (pid $!, log .run/logs/$s.log)"
  done
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
  dotnet "services/BrewClip.Cli/bin/Release/net10.0/brewclip.dll" status
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
