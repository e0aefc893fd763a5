#!/usr/bin/env bash
# The local stack: Apache Kafka (KRaft), PostgreSQL and Redis on loopback.
#   stack.sh up [single|cluster]   start all three and wait until ready (cluster: 3 Kafka nodes)
#   stack.sh down                  stop all three cleanly (data is kept in .stack/)
#   stack.sh status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(dirname "${BASH_SOURCE[0]}")"

case "${1:-}" in
  up)
    start=$SECONDS
    bash "$here/kafka.sh" start "${2:-single}"
    bash "$here/postgres.sh" start
    bash "$here/redis.sh" start
    log "stack up in $((SECONDS - start)) s"
    ;;
  down)
    bash "$here/kafka.sh" stop
    bash "$here/redis.sh" stop
    bash "$here/postgres.sh" stop
    ;;
  status)
    bash "$here/kafka.sh" status
    bash "$here/postgres.sh" status
    bash "$here/redis.sh" status
    ;;
  *) die "usage: stack.sh up [single|cluster] | down | status" ;;
esac
