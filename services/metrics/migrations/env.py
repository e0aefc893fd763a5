from peerbridge_metrics.database import target_metadata
from peerbridge_metrics.settings import get_settings
from peerbridge_shared.migrations import run_migrations

run_migrations(target_metadata(), get_settings().database_url)
