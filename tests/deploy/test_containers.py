"""The rendered manifests translate into podman flags that keep every security setting (the image
smoke in tests/images runs the platform with them): and a manifest without one would show here."""

from __future__ import annotations

import copy

import pytest

from peerbridge_deploy.containers import Cluster, Unsupported, expand, run_args, workloads
from peerbridge_deploy.registry import load, secret_key

REGISTRY = load()
WORKLOADS = workloads()


@pytest.fixture
def cluster(tmp_path) -> Cluster:
    config = {f"peerbridge-{name}": {} for name in REGISTRY.images}
    config["peerbridge-platform"] = {"environment": "dev", "log-level": "INFO"}
    config["peerbridge-kafka"] = {"bootstrap-servers": "127.0.0.1:9092", "security-protocol": "PLAINTEXT"}
    values = {"DATABASE_URL": "postgresql://db/{name}"}  # every other secret: a value naming it
    secrets = {f"peerbridge-{name}": {secret_key(key): values.get(key, f"{name}-{key}").format(name=name)
                                      for key in image.secrets}
               for name, image in REGISTRY.images.items()}
    return Cluster(config, secrets, tmp_path)


def test_every_workload_runs_as_non_root_read_only_without_capabilities(cluster):
    assert set(REGISTRY.processes) <= set(WORKLOADS)
    for name, workload in WORKLOADS.items():
        args = run_args(name, workload, "img", cluster)
        assert "--user=10001:10001" in args, name
        assert "--read-only" in args and "--read-only-tmpfs=false" in args, name
        assert args[args.index("--cap-drop") + 1] == "ALL", name
        assert args[args.index("--security-opt") + 1] == "no-new-privileges", name
        assert any(part.startswith("type=tmpfs,destination=/tmp,") for part in args), name
        assert args[args.index("--entrypoint") + 1] == '["tini", "--"]', name
        stateful = workload["kind"] == "StatefulSet"
        assert any(part.endswith(":/var/lib/peerbridge/data:rw") for part in args) == stateful, name


def test_the_kubelets_variable_expansion_fills_the_relays_database_url(cluster):
    args = run_args("scheduling-relay", WORKLOADS["scheduling-relay"], "img", cluster)
    assert args[args.index("img"):] == ["img", "peerbridge-relay", "--service", "scheduling-relay",
                                        "--database-url", "postgresql://db/scheduling"]
    assert expand("$(UNDEFINED) $$(X) $(A)", {"A": "a"}) == "$(UNDEFINED) $(X) a"


def test_a_manifest_that_loses_a_setting_is_seen(cluster):
    weakened = copy.deepcopy(WORKLOADS["gateway"])
    context = weakened["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    del context["readOnlyRootFilesystem"]
    context["capabilities"] = {}
    args = run_args("gateway", weakened, "img", cluster)
    assert "--read-only" not in args and "--cap-drop" not in args
    del weakened["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    with pytest.raises(Unsupported, match="runAsUser"):
        run_args("gateway", weakened, "img", cluster)


def test_a_secret_the_cluster_lacks_stops_the_run(cluster):
    del cluster.secrets["peerbridge-gateway"]["redis-url"]
    with pytest.raises(Unsupported, match="redis-url"):
        run_args("gateway", WORKLOADS["gateway"], "img", cluster)
