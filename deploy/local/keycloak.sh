#!/usr/bin/env bash
# Keycloak, the local OpenID Connect provider of the console, from Maven Central
# (org.keycloak:keycloak-quarkus-dist, pinned in deploy/local/keycloak/pom.xml).
#   keycloak.sh fetch     download and unpack the distribution into the cache (once)
#   keycloak.sh start     dev mode on 127.0.0.1:${PEERBRIDGE_KEYCLOAK_PORT:-8080}, in-memory database, then
#                         import the realm (deploy/local/keycloak/realm-peerbridge.json) through the admin API
#   keycloak.sh stop | status
# Every start is a fresh realm: the demo users' program claims are set again by
# `peerbridge-console-realm programs` (make up does it; so does make simulate).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KC_DIR="$REPO_ROOT/deploy/local/keycloak"
KC_VERSION=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$KC_DIR/pom.xml")
KC_HOME="$CACHE_DIR/keycloak-$KC_VERSION/keycloak-$KC_VERSION"
KC_STATE="$STACK_DIR/keycloak"
KC_PORT="${PEERBRIDGE_KEYCLOAK_PORT:-8080}"
VENV="${VENV:-$REPO_ROOT/.venv}"

fetch() {
  if [[ -f "$KC_HOME/.complete" ]]; then return 0; fi
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching Keycloak $KC_VERSION from Maven Central"
  rm -rf "$CACHE_DIR/keycloak-$KC_VERSION"
  mvn -q -B -f "$KC_DIR/pom.xml" dependency:unpack -DoutputDirectory="$CACHE_DIR/keycloak-$KC_VERSION" \
    >"$CACHE_DIR/keycloak-fetch.log" 2>&1 || die "maven fetch failed; see $CACHE_DIR/keycloak-fetch.log"
  rm -rf "$KC_DIR/target"
  touch "$KC_HOME/.complete"
}

# command PORT: the server's command line, one word a line (the tests run the same)
command_line() {
  printf '%s\n' "$KC_HOME/bin/kc.sh" start-dev --http-host=127.0.0.1 "--http-port=$1" --db=dev-mem
}

realm_ready() { curl -fsS "http://127.0.0.1:$KC_PORT/realms/peerbridge/.well-known/openid-configuration"; }

start() {
  fetch
  mkdir -p "$KC_STATE"
  if ! pid_alive "$KC_STATE/pid"; then
    log "starting Keycloak $KC_VERSION on 127.0.0.1:$KC_PORT (log: $KC_STATE/keycloak.log)"
    local cmd; mapfile -t cmd < <(command_line "$KC_PORT")
    KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin-dev \
      JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx512m}" \
      nohup "${cmd[@]}" >"$KC_STATE/keycloak.log" 2>&1 </dev/null &
    echo $! >"$KC_STATE/pid"
  fi
  "$VENV/bin/peerbridge-console-realm" setup --keycloak "http://127.0.0.1:$KC_PORT" >/dev/null \
    || die "Keycloak did not start; see $KC_STATE/keycloak.log"
  wait_until 60 "Keycloak realm peerbridge" realm_ready || die "realm not served; see $KC_STATE/keycloak.log"
}

stop() { stop_pidfiles Keycloak "$KC_STATE/pid"; }

status() {
  if pid_alive "$KC_STATE/pid"; then echo "keycloak: running (pid $(cat "$KC_STATE/pid"))"; else echo "keycloak: stopped"; fi
}

case "${1:-}" in
  fetch) fetch ;;
  command) command_line "${2:?port}" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: keycloak.sh fetch|start|stop|status" ;;
esac
