"""``python -m peerbridge_shared.probe URL`` (exit 0 on a 200 answer) or ``probe tcp PORT`` (exit 0
if 127.0.0.1:PORT accepts a connection): compose's healthchecks. One word per argument, so every
engine passes them through as they are (podman's Docker API re-splits a ``python -c`` program)."""

from __future__ import annotations

import socket
import sys
import urllib.request


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args[:1] == ["tcp"]:
            socket.create_connection(("127.0.0.1", int(args[1])), 3).close()
            return 0
        with urllib.request.urlopen(args[0], timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (OSError, ValueError, IndexError) as exc:
        print(f"probe failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
