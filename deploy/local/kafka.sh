#!/usr/bin/env bash
# Apache Kafka (KRaft) from the official Maven Central jars.
#   kafka.sh fetch               download the pinned jars into the cache (once)
#   kafka.sh start [single|cluster]
#                                single: one combined broker+controller on 127.0.0.1:9092
#                                cluster: three combined nodes on 9092/9094/9096,
#                                         replication factor 3, min.insync.replicas 2
#   kafka.sh stop | status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_HOME_DIR="$REPO_ROOT/deploy/local/kafka"
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_HOME_DIR/pom.xml")
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_STATE="$STACK_DIR/kafka"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"

fetch() {
  if [[ -f "$LIBS/.complete" ]]; then return 0; fi
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$LIBS"
  mvn -q -B -f "$KAFKA_HOME_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >"$CACHE_DIR/kafka-fetch.log" 2>&1 \
    || die "maven fetch failed; see $CACHE_DIR/kafka-fetch.log"
  touch "$LIBS/.complete"
}

# node_properties ID MODE: server.properties for one node
node_properties() {
  local id=$1 mode=$2 port=$((9090 + 2 * $1)) rf=1 isr=1 quorum
  if [[ $mode == cluster ]]; then
    rf=3; isr=2
    quorum="controller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
  else
    quorum="controller.quorum.bootstrap.servers=127.0.0.1:9093"
  fi
  cat <<PROPS
process.roles=broker,controller
node.id=$id
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
$quorum
log.dirs=$KAFKA_STATE/node-$id/data
num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
}

java_cmd() {  # java_cmd ID MAIN ARGS...: prints the java command line, one word a line
  local id=$1; shift
  printf '%s\n' java $KAFKA_HEAP -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$KAFKA_HOME_DIR/log4j2.properties" \
    -Dkafka.logs.dir="$KAFKA_STATE/node-$id/logs" "$@"
}

run_java() { local cmd; mapfile -t cmd < <(java_cmd "$@"); "${cmd[@]}"; }

node_ids() { [[ $1 == cluster ]] && echo "1 2 3" || echo "1"; }

format_node() {  # format_node ID MODE CLUSTER_ID
  local id=$1 mode=$2 cluster_id=$3 dir="$KAFKA_STATE/node-$1"
  mkdir -p "$dir/logs" "$dir/data"
  node_properties "$id" "$mode" >"$dir/server.properties"
  [[ -f "$dir/data/meta.properties" ]] && return 0
  local extra=(); [[ $mode == single ]] && extra=(--standalone)
  run_java "$id" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$dir/server.properties" "${extra[@]}" >"$dir/logs/format.log" 2>&1 \
    || die "formatting node $id failed; see $dir/logs/format.log"
}

node_started() { grep -q "Kafka Server started" "$KAFKA_STATE/node-$1/logs/server.log"; }

start() {
  local mode=${1:-single}
  [[ $mode == single || $mode == cluster ]] || die "mode must be single or cluster"
  if [[ -f "$KAFKA_STATE/mode" && $(cat "$KAFKA_STATE/mode") != "$mode" ]]; then
    stop; log "switching Kafka from $(cat "$KAFKA_STATE/mode") to $mode: wiping local data"
    rm -rf "$KAFKA_STATE"
  fi
  fetch
  mkdir -p "$KAFKA_STATE"; echo "$mode" >"$KAFKA_STATE/mode"
  [[ -f "$KAFKA_STATE/cluster-id" ]] || run_java 0 kafka.tools.StorageTool random-uuid >"$KAFKA_STATE/cluster-id"
  local cluster_id; cluster_id=$(tail -n1 "$KAFKA_STATE/cluster-id")
  for id in $(node_ids "$mode"); do
    local dir="$KAFKA_STATE/node-$id"
    if pid_alive "$dir/pid"; then continue; fi
    format_node "$id" "$mode" "$cluster_id"
    : >"$dir/logs/server.log"
    log "starting Kafka $KAFKA_VERSION node $id ($mode) on 127.0.0.1:$((9090 + 2 * id))"
    local cmd; mapfile -t cmd < <(java_cmd "$id" kafka.Kafka "$dir/server.properties")
    nohup "${cmd[@]}" >"$dir/logs/stdout.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
  done
  for id in $(node_ids "$mode"); do
    wait_until 120 "Kafka node $id" node_started "$id" \
      || die "Kafka node $id did not start; see $KAFKA_STATE/node-$id/logs/server.log"
  done
}

stop() {
  shopt -s nullglob
  stop_pidfiles Kafka "$KAFKA_STATE"/node-*/pid
}

status() {
  local up=0
  for dir in "$KAFKA_STATE"/node-*; do
    [[ -d $dir ]] && pid_alive "$dir/pid" && { echo "kafka $(basename "$dir"): running (pid $(cat "$dir/pid"))"; up=1; }
  done
  (( up )) || echo "kafka: stopped"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "${2:-single}" ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: kafka.sh fetch|start [single|cluster]|stop|status" ;;
esac
