#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1 with a cluster of the project's own (Debian packages, installed if missing).
#   postgres.sh start | stop | status
# Creates role peerbridge (password peerbridge, may create databases) and one database per service.
# The cluster lives in $PEERBRIDGE_PG_DIR if set, else in .stack/postgres; as root, when the postgres
# user cannot reach the checkout (cloned under /root, say), in /var/lib/peerbridge/postgres-<id>.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${PEERBRIDGE_PG_PORT:-5432}"
DATABASES=(peerbridge_scheduling peerbridge_escalation peerbridge_metrics)

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_pg() { if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi; }

# The same answer on every call for one checkout: an existing cluster first, then where the
# postgres user can write.
pg_state_dir() {
  if [[ -n ${PEERBRIDGE_PG_DIR:-} ]]; then echo "$PEERBRIDGE_PG_DIR"; return; fi
  local inside="$STACK_DIR/postgres"
  local outside
  outside="/var/lib/peerbridge/postgres-$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)"
  if [[ -f $outside/data/PG_VERSION ]]; then echo "$outside"; return; fi
  if (( EUID != 0 )) || [[ -f $inside/data/PG_VERSION ]] \
      || runuser -u postgres -- test -x "$STACK_DIR" 2>/dev/null; then
    echo "$inside"
  else
    echo "$outside"
  fi
}

ensure_installed() {
  [[ -n $(pg_bin) && -x "$(pg_bin)/initdb" ]] || apt_install postgresql
}

pg_paths() { PG_STATE="$(pg_state_dir)"; PG_DATA="$PG_STATE/data"; }

init_cluster() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  mkdir -p "$PG_STATE"
  (( EUID == 0 )) && chown postgres "$PG_STATE"
  as_pg test -w "$PG_STATE" || die "$PG_STATE is not writable by the postgres user (set PEERBRIDGE_PG_DIR)"
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
  pg_paths
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
  pg_paths
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
}

status() {
  pg_paths
  if [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    echo "postgres: running on 127.0.0.1:$PG_PORT (data in $PG_DATA)"
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
