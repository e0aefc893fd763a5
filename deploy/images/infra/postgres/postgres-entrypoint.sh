#!/bin/bash
set -euo pipefail
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA
if [[ ${1:-} == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
    echo "Error: the database is not initialised and POSTGRES_PASSWORD is not set: set it to the superuser's password" >&2
    exit 1
  fi
  user="${POSTGRES_USER:-postgres}"
  printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
  initdb -D "$PGDATA" -U "$user" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  database="${POSTGRES_DB:-$user}"
  [[ $database == postgres ]] || psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \"$database\""
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [[ -e $script ]] && psql -v ON_ERROR_STOP=1 -U "$user" -d "$database" -f "$script"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
fi
if [[ ${1:-} == postgres ]]; then
  shift
  exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
fi
exec "$@"
