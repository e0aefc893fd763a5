"""The pods of the rendered Kubernetes base, run as podman containers on one host: what CI uses
instead of a cluster to run the platform from its images (tests/images).

Everything about how a container runs comes from its manifest: the command and arguments (with
the kubelet's ``$(VAR)`` expansion), the environment (literal values, ConfigMap and Secret
references, ``envFrom``), the user and group, a read-only root filesystem, dropped capabilities,
no privilege escalation, and the volumes it mounts (emptyDir as tmpfs, a volume claim as a host
directory owned by the pod's fsGroup, an optional Secret that is absent as an empty read-only
directory). What a cluster would provide is a :class:`Cluster`: the ConfigMaps' and Secrets'
values and where claims live. A setting the runner cannot honour is an error, not a silent skip.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .registry import REPO_ROOT

BASE = REPO_ROOT / "deploy" / "k8s" / "base"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")
_REFERENCE = re.compile(r"\$\((\w+)\)|\$\$")


class Unsupported(ValueError):
    """A manifest setting this runner cannot apply as Kubernetes would."""


@dataclass
class Cluster:
    """What the cluster gives the pods."""

    config_maps: dict[str, dict[str, str]]
    secrets: dict[str, dict[str, str]]
    volumes_dir: Path
    """Host directories for volume claims and empty optional Secrets, one per pod and volume."""
    extra_mounts: dict[str, list[tuple[Path, str]]] = field(default_factory=dict)
    """Per workload: (host file, container path) mounted read-only beside the manifest's volumes."""


def workloads(base: Path = BASE) -> dict[str, dict[str, Any]]:
    """Every Deployment, StatefulSet and Job of the base, by name."""
    found = {}
    for path in sorted(base.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document and document.get("kind") in WORKLOAD_KINDS:
                found[document["metadata"]["name"]] = document
    return found


def pod_of(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def environment(container: dict[str, Any], cluster: Cluster) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom first, env over it."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" not in source:
            raise Unsupported(f"envFrom {source}")
        ref = source["configMapRef"]
        if ref["name"] not in cluster.config_maps and not ref.get("optional"):
            raise Unsupported(f"ConfigMap {ref['name']} is not in the cluster")
        env.update(cluster.config_maps.get(ref["name"], {}))
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = expand(str(variable["value"]), env)
            continue
        source = variable["valueFrom"]
        kind, ref = next(iter(source.items()))
        store = {"configMapKeyRef": cluster.config_maps, "secretKeyRef": cluster.secrets}.get(kind)
        if store is None:
            raise Unsupported(f"{variable['name']}: valueFrom {kind}")
        value = store.get(ref["name"], {}).get(ref["key"])
        if value is None:
            if ref.get("optional"):
                continue
            raise Unsupported(f"{variable['name']}: {ref['name']}/{ref['key']} is not in the cluster")
        env[variable["name"]] = value
    return env


def expand(text: str, env: dict[str, str]) -> str:
    """``$(VAR)`` replaced by a defined variable (an undefined one stays as written), ``$$`` by ``$``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _REFERENCE.sub(replace, text)


def security_flags(pod: dict[str, Any], container: dict[str, Any]) -> list[str]:
    merged = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    user, group = merged.get("runAsUser"), merged.get("runAsGroup")
    if user is None or group is None:
        raise Unsupported("no runAsUser/runAsGroup: the image's user would run")
    if merged.get("runAsNonRoot") and user == 0:
        raise Unsupported("runAsNonRoot with user 0")
    flags = [f"--user={user}:{group}"]
    if merged.get("readOnlyRootFilesystem"):
        flags += ["--read-only", "--read-only-tmpfs=false"]  # only the manifest's volumes are writable
    for capability in merged.get("capabilities", {}).get("drop", []):
        flags += ["--cap-drop", capability]
    for capability in merged.get("capabilities", {}).get("add", []):
        flags += ["--cap-add", capability]
    if merged.get("allowPrivilegeEscalation") is False:
        flags += ["--security-opt", "no-new-privileges"]
    if merged.get("privileged"):
        raise Unsupported("privileged containers")
    return flags


def _size(limit: str) -> str:
    return limit.removesuffix("i").lower()  # 64Mi -> 64m for tmpfs


def volume_flags(name: str, workload: dict[str, Any], cluster: Cluster) -> list[str]:
    pod = pod_of(workload)
    container = pod["containers"][0]
    declared = {volume["name"]: volume for volume in pod.get("volumes", [])}
    claims = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
    owner = pod.get("securityContext", {}).get("fsGroup")
    user = pod.get("securityContext", {}).get("runAsUser")
    flags: list[str] = []
    for mount in container.get("volumeMounts", []):
        path, volume = mount["mountPath"], declared.get(mount["name"])
        if mount["name"] in claims:
            flags += ["-v", f"{_host_dir(cluster, name, mount['name'], user, owner)}:{path}:rw"]
        elif volume is None:
            raise Unsupported(f"volume {mount['name']} is not declared")
        elif "emptyDir" in volume:
            size = volume["emptyDir"].get("sizeLimit")
            options = f"tmpfs-mode=1777{f',tmpfs-size={_size(size)}' if size else ''}"
            flags += ["--mount", f"type=tmpfs,destination={path},{options}"]
        elif "secret" in volume:
            secret = volume["secret"]
            if secret["secretName"] in cluster.secrets:
                raise Unsupported(f"secret volume {secret['secretName']} with content")
            if not secret.get("optional"):
                raise Unsupported(f"secret {secret['secretName']} is not in the cluster")
            flags += ["-v", f"{_host_dir(cluster, name, mount['name'], user, owner)}:{path}:ro"]
        else:
            raise Unsupported(f"volume {mount['name']}: {sorted(volume)}")
    for host, path in cluster.extra_mounts.get(name, []):
        flags += ["-v", f"{host}:{path}:ro"]
    return flags


def _host_dir(cluster: Cluster, pod: str, volume: str, user: int | None, group: int | None) -> Path:
    directory = cluster.volumes_dir / pod / volume
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(directory, user or 0, group or 0)
    directory.chmod(0o770)
    return directory


def run_args(name: str, workload: dict[str, Any], image: str, cluster: Cluster,
             container_name: str | None = None) -> list[str]:
    """``podman run`` arguments (after ``podman``) for the pod's first container, host network."""
    pod = pod_of(workload)
    if len(pod["containers"]) != 1 or pod.get("initContainers"):
        raise Unsupported(f"{name}: one container per pod")
    container = pod["containers"][0]
    env = environment(container, cluster)
    entrypoint = container.get("command")
    arguments = [expand(part, env) for part in container.get("args", [])]
    flags = ["run", "--rm", "--name", container_name or name, "--network", "host", "--pull", "never",
             *security_flags(pod, container), *volume_flags(name, workload, cluster)]
    for key, value in sorted(env.items()):
        flags += ["-e", f"{key}={value}"]
    if entrypoint is not None:
        flags += ["--entrypoint", json.dumps(entrypoint)]
    return [*flags, image, *arguments]


def probe_of(workload: dict[str, Any], *kinds: str) -> dict[str, Any] | None:
    """The first of the container's probes named (readinessProbe, startupProbe, livenessProbe)."""
    container = pod_of(workload)["containers"][0]
    return next((container[kind] for kind in kinds if kind in container), None)
