"""`python -m peerbridge_metrics`: serve the metrics read API (METRICS_* settings)."""

from peerbridge_shared.serve import serve

from .app import create_app
from .settings import get_settings

serve(create_app, get_settings())
