#!/usr/bin/env bash
# `make test`: the suite against the local stack (started by `make stack-up`), in two pytest runs at
# once. Tests marked `own_stack` (the fault drills, which stop and restart Kafka, PostgreSQL and
# Redis, and the metrics worker's SIGKILL test) run on a second stack of their own under
# .stack/drills (Kafka 19092, PostgreSQL 15432, Redis 16379), so a drill never restarts a server
# another test is using; the rest run on the main stack. Their output follows the main run's.
#   test.sh [pytest arguments...]
# Fails when either run fails, or when neither ran a test (pytest's exit code 5): a selection that
# holds no `own_stack` test (PYTEST_ARGS=services/escalation/tests, say) leaves that run empty.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
PY="${PY:-$REPO_ROOT/.venv/bin/python}"

OWN_STACK_DIR="$STACK_DIR/drills"
own_stack_env=(
  PEERBRIDGE_STACK_DIR="$OWN_STACK_DIR" PEERBRIDGE_KAFKA_PORT=19092 PEERBRIDGE_PG_PORT=15432
  PEERBRIDGE_REDIS_PORT=16379
  PEERBRIDGE_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092
  PEERBRIDGE_TEST_ADMIN_URL=postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:15432/postgres
  GATEWAY_REDIS_URL=redis://127.0.0.1:16379/0 CONSOLE_REDIS_URL=redis://127.0.0.1:16379/0
)
own_stack() { env "${own_stack_env[@]}" "$@"; }

own_stack_pid=""
cleanup() {
  [[ -n $own_stack_pid ]] && kill "$own_stack_pid" 2>/dev/null
  own_stack bash "$here/stack.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

own_stack bash "$here/stack.sh" up single
own_stack "$REPO_ROOT/.venv/bin/peerbridge-topics" create >/dev/null

own_stack_log="$OWN_STACK_DIR/pytest.log"
log "tests marked own_stack: running on .stack/drills; output in $own_stack_log (shown below when done)"
own_stack "$PY" -m pytest -m own_stack "$@" >"$own_stack_log" 2>&1 &
own_stack_pid=$!

set +e
"$PY" -m pytest -m "not own_stack" "$@"
main_rc=$?
wait "$own_stack_pid"
own_rc=$?
own_stack_pid=""
set -e

printf '\n=== tests marked own_stack (on .stack/drills)\n'
cat "$own_stack_log"

if (( main_rc == 5 && own_rc == 5 )); then echo "no test ran"; exit 5; fi
for rc in "$main_rc" "$own_rc"; do
  (( rc == 0 || rc == 5 )) || exit "$rc"
done
