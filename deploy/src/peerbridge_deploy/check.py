"""Everything `make deploy-check` (and CI) checks, without a container engine or a cluster.

1. drift: the generated files equal a fresh render of the registries;
2. every overlay renders with kustomize;
3. every rendered resource validates against the Kubernetes JSON schemas (strict: an unknown
   field fails) of the oldest and the newest Kubernetes version we support, offline (the schemas
   ship in the kubernetes-validate package); Strimzi resources against strimzi.py;
4. the manifest lint (lint.py): probes, requests and limits, securityContext, PodDisruptionBudgets,
   NetworkPolicies, pinned images, no Secrets outside dev;
5. docker-compose.yml and docker-compose.override.yml against the compose specification schema
   (vendored by the check-jsonschema package), and the compose lint;
6. every COPY of the Dockerfiles names a path of the build context that .dockerignore keeps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry as SchemaRegistry
from referencing import Resource

from . import lint, strimzi
from .registry import REPO_ROOT
from .render import drift

OVERLAYS = REPO_ROOT / "deploy" / "k8s" / "overlays"
# Oldest supported (NetworkPolicy endPort, HPA v2, PDB policy/v1 are all GA there) and newest.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")


def find_kustomize(explicit: str | None) -> str:
    for candidate in (explicit, os.environ.get("KUSTOMIZE"), str(REPO_ROOT / ".cache" / "bin" / "kustomize"),
                      shutil.which("kustomize")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("kustomize not found: `make deploy-check` installs it into .cache/bin")


def build(kustomize: str, overlay: Path) -> list[dict[str, Any]]:
    result = subprocess.run([kustomize, "build", str(overlay)], capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"kustomize build {overlay.relative_to(REPO_ROOT)} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@cache
def _kubernetes_validator(version: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    import importlib.resources

    import kubernetes_validate

    bundled = kubernetes_validate.utils.all_versions()
    chosen = [v for v in bundled if kubernetes_validate.utils.major_minor(v) <= version.rsplit(".", 1)[0]]
    if not chosen:
        raise SystemExit(f"kubernetes-validate has no schemas for Kubernetes {version}")
    schemas = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    directory = schemas / f"v{chosen[-1]}-local-strict"
    group = api_version.split("/")[0].split(".")[0] if "/" in api_version else ""
    name = f"{kind.lower()}-{group + '-' if group else ''}{api_version.split('/')[-1]}.json"
    schema_file = directory / name
    if not schema_file.is_file():
        return None
    schema = json.loads(schema_file.read_text())
    return jsonschema.Draft202012Validator(schema, registry=_definitions(str(directory)))


@cache
def _definitions(directory: str) -> SchemaRegistry:
    path = Path(directory) / "_definitions.json"
    return Resource.from_contents(json.loads(path.read_text())) @ SchemaRegistry()


def _error_text(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{where}: {error.message[:300]}"


def validate_resource(doc: dict[str, Any]) -> list[str]:
    kind, api_version = doc.get("kind", "?"), doc.get("apiVersion", "?")
    key = (api_version, kind)
    if key in strimzi.SCHEMAS:
        validator = jsonschema.Draft202012Validator(strimzi.SCHEMAS[key])
        return [f"Strimzi schema: {_error_text(error)}" for error in validator.iter_errors(doc)]
    problems = []
    for version in KUBERNETES_VERSIONS:
        validator = _kubernetes_validator(version, kind, api_version)
        if validator is None:
            problems.append(f"no schema for {api_version} {kind} in Kubernetes {version}")
            continue
        problems += [f"Kubernetes {version}: {_error_text(error)}" for error in validator.iter_errors(doc)]
    return problems


def compose_schema() -> dict[str, Any]:
    import importlib.util

    # the data file only: check-jsonschema itself is not imported (its CLI needs a newer click)
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("check-jsonschema is not installed (it vendors the compose specification schema)")
    source = Path(spec.submodule_search_locations[0]) / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(source.read_text())


def check_compose() -> list[str]:
    validator = jsonschema.Draft202012Validator(compose_schema())
    problems = []
    documents = {}
    for name in ("docker-compose.yml", "docker-compose.override.yml"):
        document = yaml.safe_load((REPO_ROOT / name).read_text())
        documents[name] = document
        problems += [f"{name}: compose specification: {_error_text(error)}"
                     for error in validator.iter_errors(document)]
    problems += [f"docker-compose.yml: {p}" for p in lint.lint_compose(documents["docker-compose.yml"],
                                                                        documents["docker-compose.override.yml"])]
    return problems


def run_checks(kustomize: str | None = None) -> int:
    started = time.monotonic()
    failures: list[str] = []

    def step(title: str, action: Callable[[], list[str]]) -> None:
        began = time.monotonic()
        problems = action()
        failures.extend(f"{title}: {problem}" for problem in problems)
        status = "ok" if not problems else f"{len(problems)} problem(s)"
        print(f"[deploy-check] {title}: {status} ({time.monotonic() - began:.1f} s)", flush=True)
        for problem in problems[:50]:
            print(f"    {problem}")

    step("generated files match the registries", lambda: [f"stale: {path}" for path in drift()])
    binary = find_kustomize(kustomize)
    overlays = sorted(path for path in OVERLAYS.iterdir() if (path / "kustomization.yaml").exists())
    for overlay in overlays:
        name = overlay.name
        rendered: list[dict[str, Any]] = []

        def render(overlay: Path = overlay, rendered: list[dict[str, Any]] = rendered) -> list[str]:
            try:
                rendered.extend(build(binary, overlay))
            except RuntimeError as exc:
                return [str(exc)]
            return [] if rendered else ["rendered nothing"]

        step(f"{name}: kustomize build", render)
        if not rendered:
            continue

        def schemas(rendered: list[dict[str, Any]] = rendered) -> list[str]:
            return [f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}: {problem}"
                    for doc in rendered for problem in validate_resource(doc)]

        step(f"{name}: {len(rendered)} resources against Kubernetes {' and '.join(KUBERNETES_VERSIONS)}"
             " and Strimzi schemas", schemas)
        step(f"{name}: manifest lint", lambda rendered=rendered, name=name: lint.lint_manifests(
            rendered, production=name.startswith("prod")))
    step("compose specification and compose lint", check_compose)
    step("Dockerfiles copy what the build context has", lambda: lint.lint_dockerfiles(REPO_ROOT))
    elapsed = time.monotonic() - started
    if failures:
        print(f"[deploy-check] FAILED: {len(failures)} problem(s) in {elapsed:.1f} s", file=sys.stderr)
        return 1
    print(f"[deploy-check] all checks passed in {elapsed:.1f} s")
    return 0
