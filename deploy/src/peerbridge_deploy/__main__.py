"""`python -m peerbridge_deploy render [--check] | local | check`.

render          write every generated file (compose, Dockerfiles, deploy/k8s/base, components)
render --check  fail if a generated file differs from a fresh render (drift)
local           the local run's process list, for deploy/local/services.sh
contracts       write the services' contracts into the gateway package (ADR 0005)
check           everything CI checks: drift, kustomize build of every overlay, Kubernetes and
                Strimzi schemas, the manifest lint, the compose specification
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m peerbridge_deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render", help="write the generated files")
    render.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    local = sub.add_parser("local", help="process list for deploy/local/services.sh")
    local.add_argument("--venv", type=Path, required=True)
    local.add_argument("--postgres", required=True, help="postgresql+psycopg://user:password@host:port")
    sub.add_parser("contracts", help="the services' contracts the gateway documents")
    check = sub.add_parser("check", help="validate everything (CI)")
    check.add_argument("--kustomize", default=None, help="kustomize binary (default: found on PATH or installed)")
    args = parser.parse_args(argv)

    if args.command == "render":
        from .render import drift, write_all

        if args.check:
            problems = drift()
            for path in problems:
                print(f"drift: {path}")
            if problems:
                print("generated deployment files are stale: run `make deploy-render` and commit", file=sys.stderr)
                return 1
            print("generated deployment files: up to date")
            return 0
        for path in write_all():
            print(f"wrote {path}")
        return 0
    if args.command == "local":
        from .local import local_lines
        from .registry import load

        print("\n".join(local_lines(load(), args.venv, args.postgres)))
        return 0
    if args.command == "contracts":
        from .contracts import write_contracts

        for path in write_contracts():
            print(f"wrote {path}")
        return 0
    from .check import run_checks

    return run_checks(args.kustomize)


if __name__ == "__main__":
    sys.exit(main())
