"""The dev overlay's gateway can start on its read-only root filesystem: its development signing key
is a file of a Secret volume (it cannot create one), named by GATEWAY_DEV_KEY_FILE."""

from __future__ import annotations

import copy

import yaml

from peerbridge_deploy.containers import workloads
from peerbridge_deploy.registry import REPO_ROOT

COMPONENT = REPO_ROOT / "deploy" / "k8s" / "components" / "dev-datastores" / "kustomization.yaml"


def add(document: dict, path: str, value: object) -> None:
    *parents, last = path.strip("/").split("/")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    assert last == "-", path
    node.append(value)


def test_the_dev_gateway_reads_its_key_from_a_secret_volume():
    patches = yaml.safe_load(COMPONENT.read_text())["patches"]
    gateway = copy.deepcopy(workloads()["gateway"])
    [patch] = [p for p in patches if p["target"] == {"kind": "Deployment", "name": "gateway"}]
    for operation in yaml.safe_load(patch["patch"]):
        assert operation["op"] == "add"
        add(gateway, operation["path"], operation["value"])
    pod = gateway["spec"]["template"]["spec"]
    container = pod["containers"][0]
    key_file = next(v["value"] for v in container["env"] if v["name"] == "GATEWAY_DEV_KEY_FILE")
    mount = next(m for m in container["volumeMounts"] if key_file.startswith(m["mountPath"] + "/"))
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert mount["readOnly"] and volume["secret"]["secretName"] == "peerbridge-gateway-dev-key"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
