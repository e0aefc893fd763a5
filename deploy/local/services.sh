#!/usr/bin/env bash
# PeerBridge's own processes, run locally against the stack (make up / make down).
#   services.sh start | stop | status
# Each process writes .stack/services/<name>.log and is ready when its /readyz answers 200; a
# process without a port beats .stack/services/<name>.heartbeat (status says when it is stale).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="${VENV:-$REPO_ROOT/.venv}"
RUN="$STACK_DIR/services"
PG="postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:${PEERBRIDGE_PG_PORT:-5432}"

# The processes come from the process registry (deploy/processes.yaml), the same list docker
# compose and Kubernetes run, one line each:
#   name|readiness URL (empty: none)|heartbeat max age in s (empty: none)|command.
# A registry entry whose module is not installed yet is skipped (and named on stderr).
PROCESSES=()
load_processes() {
  local list
  list="$("$VENV/bin/python" -m peerbridge_deploy local --venv "$VENV" --postgres "$PG")" \
    || die "cannot read the process registry (deploy/processes.yaml)"
  mapfile -t PROCESSES <<<"$list"
}

ready() { curl -fsS "$1" >/dev/null; }

# Development defaults of the local run (each may be set beforehand): the console on plain
# http://127.0.0.1 (no Secure cookie), signing in at the local Keycloak (keycloak.sh), whose tokens
# the gateway trusts beside the dev key; pages link to the console's case page.
KEYCLOAK_URL="http://127.0.0.1:${PEERBRIDGE_KEYCLOAK_PORT:-8080}"
export CONSOLE_COOKIE_SECURE="${CONSOLE_COOKIE_SECURE:-false}"
export CONSOLE_OIDC_ISSUER="${CONSOLE_OIDC_ISSUER:-$KEYCLOAK_URL/realms/peerbridge}"
export ESCALATION_CONSOLE_URL="${ESCALATION_CONSOLE_URL:-http://127.0.0.1:8010}"
if [[ -z ${GATEWAY_TRUSTED_ISSUERS:-} && -x $VENV/bin/peerbridge-console-realm ]]; then
  GATEWAY_TRUSTED_ISSUERS="$("$VENV/bin/peerbridge-console-realm" trust --keycloak "$KEYCLOAK_URL")"
  export GATEWAY_TRUSTED_ISSUERS
fi

start() {
  load_processes
  mkdir -p "$RUN"
  # local only: the simulator's pager (a webhook on 127.0.0.1) can be verified and paged
  export ESCALATION_WEBHOOK_ALLOW_HTTP_LOCALHOST="${ESCALATION_WEBHOOK_ALLOW_HTTP_LOCALHOST:-true}"
  for entry in "${PROCESSES[@]}"; do
    IFS='|' read -r name url _ command <<<"$entry"
    pid_alive "$RUN/$name.pid" && continue
    log "starting $name (log: $RUN/$name.log)"
    rm -f "$RUN/$name.heartbeat"  # a beat of a previous run says nothing about this one
    # shellcheck disable=SC2086 - the command is split into words on purpose
    PEERBRIDGE_HEARTBEAT_FILE="$RUN/$name.heartbeat" nohup $command >>"$RUN/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
  done
  for entry in "${PROCESSES[@]}"; do
    IFS='|' read -r name url _ _ <<<"$entry"
    if [[ -n $url ]]; then
      wait_until 60 "$name" ready "$url" || die "$name is not ready; see $RUN/$name.log"
    else
      sleep 0.5
      pid_alive "$RUN/$name.pid" || die "$name exited; see $RUN/$name.log"
      log "$name running"
    fi
  done
}

stop() {
  shopt -s nullglob
  stop_pidfiles "PeerBridge services" "$RUN"/*.pid
}

# heartbeat NAME MAX_AGE: "heartbeat ok" or why not (the liveness check of compose and Kubernetes).
heartbeat() {
  local reason
  if reason="$("$VENV/bin/python" -m peerbridge_shared.heartbeat check --max-age-s "$2" --file "$RUN/$1.heartbeat" 2>&1)"
  then echo "heartbeat ok"; else echo "NOT LIVE: ${reason#heartbeat }"; fi
}

status() {
  load_processes
  for entry in "${PROCESSES[@]}"; do
    IFS='|' read -r name _ max_age _ <<<"$entry"
    if pid_alive "$RUN/$name.pid"; then
      echo "$name: running (pid $(cat "$RUN/$name.pid"))${max_age:+, $(heartbeat "$name" "$max_age")}"
    else
      echo "$name: stopped"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: services.sh start|stop|status" ;;
esac
