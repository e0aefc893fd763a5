#!/bin/sh
# The healthcheck of docker-compose.yml: exit 0 when the broker answers an ApiVersions request
# (the official script's job; kafka-tools is not among the broker's jars).
exec python - "$@" <<'PY'
import socket, struct, sys
server = sys.argv[sys.argv.index("--bootstrap-server") + 1]
host, port = server.rsplit(":", 1)
client = b"healthcheck"
request = struct.pack(">hhih", 18, 0, 1, len(client)) + client
with socket.create_connection((host, int(port)), 5) as sock:
    sock.sendall(struct.pack(">i", len(request)) + request)
    header = sock.recv(10)
sys.exit(0 if len(header) >= 10 and struct.unpack(">ih", header[4:10])[1] == 0 else 1)
PY
