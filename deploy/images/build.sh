#!/usr/bin/env bash
# Build the image of every service (each services/*/Dockerfile) with podman, as CI does.
#   deploy/images/build.sh [SERVICE...]        default: every service with a Dockerfile
#   deploy/images/build.sh --infra             the stand-ins for docker-compose.yml's third-party
#                                              images (deploy/images/infra: Kafka from the local
#                                              stack's Maven jars, PostgreSQL and Redis from Debian,
#                                              an OTLP sink), as localhost/peerbridge/<name>:local
# PYTHON_IMAGE  the Python base of every image. Default: one built here from Debian bookworm
#               packages (mmdebstrap; no registry needed), kept in .cache/images/ between runs.
#               PYTHON_IMAGE=python:3.11-slim-bookworm uses the official one, as the Dockerfiles do.
# IMAGE_TAG     images are localhost/peerbridge/<service>:<IMAGE_TAG> (default dev).
# Installs podman, runc and mmdebstrap with apt-get when missing. Prints each image's build time
# and size, also written to .cache/images/build-report.tsv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${PEERBRIDGE_CACHE_DIR:-$root/.cache}/images"
tag="${IMAGE_TAG:-dev}"
mkdir -p "$cache"
cd "$root"

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }
source "$here/podman.sh"

ensure_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  [[ -n ${PYTHON_IMAGE:-} ]] || command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The official python:3.11-slim-bookworm stand-in: Debian's python3.11 with `python` on PATH.
BASE_PACKAGES="python3.11,python3.11-venv,tini,ca-certificates,passwd"
base_image() {
  local key image tarball
  key="$(printf '%s' "bookworm minbase $BASE_PACKAGES" | sha256sum | cut -c1-12)"
  image="localhost/peerbridge/python-base:3.11-bookworm-$key"
  tarball="$cache/python-base-$key.tar"
  if ! pm image exists "$image"; then
    if [[ ! -f $tarball ]]; then
      log "building the Python base from Debian packages (mmdebstrap, once; cached in $tarball)"
      local started=$SECONDS
      mmdebstrap --quiet --variant=minbase --include="$BASE_PACKAGES" \
        --customize-hook='chroot "$1" ln -sf /usr/bin/python3.11 /usr/local/bin/python' \
        bookworm "$cache/partial-$key.tar" >&2  # the .tar suffix tells mmdebstrap the format
      mv "$cache/partial-$key.tar" "$tarball"
      log "base tarball in $((SECONDS - started)) s"
    fi
    pm import --quiet --change 'ENV LANG=C.UTF-8' --change 'CMD ["python"]' "$tarball" "$image" >/dev/null
  fi
  echo "$image"
}

build_infra() {
  local name context started
  bash deploy/local/kafka.sh fetch
  local libs; libs="$(ls -d "${PEERBRIDGE_CACHE_DIR:-$root/.cache}"/kafka-*/libs | sort -V | tail -n1)"
  for name in kafka postgres redis otlp-sink; do
    context="$cache/context-$name"
    rm -rf "$context" && mkdir -p "$context"
    cp -r "$here/infra/$name/." "$context/"
    [[ $name == kafka ]] && cp -r "$libs" "$context/libs" && rm -f "$context/libs/.complete"
    log "building localhost/peerbridge/$name:local"
    started=$SECONDS
    pm build --quiet --network=host --build-arg BASE_IMAGE="$base" -f "$context/Containerfile" \
      -t "localhost/peerbridge/$name:local" "$context" >/dev/null || die "building $name failed"
    log "localhost/peerbridge/$name:local: $((SECONDS - started)) s," \
        "$(( $(pm image inspect --format '{{.Size}}' "localhost/peerbridge/$name:local") / 1000000 )) MB"
  done
}

ensure_tools
if [[ -n ${PYTHON_IMAGE:-} ]]; then base="$PYTHON_IMAGE"; else base="$(base_image)" || die "no Python base image"; fi
if [[ ${1:-} == --infra ]]; then build_infra; exit 0; fi
services=("$@")
if ((${#services[@]} == 0)); then
  for dockerfile in services/*/Dockerfile; do services+=("$(basename "$(dirname "$dockerfile")")"); done
fi

report="$cache/build-report.tsv"
printf 'image\tseconds\tbytes\n' >"$report"
for service in "${services[@]}"; do
  [[ -f services/$service/Dockerfile ]] || die "no services/$service/Dockerfile"
  image="localhost/peerbridge/$service:$tag"
  log "building $image (base $base)"
  started=$SECONDS
  pm build --quiet --network=host \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    --build-arg PYTHON_IMAGE="$base" -f "services/$service/Dockerfile" -t "$image" . >/dev/null \
    || die "building $image failed"
  seconds=$((SECONDS - started))
  bytes="$(pm image inspect --format '{{.Size}}' "$image")"
  printf '%s\t%s\t%s\n' "$service" "$seconds" "$bytes" >>"$report"
  log "$image: $seconds s, $((bytes / 1000000)) MB"
done
