"""Imports every domain's models so the metadata is complete (Alembic, tests)."""

from peerbridge_shared.idempotency import ProcessedMessage  # noqa: F401
from peerbridge_shared.outbox import OutboxMessage  # noqa: F401

from .audit import models as audit  # noqa: F401
from .cases import models as cases  # noqa: F401
from .cases import numbering as case_numbers  # noqa: F401
from .rosters import models as rosters  # noqa: F401
from .routing import models as routing  # noqa: F401
