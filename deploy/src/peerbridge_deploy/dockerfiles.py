"""services/<image>/Dockerfile, one per image, all from one template.

Multi-stage: the build stage installs the service and the shared library into a virtualenv,
every version pinned by constraints.txt; the runtime stage is the slim Python base plus that
virtualenv, tini as PID 1, the Alembic migrations, and a non-root user (10001). Nothing is written
under the root filesystem at run time: bytecode is compiled at build time, HOME and temporary files
live in /tmp (an emptyDir or tmpfs), Faust state in /var/lib/peerbridge (a volume).
"""

from __future__ import annotations

from .registry import Registry

UID = 10001
DATA_DIR = "/var/lib/peerbridge"

TEMPLATE = """\
# syntax=docker/dockerfile:1
{header}\
# Build from the repository root: docker build -f services/{image}/Dockerfile -t peerbridge/{image} .
ARG PYTHON_IMAGE={python}

FROM ${{PYTHON_IMAGE}} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY shared/pyproject.toml shared/
COPY shared/src shared/src
COPY services/{image}/pyproject.toml services/{image}/
COPY services/{image}/src services/{image}/src
# Every dependency is pinned: constraints.txt holds an exact version for each (a test checks it).
RUN /opt/venv/bin/pip install -c constraints.txt ./shared ./services/{image}{extras} \\
 && /opt/venv/bin/pip check \\
 && /opt/venv/bin/python -m compileall -q /opt/venv

FROM ${{PYTHON_IMAGE}}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends tini \\
 && rm -rf /var/lib/apt/lists/* \\
 && groupadd --gid {uid} peerbridge \\
 && useradd --uid {uid} --gid {uid} --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin peerbridge \\
 && install -d -o {uid} -g {uid} -m 0750 {data_dir} {data_dir}/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
{migrations}\
ENV PATH=/opt/venv/bin:$PATH \\
    PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    HOME=/tmp \\
    TMPDIR=/tmp
USER {uid}:{uid}
LABEL org.opencontainers.image.title="peerbridge-{image}" \\
      org.opencontainers.image.description="PeerBridge {image}: {processes}"
ENTRYPOINT ["tini", "--"]
CMD {command}
"""

MIGRATIONS = """\
# Migrations run from /app: alembic -c services/{image}/alembic.ini upgrade head
COPY services/{image}/alembic.ini services/{image}/alembic.ini
COPY services/{image}/migrations services/{image}/migrations
"""


def render_dockerfiles(registry: Registry, header: str) -> dict[str, str]:
    files = {}
    for name, image in registry.images.items():
        processes = [p for p in registry.processes.values() if p.image == name]
        default = next(p for p in processes if p.kind == "api") if any(p.kind == "api" for p in processes) \
            else processes[0]
        command = "[" + ", ".join(f'"{part}"' for part in default.command) + "]"
        extras = "".join(f" {requirement}" for requirement in image.extra_requirements)
        files[f"services/{name}/Dockerfile"] = TEMPLATE.format(
            header=header, image=name, python=registry.infrastructure.python, uid=UID, data_dir=DATA_DIR,
            extras=extras, command=command, processes=", ".join(p.name for p in processes),
            migrations=MIGRATIONS.format(image=name) if image.database else "",
        )
    return files
