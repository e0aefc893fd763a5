#!/usr/bin/env bash
# Redis on 127.0.0.1 (Debian package, installed if missing), append-only file in the stack dir.
#   redis.sh start | stop | status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_PORT="${PEERBRIDGE_REDIS_PORT:-6379}"
REDIS_STATE="$STACK_DIR/redis"

ping() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG; }

start() {
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$REDIS_STATE"
  if ! pid_alive "$REDIS_STATE/redis.pid"; then
    port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by another process (set PEERBRIDGE_REDIS_PORT)"
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
      --pidfile "$REDIS_STATE/redis.pid" --dir "$REDIS_STATE" --logfile "$REDIS_STATE/redis.log" \
      --appendonly yes --save "" || die "Redis did not start; see $REDIS_STATE/redis.log"
  fi
  wait_until 30 "Redis" ping || die "Redis not answering; see $REDIS_STATE/redis.log"
}

stop() { stop_pidfiles Redis "$REDIS_STATE/redis.pid"; }

status() {
  if pid_alive "$REDIS_STATE/redis.pid"; then echo "redis: running on 127.0.0.1:$REDIS_PORT"; else echo "redis: stopped"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: redis.sh start|stop|status" ;;
esac
