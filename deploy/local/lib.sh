# Shared helpers for the local stack scripts. Sourced, not executed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${PEERBRIDGE_STACK_DIR:-$REPO_ROOT/.stack}"
CACHE_DIR="${PEERBRIDGE_CACHE_DIR:-$REPO_ROOT/.cache}"
mkdir -p "$STACK_DIR" "$CACHE_DIR"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s.
wait_until() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
  log "$what ready"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

any_alive() { local pid; for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfiles NAME FILE...: SIGTERM to all at once (a KRaft quorum must stop together),
# wait up to 30 s, then SIGKILL what is left.
stop_pidfiles() {
  local name=$1; shift
  local pids=() file
  for file in "$@"; do
    pid_alive "$file" && pids+=("$(cat "$file")")
  done
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 60); do
      any_alive "${pids[@]}" || break
      sleep 0.5
    done
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then log "$name (pid $pid) did not stop in 30 s; killing"; kill -9 "$pid" || true; fi
    done
    log "$name stopped"
  fi
  rm -f "$@"
}

apt_install() {
  log "installing $* (apt-get)"
  if [[ ! -f /var/lib/apt/periodic/.peerbridge-updated ]]; then
    apt-get update -qq && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/.peerbridge-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
