"""Deployment files are generated from the registries and agree with them.

No container engine, cluster or kustomize here: `make deploy-check` renders the overlays and
validates them; these tests keep the sources of truth and the generated files in step.
"""

from __future__ import annotations

import copy
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from peerbridge_deploy import compose, lint
from peerbridge_deploy.k8s import workload
from peerbridge_deploy.local import local_lines
from peerbridge_deploy.registry import REPO_ROOT, load
from peerbridge_deploy.render import drift
from peerbridge_shared.topics import DEAD_LETTER_RETENTION_DAYS, TOPICS

REGISTRY = load()


def test_generated_files_are_up_to_date():
    assert drift() == [], "generated deployment files are stale: run `make deploy-render` and commit"


def test_strimzi_topics_are_the_topic_registry():
    rendered = [doc for doc in yaml.safe_load_all((REPO_ROOT / "deploy/k8s/components/strimzi/topics.yaml").read_text())
                if doc]
    by_name = {doc["spec"]["topicName"]: doc["spec"] for doc in rendered}
    expected = {topic.name for topic in TOPICS} | {topic.dead_letter for topic in TOPICS}
    assert set(by_name) == expected
    for topic in TOPICS:
        spec = by_name[topic.name]
        assert spec["partitions"] == topic.partitions
        assert spec["replicas"] == 3
        assert spec["config"] == {**topic.config(), "min.insync.replicas": "2"}
        dead = by_name[topic.dead_letter]
        assert dead["partitions"] == 1
        assert dead["config"]["retention.ms"] == str(DEAD_LETTER_RETENTION_DAYS * 24 * 3600 * 1000)


