"""No service imports another service (ADR 0005): every module under services/*/src, read as an
AST, imports among PeerBridge's packages only its own and the shared library; the same holds for
the shared library (no service at all) and for each service's declared dependencies."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_SRC = sorted(ROOT.glob("services/*/src/peerbridge_*"))
SHARED = "peerbridge_shared"


def imported_packages(source: str) -> set[str]:
    """Top-level packages a module imports: import statements, and importlib.import_module /
    __import__ with a constant name."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _dynamic_import(node.func) and node.args:
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.add(name.value.split(".")[0])
    return found


def _dynamic_import(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))


def foreign_imports(package: Path) -> list[str]:
    """`file: package` for every PeerBridge package a module of `package` imports besides its own
    and the shared library."""
    allowed = {package.name, SHARED}
    problems = []
    for module in sorted(package.rglob("*.py")):
        for name in sorted(imported_packages(module.read_text(encoding="utf-8"))):
            if name.startswith("peerbridge") and name not in allowed:
                problems.append(f"{module.relative_to(ROOT)}: {name}")
    return problems


def test_every_service_package_is_found():
    names = {path.name for path in SERVICE_SRC}
    assert {"peerbridge_scheduling", "peerbridge_escalation", "peerbridge_metrics", "peerbridge_gateway"} <= names


def test_no_service_imports_another_service_or_a_dev_package():
    problems = [problem for package in SERVICE_SRC for problem in foreign_imports(package)]
    assert problems == []


def test_the_shared_library_imports_no_service():
    assert foreign_imports(ROOT / "shared" / "src" / SHARED) == []


def test_no_service_depends_on_another_service_package():
    for pyproject in sorted(ROOT.glob("services/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        own = project["name"]
        names = {dependency.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip()
                 for dependency in project["dependencies"]}
        assert {name for name in names if name.startswith("peerbridge") and name not in (own, "peerbridge-shared")} \
            == set(), pyproject


def test_the_rule_sees_every_way_of_importing(tmp_path):
    package = tmp_path / "peerbridge_gateway"
    package.mkdir()
    (package / "a.py").write_text("from peerbridge_scheduling.programs import schemas\n")
    (package / "b.py").write_text("import peerbridge_escalation.policy as policy\n")
    (package / "c.py").write_text("import importlib\nimportlib.import_module('peerbridge_metrics.app')\n")
    (package / "d.py").write_text("def f():\n    from peerbridge_deploy import render\n")
    (package / "ok.py").write_text("from . import x\nfrom peerbridge_gateway import y\nimport peerbridge_shared.web\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        problems = foreign_imports(package)
    finally:
        ROOT = saved
    assert problems == ["peerbridge_gateway/a.py: peerbridge_scheduling",
                        "peerbridge_gateway/b.py: peerbridge_escalation",
                        "peerbridge_gateway/c.py: peerbridge_metrics",
                        "peerbridge_gateway/d.py: peerbridge_deploy"]
