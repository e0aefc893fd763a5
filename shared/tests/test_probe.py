"""compose's healthcheck command: 0 for a 200 answer or an open port, 1 with the reason otherwise."""

from __future__ import annotations

import socket

from fastapi import FastAPI, Response

from peerbridge_shared.probe import main


def test_a_ready_answer_passes_and_anything_else_fails(run_server, capsys):
    app = FastAPI()
    app.get("/readyz")(lambda: {"ok": True})
    app.get("/down")(lambda: Response(status_code=503))
    base = run_server(app)
    assert main([f"{base}/readyz"]) == 0
    assert main([f"{base}/down"]) == 1
    assert main(["http://127.0.0.1:1/readyz"]) == 1 and "probe failed" in capsys.readouterr().err


def test_a_port_is_open_or_not():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert main(["tcp", str(listener.getsockname()[1])]) == 0
    assert main(["tcp", "1"]) == 1
    assert main([]) == 1
