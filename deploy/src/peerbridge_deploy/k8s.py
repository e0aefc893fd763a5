"""deploy/k8s/base and the generated parts of deploy/k8s/components, from the registries.

The base is complete but for Kafka and the Secrets: a component brings Kafka (Strimzi, or an
external cluster with a topic Job), the overlays bring namespace, images, sizes and environment.
"""

from __future__ import annotations

from typing import Any

from peerbridge_shared.topics import new_topics

from .dockerfiles import DATA_DIR, UID
from .registry import HEARTBEAT_START_S, Process, Registry, secret_key

PART_OF = {"app.kubernetes.io/part-of": "peerbridge"}
KAFKA_CONFIG = "peerbridge-kafka"
PLATFORM_CONFIG = "peerbridge-platform"
KAFKA_CA_SECRET = "peerbridge-cluster-ca-cert"  # Strimzi's name for cluster "peerbridge"; optional
KAFKA_CA_DIR = "/etc/peerbridge/kafka-ca"
STRIMZI_CLUSTER = "peerbridge"
STRIMZI_REPLICAS = 3
MONITORING_NAMESPACE = "monitoring"

# Destination ports per egress kind (any destination: managed services live outside the cluster).
EGRESS_PORTS: dict[str, list[dict[str, Any]]] = {
    "kafka": [{"protocol": "TCP", "port": 9092, "endPort": 9098}],  # Strimzi 9092/9093, MSK 9094/9096/9098
    "postgres": [{"protocol": "TCP", "port": 5432}],
    "redis": [{"protocol": "TCP", "port": 6379}],
    "otlp": [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}],
    "https": [{"protocol": "TCP", "port": 443}],
    "smtp": [{"protocol": "TCP", "port": 25}, {"protocol": "TCP", "port": 465}, {"protocol": "TCP", "port": 587}],
}
DNS_EGRESS = {
    "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


def labels(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component, **PART_OF}


def selector(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name}


def pod_security() -> dict[str, Any]:
    return {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
            "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"}}


def container_security() -> dict[str, Any]:
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]}}


def kafka_env(prefixes: list[str]) -> list[dict[str, Any]]:
    """Kafka client settings from one ConfigMap and one optional Secret, for each settings prefix."""
    env = []
    for prefix in prefixes:
        for field, key, optional in (("BOOTSTRAP_SERVERS", "bootstrap-servers", False),
                                     ("SECURITY_PROTOCOL", "security-protocol", False),
                                     ("SASL_MECHANISM", "sasl-mechanism", True),
                                     ("SSL_CAFILE", "ssl-cafile", True)):
            ref: dict[str, Any] = {"name": KAFKA_CONFIG, "key": key}
            if optional:
                ref["optional"] = True
            env.append({"name": prefix + field, "valueFrom": {"configMapKeyRef": ref}})
        for field, key in (("SASL_USERNAME", "sasl-username"), ("SASL_PASSWORD", "sasl-password")):
            env.append({"name": prefix + field,
                        "valueFrom": {"secretKeyRef": {"name": KAFKA_CONFIG, "key": key, "optional": True}}})
    return env


def secret_env(registry: Registry, image_name: str) -> list[dict[str, Any]]:
    image = registry.images[image_name]
    env = []
    for name, optional in [(n, False) for n in image.secrets] + [(n, True) for n in image.optional_secrets]:
        ref: dict[str, Any] = {"name": f"peerbridge-{image_name}", "key": secret_key(name)}
        if optional:
            ref["optional"] = True
        env.append({"name": image.env_prefix + name, "valueFrom": {"secretKeyRef": ref}})
    return env


def platform_env(prefix: str) -> list[dict[str, Any]]:
    """Settings every process shares, from the ConfigMap peerbridge-platform (one place per overlay)."""
    def ref(key: str, **extra: bool) -> dict[str, Any]:
        return {"configMapKeyRef": {"name": PLATFORM_CONFIG, "key": key, **extra}}

    return [
        {"name": prefix + "ENVIRONMENT", "valueFrom": ref("environment")},
        {"name": prefix + "LOG_LEVEL", "valueFrom": ref("log-level")},
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "valueFrom": ref("otlp-endpoint", optional=True)},
    ]


def container_env(registry: Registry, process: Process, cli: bool) -> list[dict[str, Any]]:
    prefix = registry.images[process.image].env_prefix
    env = platform_env(prefix) + secret_env(registry, process.image)
    if "kafka" in process.egress:
        env += kafka_env([prefix + "KAFKA__"] + (["PEERBRIDGE_KAFKA_"] if cli else []))
    env += [{"name": prefix + key, "value": value} for key, value in process.env.items()]
    if process.data_env:
        env.append({"name": prefix + process.data_env, "value": f"{DATA_DIR}/data"})
    return env


