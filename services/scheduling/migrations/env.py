from peerbridge_scheduling.models import metadata
from peerbridge_scheduling.settings import get_settings
from peerbridge_shared.migrations import run_migrations

run_migrations(metadata, get_settings().database_url)
