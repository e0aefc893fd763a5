"""`python -m peerbridge_console`: the console's HTTP server (port 8010 by default)."""

from peerbridge_shared.serve import serve

from .app import create_app
from .settings import get_settings

if __name__ == "__main__":
    serve(create_app, get_settings())
