#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1 with a cluster of the project's own (Debian packages, installed if missing).
#   postgres.sh start | stop | status
# Creates role peerbridge (password peerbridge, may create databases) and one database per service.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${PEERBRIDGE_PG_PORT:-5432}"
PG_STATE="$STACK_DIR/postgres"
PG_DATA="$PG_STATE/data"
DATABASES=(peerbridge_scheduling peerbridge_escalation peerbridge_metrics)

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_pg() { if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi; }

ensure_installed() {
  [[ -n $(pg_bin) && -x "$(pg_bin)/initdb" ]] || apt_install postgresql
}

init_cluster() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  mkdir -p "$PG_STATE"
  (( EUID == 0 )) && chown postgres "$PG_STATE"
  as_pg test -w "$PG_STATE" || die "$PG_STATE is not writable by the postgres user (set PEERBRIDGE_STACK_DIR)"
  log "initialising PostgreSQL cluster in $PG_DATA"
  as_pg "$(pg_bin)/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$PG_STATE/initdb.log" 2>&1 || die "initdb failed; see $PG_STATE/initdb.log"
}

psql_admin() { as_pg psql -h "$PG_STATE" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

create_role_and_databases() {
  psql_admin -d postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'peerbridge') THEN
        CREATE ROLE peerbridge LOGIN CREATEDB PASSWORD 'peerbridge';
      END IF; END \$\$;"
  for db in "${DATABASES[@]}"; do
    [[ $(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'") == 1 ]] \
      || psql_admin -d postgres -c "CREATE DATABASE $db OWNER peerbridge"
  done
}

start() {
  ensure_installed
  init_cluster
  if ! as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    port_open "$PG_PORT" && die "port $PG_PORT is taken by another process (set PEERBRIDGE_PG_PORT)"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -l "$PG_STATE/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_STATE -c fsync=on" start >/dev/null \
      || die "PostgreSQL did not start; see $PG_STATE/server.log"
  fi
  wait_until 60 "PostgreSQL" psql_admin -d postgres -c "SELECT 1" || die "PostgreSQL not answering"
  create_role_and_databases
}

stop() {
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
}

status() {
  if [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    echo "postgres: running on 127.0.0.1:$PG_PORT"
  else
    echo "postgres: stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: postgres.sh start|stop|status" ;;
esac
