"""The manifest lint: what a platform team's review would refuse, checked on every rendered overlay.

Each function returns problems as text; an empty list passes.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from peerbridge_shared import heartbeat

from .registry import load

POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
HEARTBEAT_MODULE = "peerbridge_shared.heartbeat"

def _reachable_from_outside() -> tuple[str, ...]:
    """The processes an Ingress reaches (``public``) and those outside clients connect to (``tcp.external``)."""
    processes = load().processes
    return tuple(f"/{name}" for name, process in processes.items()
                 if process.public or (process.tcp and process.tcp.external))


def _pod_template(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]
    return spec.get("template", {})


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def _name(doc: dict[str, Any]) -> str:
    return f"{doc['kind']}/{doc.get('metadata', {}).get('name')}"


def heartbeat_file(command: list[str], env: dict[str, str]) -> str | None:
    """The file a heartbeat check command reads (None: not a heartbeat check)."""
    if HEARTBEAT_MODULE not in command:
        return None
    if "--file" in command[:-1]:
        return command[command.index("--file") + 1]
    return env.get(heartbeat.ENV) or heartbeat.DEFAULT_PATH


def _under(path: str, mounts: list[str]) -> bool:
    return any(path == mount or path.startswith(mount.rstrip("/") + "/") for mount in mounts)


def _lint_heartbeat(name: str, container: dict[str, Any]) -> list[str]:
    """A heartbeat probe reads a file the process can write, and waits for the first beat."""
    probe = container.get("livenessProbe", {})
    env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
    path = heartbeat_file(probe.get("exec", {}).get("command", []), env)
    if path is None:
        return []
    problems = []
    mounts = [m["mountPath"] for m in container.get("volumeMounts", []) if not m.get("readOnly")]
    if container.get("securityContext", {}).get("readOnlyRootFilesystem") and not _under(path, mounts):
        problems.append(f"{name}: heartbeat file {path} is on the read-only root filesystem (mount a volume there)")
    if "startupProbe" not in container and not probe.get("initialDelaySeconds"):
        problems.append(f"{name}: heartbeat liveness probe without a startupProbe (restarted before its first beat)")
    return problems


def _lint_container(where: str, container: dict[str, Any], long_running: bool, production: bool) -> list[str]:
    problems = []
    name = f"{where} container {container.get('name')}"
    resources = container.get("resources", {})
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(section, {}):
                problems.append(f"{name}: no {resource} {section[:-1]}")
    security = container.get("securityContext", {})
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{name}: allowPrivilegeEscalation is not false")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{name}: readOnlyRootFilesystem is not true")
    if "ALL" not in security.get("capabilities", {}).get("drop", []):
        problems.append(f"{name}: capabilities are not all dropped")
    if security.get("privileged"):
        problems.append(f"{name}: privileged")
    if long_running:
        # Every long-running container has a liveness probe: an HTTP or TCP one on its port, or the
        # heartbeat check for a process without a port. Readiness where a Service can route to it.
        if "livenessProbe" not in container:
            problems.append(f"{name}: no livenessProbe (a process without a port beats a heartbeat)")
        if container.get("ports") and "readinessProbe" not in container:
            problems.append(f"{name}: no readinessProbe on a container with ports")
        problems += _lint_heartbeat(name, container)
    image = container.get("image", "")
    tag = image.rsplit("@", 1)[-1] if "@" in image else (image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1]
                                                          else "")
    if not tag or tag == "latest":
        problems.append(f"{name}: image {image!r} is not pinned to a tag or digest")
    elif production and tag == "dev":
        problems.append(f"{name}: image {image!r}: a development tag in production")
    return problems


def _lint_pod(doc: dict[str, Any], production: bool) -> list[str]:
    where = _name(doc)
    template = _pod_template(doc)
    spec = template.get("spec", {})
    problems = []
    pod_security = spec.get("securityContext", {})
    containers = spec.get("containers", []) + spec.get("initContainers", [])
    if not pod_security.get("runAsNonRoot") and not all(
            c.get("securityContext", {}).get("runAsNonRoot") for c in containers):
        problems.append(f"{where}: runAsNonRoot is not set")
    if pod_security.get("seccompProfile", {}).get("type") not in ("RuntimeDefault", "Localhost"):
        problems.append(f"{where}: no RuntimeDefault seccomp profile")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{where}: the service account token is mounted (automountServiceAccountToken)")
    if spec.get("enableServiceLinks") is not False:
        problems.append(f"{where}: enableServiceLinks is not false (Service env vars clash with settings names)")
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        problems.append(f"{where}: shares a host namespace")
    long_running = doc["kind"] not in ("Job", "CronJob")
    for container in containers:
        problems += _lint_container(where, container, long_running and container in spec.get("containers", []),
                                    production)
    return problems


def lint_manifests(docs: list[dict[str, Any]], production: bool) -> list[str]:
    problems: list[str] = []
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    workloads = [doc for doc in docs if doc["kind"] in POD_OWNERS]
    pods = {_name(doc): _pod_template(doc).get("metadata", {}).get("labels", {}) for doc in workloads}
    policies = by_kind.get("NetworkPolicy", [])
    config_maps = {doc["metadata"]["name"] for doc in by_kind.get("ConfigMap", [])}
    secrets = {doc["metadata"]["name"] for doc in by_kind.get("Secret", [])}

    for doc in workloads:
        problems += _lint_pod(doc, production)

    # every pod: a NetworkPolicy of its own, and a default deny over all of them
    default_deny = [p for p in policies if not p["spec"].get("ingress") and not p["spec"].get("egress")
                    and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}]
    if not default_deny:
        problems.append("no default-deny NetworkPolicy (Ingress and Egress)")
    for name, labels in pods.items():
        if not any(_selects(p["spec"]["podSelector"].get("matchLabels", {}), labels) for p in default_deny):
            problems.append(f"{name}: not covered by the default-deny NetworkPolicy")
        own = [p for p in policies if p not in default_deny
               and _selects(p["spec"]["podSelector"].get("matchLabels", {}), labels)]
        if not own:
            problems.append(f"{name}: no NetworkPolicy allows its traffic")
    public = [p for p in policies for rule in p["spec"].get("ingress", []) if "from" not in rule]
    outside = _reachable_from_outside()
    for policy in public:
        selected = [n for n, labels in pods.items() if _selects(policy["spec"]["podSelector"]["matchLabels"], labels)]
        if any(not n.endswith(outside) for n in selected):
            problems.append(f"{_name(policy)}: ingress from anywhere to {selected}: only the processes the "
                            "registry names public or external take ingress")

    # disruption budgets for everything with more than one replica, or autoscaled
    autoscaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in by_kind.get("HorizontalPodAutoscaler", [])}
    budgets = by_kind.get("PodDisruptionBudget", [])
    for doc in by_kind.get("Deployment", []) + by_kind.get("StatefulSet", []):
        replicas = doc["spec"].get("replicas", 1)
        name = doc["metadata"]["name"]
        labels = pods[_name(doc)]
        if name in autoscaled and "replicas" in doc["spec"]:
            problems.append(f"{_name(doc)}: sets replicas and is autoscaled (they would fight)")
        if (replicas > 1 or name in autoscaled) and not any(
                _selects(b["spec"]["selector"].get("matchLabels", {}), labels) for b in budgets):
            problems.append(f"{_name(doc)}: {replicas} replicas and no PodDisruptionBudget")
    for name in autoscaled:
        if not any(d["metadata"]["name"] == name for d in by_kind.get("Deployment", [])):
            problems.append(f"HorizontalPodAutoscaler/{name}: no such Deployment")

    # Services select pods and name their ports; Ingresses point at Services
    services = {doc["metadata"]["name"]: doc for doc in by_kind.get("Service", [])}
    for doc in services.values():
        selector = doc["spec"].get("selector", {})
        targets = [doc2 for doc2 in workloads if _selects(selector, pods[_name(doc2)])]
        if not targets:
            problems.append(f"{_name(doc)}: selects no pod")
            continue
        port_names = {port.get("name") for t in targets for c in _pod_template(t)["spec"]["containers"]
                      for port in c.get("ports", [])}
        for port in doc["spec"].get("ports", []):
            if isinstance(port.get("targetPort"), str) and port["targetPort"] not in port_names:
                problems.append(f"{_name(doc)}: targetPort {port['targetPort']} is no container port")
    for doc in by_kind.get("Ingress", []):
        for rule in doc["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                if backend["name"] not in services:
                    problems.append(f"{_name(doc)}: backend Service {backend['name']} does not exist")
    for doc in by_kind.get("StatefulSet", []):
        if doc["spec"].get("serviceName") not in services:
            problems.append(f"{_name(doc)}: its governing Service {doc['spec'].get('serviceName')} does not exist")

    # configuration references resolve; no Secret in a production render
    for doc in workloads:
        spec = _pod_template(doc)["spec"]
        for container in spec.get("containers", []):
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef")
                if ref and not ref.get("optional") and ref["name"] not in config_maps:
                    problems.append(f"{_name(doc)}: ConfigMap {ref['name']} does not exist")
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("configMapKeyRef")
                if ref and not ref.get("optional") and ref["name"] not in config_maps:
                    problems.append(f"{_name(doc)}: ConfigMap {ref['name']} does not exist")
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional") and not production and ref["name"] not in secrets:
                    problems.append(f"{_name(doc)}: Secret {ref['name']} is not in this (development) render")
    if production:
        for doc in by_kind.get("Secret", []):
            problems.append(f"{_name(doc)}: a Secret in a production render (secrets never live in the repository)")
    namespaces = {doc.get("metadata", {}).get("namespace") for doc in docs if doc["kind"] != "Namespace"}
    if len(namespaces) != 1 or None in namespaces:
        problems.append(f"resources are spread over namespaces {sorted(map(str, namespaces))}")
    return problems


def lint_compose(compose: dict[str, Any], override: dict[str, Any]) -> list[str]:
    problems = []
    services = compose.get("services", {})
    for name, service in services.items():
        check = service.get("healthcheck")
        if name in override.get("services", {}) and "healthcheck" in override["services"][name]:
            check = override["services"][name]["healthcheck"]
        for dependency, condition in service.get("depends_on", {}).items():
            if dependency not in services:
                problems.append(f"{name}: depends on {dependency}, which does not exist")
                continue
            target = services[dependency]
            wanted = condition.get("condition")
            if wanted == "service_healthy" and not target.get("healthcheck", {}).get("test"):
                problems.append(f"{name}: waits for {dependency} to be healthy; it has no healthcheck")
            if wanted == "service_completed_successfully" and target.get("restart") != "no":
                problems.append(f"{name}: waits for {dependency} to complete; it restarts")
        if str(service.get("image", "")).startswith("peerbridge/"):
            if service.get("read_only") is not True:
                problems.append(f"{name}: root filesystem is not read-only")
            if "ALL" not in service.get("cap_drop", []):
                problems.append(f"{name}: capabilities are not all dropped")
            if service.get("restart") != "no":
                if not (check or {}).get("test") or (check or {}).get("disable"):
                    problems.append(f"{name}: no healthcheck (a process without a port checks its heartbeat)")
                problems += _lint_compose_heartbeat(name, service, check or {})
        elif not (check or {}).get("test") and name not in ("otel-collector", "trace-ui"):
            problems.append(f"{name}: no healthcheck")
    return problems


def _lint_compose_heartbeat(name: str, service: dict[str, Any], check: dict[str, Any]) -> list[str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment if "=" in item)
    test = check.get("test", [])
    path = heartbeat_file(test if isinstance(test, list) else str(test).split(), environment)
    if path is None or not service.get("read_only"):
        return []
    writable = [t.split(":")[0] for t in service.get("tmpfs", [])] + [
        v.split(":")[1] for v in service.get("volumes", []) if isinstance(v, str) and v.count(":") >= 1
        and not v.endswith(":ro")]
    if not _under(path, writable):
        return [f"{name}: heartbeat file {path} is on the read-only root filesystem (no tmpfs or volume there)"]
    return []


def lint_dockerfiles(root: Path) -> list[str]:
    """Every COPY source exists in the build context (the repository root) and is not .dockerignored."""
    ignored = [line.strip() for line in (root / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    problems = []
    for dockerfile in sorted(root.glob("services/*/Dockerfile")):
        where = dockerfile.relative_to(root)
        for line in dockerfile.read_text().splitlines():
            parts = line.split()
            if not parts or parts[0] != "COPY" or any(p.startswith("--from") for p in parts):
                continue
            for source in parts[1:-1]:
                if not (root / source).exists():
                    problems.append(f"{where}: COPY {source}: not in the build context")
                for pattern in ignored:
                    bare = pattern.removeprefix("**/")
                    if fnmatch(source, pattern) or any(fnmatch(part, bare) for part in Path(source).parts):
                        problems.append(f"{where}: COPY {source}: excluded by .dockerignore ({pattern})")
    return problems
