from peerbridge_metrics.models import metadata
from peerbridge_metrics.settings import get_settings
from peerbridge_shared.migrations import run_migrations

run_migrations(metadata, get_settings().database_url)
