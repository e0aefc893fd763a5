"""Every generated deployment file, by path relative to the repository root."""

from __future__ import annotations

from pathlib import Path

from .compose import render_compose, render_override, render_postgres_init
from .dev import render_dev
from .dockerfiles import render_dockerfiles
from .docs import render_process_doc
from .k8s import render_base, render_components
from .registry import REPO_ROOT, Registry, load
from .yamlout import GENERATED, dump


def render_all(registry: Registry | None = None) -> dict[str, str]:
    registry = registry or load()
    files = {
        "docker-compose.yml": GENERATED + dump(render_compose(registry)),
        "docker-compose.override.yml": GENERATED + "# Development: ports on loopback, APIs reload on a source change.\n"
        + dump(render_override(registry)),
        "deploy/compose/postgres-init.sql": render_postgres_init(registry, GENERATED),
        "docs/deploy-processes.md": render_process_doc(registry),
    }
    files.update(render_dockerfiles(registry, GENERATED))
    files.update(render_base(registry, GENERATED))
    files.update(render_components(registry, GENERATED))
    files.update(render_dev(registry, GENERATED))
    return files


def generated_dirs() -> list[str]:
    """Directories whose every file is generated: a stale file there is drift too."""
    return ["deploy/k8s/base"]


def drift(root: Path = REPO_ROOT) -> list[str]:
    """Paths whose content differs from a fresh render (or that should not exist)."""
    files = render_all()
    problems = [path for path, text in files.items()
                if not (root / path).exists() or (root / path).read_text() != text]
    for directory in generated_dirs():
        for path in sorted((root / directory).glob("*")):
            relative = str(path.relative_to(root))
            if relative not in files:
                problems.append(relative + " (not generated: remove it)")
    return problems


def write_all(root: Path = REPO_ROOT) -> list[str]:
    written = []
    files = render_all()
    for directory in generated_dirs():
        for path in (root / directory).glob("*"):
            if str(path.relative_to(root)) not in files:
                path.unlink()
                written.append(str(path.relative_to(root)) + " (removed)")
    for path, text in files.items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            written.append(path)
    return written
