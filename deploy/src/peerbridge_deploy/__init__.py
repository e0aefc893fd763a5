"""PeerBridge deployment: one process registry (deploy/processes.yaml) and the topic registry
render docker compose, the Dockerfiles and the Kubernetes manifests; `check` validates them."""