def k8s_command(registry: Registry, process: Process) -> list[str]:
    prefix = registry.images[process.image].env_prefix
    return [f"$({prefix}DATABASE_URL)" if part == "{database_url}" else part for part in process.command]


def resources(registry: Registry, preset: str) -> dict[str, Any]:
    r = registry.resources[preset]
    return {"requests": {"cpu": r.cpu, "memory": r.memory}, "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit}}


def probes(process: Process) -> dict[str, Any]:
    if process.http:
        port = process.http.name
        result = {}
        if process.http.liveness:
            result["livenessProbe"] = {"httpGet": {"path": process.http.liveness, "port": port},
                                       "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3}
        else:
            result["livenessProbe"] = {"tcpSocket": {"port": port}, "periodSeconds": 10, "failureThreshold": 3}
        if process.http.readiness:
            result["readinessProbe"] = {"httpGet": {"path": process.http.readiness, "port": port},
                                        "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 3}
        if process.kind == "stateful":  # table recovery can take minutes; liveness waits for it
            result["startupProbe"] = {"tcpSocket": {"port": port}, "periodSeconds": 5, "failureThreshold": 120}
        return result
    if process.heartbeat_check:
        # Liveness only: nothing routes to a process without a port, so readiness would mean nothing.
        # The startup probe gives the first beat time (joining a consumer group, reading a topic)
        # without slowing the liveness probe down afterwards.
        check = {"exec": {"command": process.heartbeat_check}, "timeoutSeconds": 5}
        return {"livenessProbe": {**check, "periodSeconds": 10, "failureThreshold": 3},
                "startupProbe": {**check, "periodSeconds": 5, "failureThreshold": HEARTBEAT_START_S // 5}}
    if process.tcp:
        port = process.tcp.name
        result = {"livenessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 10, "failureThreshold": 3},
                  "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 5, "failureThreshold": 3}}
        if process.kind == "stateful":
            result["startupProbe"] = {"tcpSocket": {"port": port}, "periodSeconds": 5, "failureThreshold": 120}
        return result
    return {}


def pod_template(registry: Registry, process: Process) -> dict[str, Any]:
    image = registry.images[process.image]
    container: dict[str, Any] = {
        "name": process.name,
        "image": f"peerbridge/{process.image}",
        "imagePullPolicy": "IfNotPresent",
        "command": ["tini", "--"],
        "args": k8s_command(registry, process),
        "envFrom": [{"configMapRef": {"name": f"peerbridge-{process.image}"}}],
        "env": container_env(registry, process, cli=process.kind == "relay"),
    }
    if process.port:
        container["ports"] = [{"name": process.port.name, "containerPort": process.port.port, "protocol": "TCP"}]
    container.update(probes(process))
    container["resources"] = resources(registry, process.resources)
    container["securityContext"] = container_security()
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    if "kafka" in process.egress:
        mounts.append({"name": "kafka-ca", "mountPath": KAFKA_CA_DIR, "readOnly": True})
        volumes.append({"name": "kafka-ca", "secret": {"secretName": KAFKA_CA_SECRET, "optional": True}})
    if process.data_env:
        mounts.append({"name": "data", "mountPath": f"{DATA_DIR}/data"})
    container["volumeMounts"] = mounts
    metadata: dict[str, Any] = {"labels": labels(process.name, process.kind)}
    if process.http and process.kind == "api" or process.metrics_port:
        port = process.metrics_port or process.http.port
        metadata["annotations"] = {"prometheus.io/scrape": "true", "prometheus.io/port": str(port),
                                   "prometheus.io/path": "/metrics"}
    spec: dict[str, Any] = {
        "serviceAccountName": f"peerbridge-{process.image}",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,  # a Service named "metrics" would otherwise set METRICS_PORT=tcp://...
        "securityContext": pod_security(),
        "terminationGracePeriodSeconds": 60 if process.kind == "stateful" else 30,
        "containers": [container],
        "volumes": volumes,
    }
    if process.replicas > 1 or process.autoscale:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector(process.name)}}]
    del image
    return {"metadata": metadata, "spec": spec}


def workload(registry: Registry, process: Process) -> list[dict[str, Any]]:
    meta = {"name": process.name, "labels": labels(process.name, process.kind)}
    template = pod_template(registry, process)
    docs: list[dict[str, Any]] = []
    if process.kind == "stateful":
        docs.append({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
            "spec": {
                "serviceName": process.name,
                "replicas": process.replicas,
                "podManagementPolicy": "Parallel",
                "updateStrategy": {"type": "RollingUpdate"},
                "selector": {"matchLabels": selector(process.name)},
                "template": template,
                "volumeClaimTemplates": [{
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": process.volume_size}}}}],
            }})
    else:
        spec: dict[str, Any] = {"replicas": process.replicas}
        if process.autoscale:
            del spec["replicas"]  # the HorizontalPodAutoscaler owns it
        spec["revisionHistoryLimit"] = 5
        if process.kind == "singleton":  # never two at once, even during a rollout
            spec["strategy"] = {"type": "Recreate"}
        else:
            spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
        spec["selector"] = {"matchLabels": selector(process.name)}
        spec["template"] = template
        docs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec})
    if process.port and (process.kind in ("api", "stateful") or process.tcp or registry.callers_of(process.name)):
        service_spec: dict[str, Any] = {
            "selector": selector(process.name),
            "ports": [{"name": process.port.name, "port": process.port.port, "targetPort": process.port.name,
                       "protocol": "TCP"}],
        }
        if process.kind == "stateful":
            service_spec = {"clusterIP": "None", **service_spec}
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": service_spec})
    elif process.kind == "stateful":  # a StatefulSet's governing Service: stable names, no port to route
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": meta,
                     "spec": {"clusterIP": "None", "selector": selector(process.name)}})
    if process.replicas > 1 or process.autoscale:
        docs.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta,
                     "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(process.name)}}})
    if process.autoscale:
        docs.append({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta,
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": process.name},
                "minReplicas": process.autoscale.min, "maxReplicas": process.autoscale.max,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                    "type": "Utilization", "averageUtilization": process.autoscale.cpu_percent}}}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
            }})
    docs.append(network_policy(registry, process))
    return docs