def test_compose_and_the_topics_job_create_topics_from_the_code_registry():
    document = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert document["services"]["topics"]["command"] == ["peerbridge-topics", "create"]
    job = yaml.safe_load_all((REPO_ROOT / "deploy/k8s/components/external-kafka/topics-job.yaml").read_text())
    container = next(doc for doc in job if doc and doc["kind"] == "Job")["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["peerbridge-topics", "create"]


def test_every_process_runs_its_registry_command_in_compose_and_kubernetes():
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    for name, process in REGISTRY.processes.items():
        assert services[name]["command"] == compose.command(REGISTRY, process)
        manifest = yaml.safe_load_all((REPO_ROOT / f"deploy/k8s/base/{name}.yaml").read_text())
        owner = next(doc for doc in manifest if doc and doc["kind"] in ("Deployment", "StatefulSet"))
        container = owner["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["tini", "--"]
        args = [re.sub(r"^\$\([A-Z]+_DATABASE_URL\)$", "{database_url}", arg) for arg in container["args"]]
        assert args == process.command
        assert owner["kind"] == ("StatefulSet" if process.kind == "stateful" else "Deployment")


def test_the_local_run_starts_the_installed_processes_with_the_same_commands(tmp_path):
    venv = REPO_ROOT / ".venv"
    lines = local_lines(REGISTRY, venv, "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432")
    started = {line.split("|")[0]: line.split("|")[3] for line in lines}
    # what exists today runs locally; what is being built is skipped until its module lands
    for name in ("scheduling", "scheduling-relay", "escalation-worker", "escalation-watchdog", "metrics-worker"):
        assert name in started
    assert started["scheduling-relay"] == (
        f"{venv}/bin/peerbridge-relay --service scheduling-relay --database-url "
        "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/peerbridge_scheduling")
    watchdog = "-m peerbridge_escalation.routing.timers --watchdog --metrics-port 9102"
    assert started["escalation-watchdog"].endswith(watchdog)
    for line in lines:
        name, url, max_age, _command = line.split("|")
        process = REGISTRY.processes[name]
        if process.http and process.http.readiness:
            assert url.startswith(f"http://127.0.0.1:{process.http.port}/")
        else:
            assert url == ""
        assert max_age == (str(process.heartbeat.max_age_s) if process.heartbeat else "")
    assert "|120|" in next(line for line in lines if line.startswith("scheduling-relay|"))


def test_every_process_without_a_port_has_a_heartbeat_liveness_probe_in_kubernetes_and_compose():
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    portless = [name for name, process in REGISTRY.processes.items() if process.port is None]
    assert set(portless) == {"scheduling-relay", "scheduling-worker", "escalation-relay", "escalation-worker",
                             "escalation-delivery", "escalation-timers", "escalation-watchdog", "metrics-feed",
                             "gateway-fanout", "gateway-webhooks"}
    for name in portless:
        process = REGISTRY.processes[name]
        check = ["python", "-m", "peerbridge_shared.heartbeat", "check", "--max-age-s",
                 str(process.heartbeat.max_age_s)]
        container = _deployment(name)[0]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["exec"]["command"] == check
        assert container["startupProbe"]["exec"]["command"] == check
        assert "readinessProbe" not in container and "ports" not in container
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]  # the default heartbeat file
        assert services[name]["healthcheck"]["test"] == ["CMD", *check]
        assert "/tmp" in services[name]["tmpfs"]
    for name in REGISTRY.processes:
        container = _deployment(name)[0]["spec"]["template"]["spec"]["containers"][0]
        assert "livenessProbe" in container, name
        assert services[name]["healthcheck"].get("test"), name


def test_every_image_dependency_is_pinned_in_constraints():
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version

    def closure(name: str, seen: set[str]) -> None:
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            return
        seen.add(key)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            return
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                closure(requirement.name, seen)

    for image_name, image in REGISTRY.images.items():
        needed: set[str] = set()
        closure(f"peerbridge-{image_name}", needed)
        needed |= {re.sub(r"[-_.]+", "-", r).lower() for r in image.extra_requirements}
        unpinned = sorted(n for n in needed if not n.startswith("peerbridge-") and n not in pins)
        assert unpinned == [], f"{image_name}: not pinned in constraints.txt: {unpinned}"


def _deployment(name: str) -> list[dict]:
    return workload(REGISTRY, REGISTRY.processes[name])


def _with_namespace(docs: list[dict]) -> list[dict]:
    for doc in docs:
        doc.setdefault("metadata", {})["namespace"] = "peerbridge"
    return docs


def _base_docs() -> list[dict]:
    docs = []
    for path in sorted((REPO_ROOT / "deploy/k8s/base").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for doc in docs:
        for container in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            container["image"] += ":1.0.0"
    return _with_namespace(docs)


def test_the_base_passes_the_lint():
    assert lint.lint_manifests(_base_docs(), production=True) == []


@pytest.mark.parametrize("name, breakage, expected", [
    ("scheduling-relay", lambda c, s: c.pop("livenessProbe"), "no livenessProbe"),
    ("scheduling-relay", lambda c, s: c.pop("startupProbe"), "without a startupProbe"),
    ("scheduling-relay", lambda c, s: c.update(volumeMounts=[]), "heartbeat file /tmp/peerbridge.heartbeat is on "
                                                                  "the read-only root filesystem"),
    ("scheduling-relay", lambda c, s: c.update(env=[{"name": "PEERBRIDGE_HEARTBEAT_FILE", "value": "/app/x"}]),
     "heartbeat file /app/x is on the read-only root filesystem"),
    ("scheduling", lambda c, s: c.pop("readinessProbe"), "no readinessProbe on a container with ports"),
]
+ [("scheduling", breakage, expected) for breakage, expected in [
    (lambda c, s: c.pop("livenessProbe"), "no livenessProbe"),
    (lambda c, s: c["resources"]["limits"].pop("memory"), "no memory limit"),
    (lambda c, s: c["securityContext"].update(readOnlyRootFilesystem=False), "readOnlyRootFilesystem"),
    (lambda c, s: c["securityContext"]["capabilities"].update(drop=[]), "capabilities"),
    (lambda c, s: c.update(image="peerbridge/scheduling:latest"), "not pinned"),
    (lambda c, s: s.update(enableServiceLinks=True), "enableServiceLinks"),
    (lambda c, s: s.update(automountServiceAccountToken=True), "automountServiceAccountToken"),
]])
def test_the_lint_refuses_an_unhardened_pod(name, breakage, expected):
    docs = _base_docs()
    deployment = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name)
    spec = deployment["spec"]["template"]["spec"]
    breakage(spec["containers"][0], spec)
    problems = lint.lint_manifests(docs, production=True)
    assert any(expected in problem and re.match(f"Deployment/{name}[: ]", problem) for problem in problems), problems


def test_an_annotation_no_longer_excuses_a_missing_probe():
    docs = _base_docs()
    deployment = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "gateway-fanout")
    deployment["spec"]["template"]["metadata"]["annotations"] = {"peerbridge.org/no-probe": "no port"}
    deployment["spec"]["template"]["spec"]["containers"][0].pop("livenessProbe")
    assert any("Deployment/gateway-fanout container gateway-fanout: no livenessProbe" in p
               for p in lint.lint_manifests(docs, production=True))


def test_the_lint_wants_a_budget_a_network_policy_and_no_public_ingress_but_the_gateway():
    docs = _base_docs()
    without_budget = [d for d in docs
                      if not (d["kind"] == "PodDisruptionBudget" and d["metadata"]["name"] == "metrics")]
    assert any("Deployment/metrics: 2 replicas and no PodDisruptionBudget" in p
               for p in lint.lint_manifests(without_budget, production=True))
    without_policy = [d for d in docs if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "metrics")]
    assert any("Deployment/metrics: no NetworkPolicy" in p for p in lint.lint_manifests(without_policy, True))
    opened = copy.deepcopy(docs)
    policy = next(d for d in opened if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "scheduling")
    policy["spec"]["ingress"].append({"ports": [{"protocol": "TCP", "port": 8001}]})
    assert any("only the processes the registry names public or external take ingress" in p
               for p in lint.lint_manifests(opened, True))


