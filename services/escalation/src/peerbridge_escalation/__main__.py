"""`python -m peerbridge_escalation`: serve the escalation API (ESCALATION_* settings)."""

from peerbridge_shared.serve import serve

from .app import create_app
from .settings import get_settings

serve(create_app, get_settings())