def _egress_rules(registry: Registry, kinds: list[str], calls: list[str]) -> list[dict[str, Any]]:
    rules = [DNS_EGRESS]
    for callee in calls:
        port = registry.processes[callee].port
        rules.append({"to": [{"podSelector": {"matchLabels": selector(callee)}}],
                      "ports": [{"protocol": "TCP", "port": port.port}]})
    ports = [port for kind in kinds for port in EGRESS_PORTS[kind]]
    if ports:
        rules.append({"ports": ports})
    return rules


def network_policy(registry: Registry, process: Process) -> dict[str, Any]:
    ingress: list[dict[str, Any]] = []
    if process.port:
        port = [{"protocol": "TCP", "port": process.port.port}]
        if process.public or (process.tcp and process.tcp.external):
            ingress.append({"ports": port})  # the Ingress controller or outside clients, wherever they are
        callers = registry.callers_of(process.name) + ([process.name] if process.kind == "stateful" else [])
        if callers:
            ingress.append({"from": [{"podSelector": {"matchLabels": selector(caller)}} for caller in callers],
                            "ports": port})
    scrape = process.metrics_port or (process.http.port if process.http and process.kind == "api" else None)
    if scrape:
        ingress.append({"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}],
            "ports": [{"protocol": "TCP", "port": scrape}]})
    spec: dict[str, Any] = {"podSelector": {"matchLabels": selector(process.name)},
                            "policyTypes": ["Ingress", "Egress"]}
    if ingress:
        spec["ingress"] = ingress
    spec["egress"] = _egress_rules(registry, list(process.egress), process.calls)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": process.name, "labels": PART_OF}, "spec": spec}


def job(registry: Registry, name: str, image: str, args: list[str], env: list[dict[str, Any]],
        egress: list[str], kafka: bool = False) -> list[dict[str, Any]]:
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    if kafka:
        mounts.append({"name": "kafka-ca", "mountPath": KAFKA_CA_DIR, "readOnly": True})
        volumes.append({"name": "kafka-ca", "secret": {"secretName": KAFKA_CA_SECRET, "optional": True}})
    container = {
        "name": name, "image": f"peerbridge/{image}", "imagePullPolicy": "IfNotPresent",
        "command": ["tini", "--"], "args": args,
        "envFrom": [{"configMapRef": {"name": f"peerbridge-{image}"}}], "env": env,
        "resources": resources(registry, "small"), "securityContext": container_security(),
        "volumeMounts": mounts,
    }
    meta = {"name": name, "labels": labels(name, "job")}
    return [{
        "apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
        "spec": {
            "backoffLimit": 6, "activeDeadlineSeconds": 900, "ttlSecondsAfterFinished": 3600,
            "template": {
                "metadata": {"labels": labels(name, "job"),
                             "annotations": {"peerbridge.org/no-probe": "a one-shot Job: it runs to completion"}},
                "spec": {"restartPolicy": "Never", "serviceAccountName": f"peerbridge-{image}",
                         "automountServiceAccountToken": False, "enableServiceLinks": False,
                         "securityContext": pod_security(), "containers": [container], "volumes": volumes}}},
    }, {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "labels": PART_OF},
        "spec": {"podSelector": {"matchLabels": selector(name)}, "policyTypes": ["Ingress", "Egress"],
                 "egress": _egress_rules(registry, egress, [])},
    }]