def test_only_the_gateway_console_and_mllp_listener_take_outside_traffic_and_callers_reach_their_callees():
    policies = {d["metadata"]["name"]: d for d in _base_docs() if d["kind"] == "NetworkPolicy"}
    for name in REGISTRY.processes:
        rules = policies[name]["spec"].get("ingress", [])
        assert any("from" not in rule for rule in rules) == (name in ("gateway", "console", "scheduling-mllp")), name
    assert policies["scheduling-mllp"]["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 2575}]}]
    gateway_from = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                    for rule in policies["gateway"]["spec"]["ingress"] for peer in rule.get("from", [])
                    if "podSelector" in peer]
    assert gateway_from == ["console"]
    console_out = policies["console"]["spec"]["egress"]
    assert {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}],
            "ports": [{"protocol": "TCP", "port": 8000}]} in console_out
    scheduling_from = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                       for rule in policies["scheduling"]["spec"]["ingress"] for peer in rule.get("from", [])
                       if "podSelector" in peer]
    assert sorted(scheduling_from) == ["escalation", "escalation-worker", "gateway"]


def test_stateful_faust_workers_keep_their_state_on_a_volume():
    for name, process in REGISTRY.processes.items():
        if process.kind != "stateful":
            continue
        statefulset = _deployment(name)[0]
        assert statefulset["kind"] == "StatefulSet"
        container = statefulset["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        prefix = REGISTRY.images[process.image].env_prefix
        assert env[f"{prefix}FAUST_STORE"] == "rocksdb://"
        data_dir = env[f"{prefix}FAUST_DATA_DIR"]
        assert {"name": "data", "mountPath": data_dir} in container["volumeMounts"]
        assert statefulset["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"


def test_dockerfiles_run_as_non_root_with_the_registry_default_command():
    for image_name in REGISTRY.images:
        text = Path(REPO_ROOT / f"services/{image_name}/Dockerfile").read_text()
        assert "\nUSER 10001:10001\n" in text
        assert "-c constraints.txt" in text
        assert text.count("\nFROM ") == 2  # build and runtime stages
        if REGISTRY.images[image_name].database:
            assert f"COPY services/{image_name}/migrations services/{image_name}/migrations" in text


def _registry_with(process_changes: dict) -> dict:
    data = yaml.safe_load((REPO_ROOT / "deploy/processes.yaml").read_text())
    data["processes"]["scheduling-worker"].update(process_changes)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"heartbeat": None}, "no probe: a process without a port beats a heartbeat"),
    ({"no_probe": "no port"}, "Extra inputs are not permitted"),
    ({"tcp": {"port": 9200, "name": "metrics"}}, "one of http, tcp or heartbeat"),
    ({"heartbeat": {"max_age_s": 2}}, "greater than or equal to 10"),
    ({"replicas": 2}, "a singleton has one replica"),
    ({"kind": "stateful"}, "needs data_env and volume_size"),
    ({"calls": ["scheduling-relay"]}, "which has no port"),
    ({"image": "billing"}, "unknown image"),
])
def test_the_registry_refuses_an_incomplete_process(changes, message):
    from pydantic import ValidationError

    from peerbridge_deploy.registry import Registry

    with pytest.raises(ValidationError, match=message):
        Registry.model_validate(_registry_with(changes))


def test_the_compose_lint_and_the_dockerfile_check_find_mistakes(tmp_path):
    document = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    document["services"]["scheduling"]["depends_on"]["scheduling-relay"] = {"condition": "service_healthy"}
    document["services"]["escalation"].pop("read_only")
    document["services"]["gateway-fanout"]["healthcheck"] = {"disable": True}
    document["services"]["gateway-webhooks"]["tmpfs"] = []
    problems = lint.lint_compose(document, {"services": {}})
    assert not any("waits for scheduling-relay to be healthy" in p for p in problems)  # it has a healthcheck now
    assert any("escalation: root filesystem is not read-only" in p for p in problems)
    assert any("gateway-fanout: no healthcheck" in p for p in problems)
    assert any("gateway-webhooks: heartbeat file /tmp/peerbridge.heartbeat is on the read-only root" in p
               for p in problems)
    document["services"]["scheduling"]["depends_on"]["trace-ui"] = {"condition": "service_healthy"}
    assert any("waits for trace-ui to be healthy" in p for p in lint.lint_compose(document, {"services": {}}))

    (tmp_path / "services/x").mkdir(parents=True)
    (tmp_path / "services/x/tests").mkdir()
    (tmp_path / ".dockerignore").write_text("**/tests\n")
    (tmp_path / "services/x/Dockerfile").write_text("FROM python\nCOPY services/x/tests t\nCOPY services/x/src s\n")
    problems = lint.lint_dockerfiles(tmp_path)
    assert any("services/x/tests: excluded by .dockerignore" in p for p in problems)
    assert any("services/x/src: not in the build context" in p for p in problems)
