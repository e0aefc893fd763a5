# Sourced: `pm` runs podman the way this machine kind needs (deploy/images/containers.conf:
# runc, no default ulimits, cgroupfs).
pm() { CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf" podman --runtime runc "$@"; }