def migration_jobs(registry: Registry) -> list[dict[str, Any]]:
    docs = []
    for image in registry.databases:
        args = ["alembic", "-c", f"services/{image}/alembic.ini", "upgrade", "head"]
        # the service's settings are validated at start, secrets included
        env = platform_env(registry.images[image].env_prefix) + secret_env(registry, image)
        docs += job(registry, f"migrate-{image}", image, args, env, ["postgres"])
    return docs


def topics_job(registry: Registry) -> list[dict[str, Any]]:
    return job(registry, "create-topics", registry.topics_image, ["peerbridge-topics", "create"],
               kafka_env(["PEERBRIDGE_KAFKA_"]), ["kafka"], kafka=True)


def config_maps(registry: Registry) -> list[dict[str, Any]]:
    docs = []
    for name, image in registry.images.items():
        prefix = image.env_prefix
        data = {f"{prefix}HOST": "0.0.0.0", **{prefix + key: value for key, value in image.config.items()}}
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": f"peerbridge-{name}", "labels": PART_OF}, "data": data})
    docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": PLATFORM_CONFIG, "labels": PART_OF},
                 "data": {"environment": "prod", "log-level": "INFO",
                          "otlp-endpoint": "http://otel-collector.observability:4318"}})
    docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": KAFKA_CONFIG, "labels": PART_OF},
                 "data": {"bootstrap-servers": "kafka:9092", "security-protocol": "PLAINTEXT"}})
    return docs


def service_accounts(registry: Registry) -> list[dict[str, Any]]:
    return [{"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": {"name": f"peerbridge-{name}", "labels": PART_OF}, "automountServiceAccountToken": False}
            for name in registry.images]


def default_deny() -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "peerbridge-default-deny", "labels": PART_OF},
            "spec": {"podSelector": {"matchLabels": PART_OF}, "policyTypes": ["Ingress", "Egress"]}}


def ingress(registry: Registry) -> list[dict[str, Any]]:
    docs = []
    for process in registry.processes.values():
        if not process.public:
            continue
        docs.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": process.name, "labels": labels(process.name, "ingress"), "annotations": {
                # WebSocket and server-sent events stay open: long read/send timeouts (ingress-nginx).
                "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
                "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
                "nginx.ingress.kubernetes.io/ssl-redirect": "true"}},
            "spec": {
                "tls": [{"hosts": [process.ingress_host], "secretName": f"peerbridge-{process.name}-tls"}],
                "rules": [{"host": process.ingress_host, "http": {"paths": [{
                    "path": process.ingress_path, "pathType": "Prefix",
                    "backend": {"service": {"name": process.name, "port": {"name": process.http.name}}}}]}}],
            }})
    return docs


def render_base(registry: Registry, header: str) -> dict[str, str]:
    from .yamlout import dump, dump_all

    files = {
        "config.yaml": dump_all(config_maps(registry) + service_accounts(registry), header),
        "network-policies.yaml": dump_all([default_deny()], header),
        "migrations.yaml": dump_all(migration_jobs(registry), header),
        "ingress.yaml": dump_all(ingress(registry), header),
    }
    for name, process in registry.processes.items():
        files[f"{name}.yaml"] = dump_all(workload(registry, process), header)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": sorted(files),
    }
    files["kustomization.yaml"] = header + dump(kustomization)
    return {f"deploy/k8s/base/{name}": text for name, text in files.items()}


def kafka_topics() -> list[dict[str, Any]]:
    """A KafkaTopic per registered topic and dead-letter topic: the same list and configuration
    `peerbridge-topics create` makes on a cluster of 3+ brokers."""
    docs = []
    for topic in new_topics(STRIMZI_REPLICAS):
        docs.append({
            "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
            "metadata": {"name": topic.name, "labels": {"strimzi.io/cluster": STRIMZI_CLUSTER, **PART_OF}},
            "spec": {"topicName": topic.name, "partitions": topic.num_partitions,
                     "replicas": topic.replication_factor, "config": dict(topic.topic_configs)},
        })
    return docs


def render_components(registry: Registry, header: str) -> dict[str, str]:
    from .yamlout import dump_all

    return {
        "deploy/k8s/components/strimzi/topics.yaml": dump_all(kafka_topics(), header),
        "deploy/k8s/components/external-kafka/topics-job.yaml": dump_all(topics_job(registry), header),
    }
