"""components/dev-datastores: PostgreSQL, Redis and dev-only Secrets, for a throwaway cluster (kind, minikube).

Production uses managed PostgreSQL and Redis and Secrets the platform team creates (docs/deploy.md).
The Secret values here are the development placeholders every service refuses when
*_ENVIRONMENT=prod.
"""

from __future__ import annotations

from typing import Any

from peerbridge_shared.settings import DEV_SECRET

from .k8s import DNS_EGRESS, PART_OF, labels, selector
from .registry import Registry, secret_key

POSTGRES_UID = 999  # the postgres and redis images' own users
DEV_DATABASE = "postgresql+psycopg://peerbridge:peerbridge@postgres:5432/{database}"


def dev_secret_values(registry: Registry, image_name: str) -> dict[str, str]:
    image = registry.images[image_name]
    values = {}
    for name in image.secrets:
        if name == "DATABASE_URL":
            values[secret_key(name)] = DEV_DATABASE.format(database=image.database)
        elif name == "REDIS_URL":
            values[secret_key(name)] = "redis://redis:6379/0"
        else:
            values[secret_key(name)] = DEV_SECRET
    return values


def _security(uid: int) -> tuple[dict[str, Any], dict[str, Any]]:
    pod = {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": uid, "fsGroup": uid,
           "seccompProfile": {"type": "RuntimeDefault"}}
    container = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                 "capabilities": {"drop": ["ALL"]}}
    return pod, container


def _datastore(name: str, image: str, port: int, probe: list[str], container_extra: dict[str, Any],
               mounts: list[dict[str, Any]], volumes: list[dict[str, Any]],
               claim: str | None) -> list[dict[str, Any]]:
    pod_security, container_security = _security(POSTGRES_UID)
    container = {
        "name": name, "image": image, "imagePullPolicy": "IfNotPresent", **container_extra,
        "ports": [{"name": name, "containerPort": port, "protocol": "TCP"}],
        "livenessProbe": {"exec": {"command": probe}, "periodSeconds": 10, "timeoutSeconds": 5},
        "readinessProbe": {"exec": {"command": probe}, "periodSeconds": 5, "timeoutSeconds": 5},
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": container_security,
        "volumeMounts": mounts,
    }
    meta = {"name": name, "labels": labels(name, "dev-datastore")}
    spec: dict[str, Any] = {
        "serviceName": name, "replicas": 1, "selector": {"matchLabels": selector(name)},
        "template": {"metadata": {"labels": labels(name, "dev-datastore")}, "spec": {
            "automountServiceAccountToken": False, "enableServiceLinks": False, "securityContext": pod_security,
            "containers": [container], "volumes": volumes}},
    }
    if claim:
        spec["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": claim}}}}]
    return [
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": spec},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {
            "selector": selector(name),
            "ports": [{"name": name, "port": port, "targetPort": name, "protocol": "TCP"}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "labels": PART_OF},
         "spec": {"podSelector": {"matchLabels": selector(name)}, "policyTypes": ["Ingress", "Egress"],
                  "ingress": [{"from": [{"podSelector": {"matchLabels": PART_OF}}],
                               "ports": [{"protocol": "TCP", "port": port}]}],
                  "egress": [DNS_EGRESS]}},
    ]


def datastores(registry: Registry) -> list[dict[str, Any]]:
    init_sql = "".join(f"CREATE DATABASE {database} OWNER peerbridge;\n" for database in registry.databases.values())
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "postgres-init", "labels": PART_OF},
         "data": {"10-databases.sql": init_sql}},
    ]
    docs += _datastore(
        "postgres", registry.infrastructure.postgres, 5432, ["pg_isready", "-U", "peerbridge", "-d", "peerbridge"],
        {"env": [{"name": "POSTGRES_USER", "value": "peerbridge"},
                 {"name": "POSTGRES_PASSWORD", "value": "peerbridge"},
                 {"name": "POSTGRES_DB", "value": "peerbridge"},
                 {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}]},
        [{"name": "data", "mountPath": "/var/lib/postgresql/data"},
         {"name": "run", "mountPath": "/var/run/postgresql"},
         {"name": "tmp", "mountPath": "/tmp"},
         {"name": "init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True}],
        [{"name": "run", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}},
         {"name": "init", "configMap": {"name": "postgres-init"}}],
        claim="5Gi")
    docs += _datastore(
        "redis", registry.infrastructure.redis, 6379, ["redis-cli", "ping"],
        {"args": ["redis-server", "--appendonly", "yes", "--dir", "/data"]},
        [{"name": "data", "mountPath": "/data"}], [{"name": "data", "emptyDir": {}}], claim=None)
    return docs


DEV_KEY_SECRET = "peerbridge-gateway-dev-key"
DEV_KEY_DIR = "/var/run/peerbridge/dev-key"


def dev_key_patch() -> str:
    """The gateway reads the development signing key from a Secret the developer creates from
    their key (its root filesystem is read-only: it cannot create one), so every replica and
    ``peerbridge-dev-token`` sign with the same key."""
    from .yamlout import dump

    operations = [
        {"op": "add", "path": "/spec/template/spec/volumes/-",
         "value": {"name": "dev-key", "secret": {"secretName": DEV_KEY_SECRET}}},
        {"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts/-",
         "value": {"name": "dev-key", "mountPath": DEV_KEY_DIR, "readOnly": True}},
        {"op": "add", "path": "/spec/template/spec/containers/0/env/-",
         "value": {"name": "GATEWAY_DEV_KEY_FILE", "value": f"{DEV_KEY_DIR}/dev-signing-key.pem"}},
    ]
    return dump(operations)


def render_dev(registry: Registry, header: str) -> dict[str, str]:
    from .yamlout import dump, dump_all

    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
        "resources": ["datastores.yaml"],
        "secretGenerator": [
            {"name": f"peerbridge-{name}", "options": {"disableNameSuffixHash": True,
                                                       "labels": {"peerbridge.org/dev-only": "true"}},
             "literals": [f"{key}={value}" for key, value in dev_secret_values(registry, name).items()]}
            for name in registry.images],
        "patches": [{"target": {"kind": "Deployment", "name": name}, "patch": dev_key_patch()}
                    for name, process in registry.processes.items()
                    if process.image == "gateway" and process.kind == "api"],
    }
    return {
        "deploy/k8s/components/dev-datastores/datastores.yaml": dump_all(datastores(registry), header),
        "deploy/k8s/components/dev-datastores/kustomization.yaml": header + dump(kustomization),
    }
