#!/usr/bin/env bash
# PeerBridge's own processes, run locally against the stack (make up / make down).
#   services.sh start | stop | status
# Each process writes .stack/services/<name>.log and is ready when its /readyz answers 200.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="${VENV:-$REPO_ROOT/.venv}"
RUN="$STACK_DIR/services"
PG="postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:${PEERBRIDGE_PG_PORT:-5432}"

# name|readiness URL (empty: none)|command
PROCESSES=(
  "scheduling|http://127.0.0.1:8001/readyz|$VENV/bin/python -m peerbridge_scheduling"
  "scheduling-relay||$VENV/bin/peerbridge-relay --service scheduling-relay --database-url $PG/peerbridge_scheduling"
  "scheduling-worker||$VENV/bin/python -m peerbridge_scheduling.worker"
  "escalation|http://127.0.0.1:8002/readyz|$VENV/bin/python -m peerbridge_escalation"
  "escalation-relay||$VENV/bin/peerbridge-relay --service escalation-relay --database-url $PG/peerbridge_escalation"
  "escalation-worker||$VENV/bin/python -m peerbridge_escalation.worker"
  "escalation-delivery||$VENV/bin/python -m peerbridge_escalation.notify"
  "escalation-timers||$VENV/bin/python -m peerbridge_escalation.routing.timers"
  "metrics-worker|http://127.0.0.1:6067/measures?organization_id=org-demo|$VENV/bin/python -m peerbridge_metrics.worker"
  "escalation-watchdog||$VENV/bin/python -m peerbridge_escalation.routing.timers --watchdog --metrics-port 9102"
  "gateway|http://127.0.0.1:8000/readyz|$VENV/bin/python -m peerbridge_gateway"
  "gateway-fanout||$VENV/bin/python -m peerbridge_gateway.fanout"
  "gateway-webhooks||$VENV/bin/python -m peerbridge_gateway.webhooks"
)

ready() { curl -fsS "$1" >/dev/null; }

start() {
  mkdir -p "$RUN"
  for entry in "${PROCESSES[@]}"; do
    IFS='|' read -r name url command <<<"$entry"
    pid_alive "$RUN/$name.pid" && continue
    log "starting $name (log: $RUN/$name.log)"
    # shellcheck disable=SC2086 - the command is split into words on purpose
    nohup $command >>"$RUN/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
  done
  for entry in "${PROCESSES[@]}"; do
    IFS='|' read -r name url _ <<<"$entry"
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

status() {
  for entry in "${PROCESSES[@]}"; do
    IFS='|' read -r name _ _ <<<"$entry"
    if pid_alive "$RUN/$name.pid"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: services.sh start|stop|status" ;;
esac
