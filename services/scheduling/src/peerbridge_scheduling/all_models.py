"""Imports every domain's models so the metadata is complete (Alembic, tests)."""

from peerbridge_shared.idempotency import ProcessedMessage  # noqa: F401
from peerbridge_shared.outbox import OutboxMessage  # noqa: F401

from .attendance import models as attendance  # noqa: F401
from .contacts import models as contacts  # noqa: F401
from .goals import models as goals  # noqa: F401
from .hospital import models as hospital  # noqa: F401
from .participants import models as participants  # noqa: F401
from .programs import models as programs  # noqa: F401
from .questionnaires import models as questionnaires  # noqa: F401
from .questionnaires import retired_models as retired_instruments  # noqa: F401
from .reminders import models as reminders  # noqa: F401
from .safety import models as safety  # noqa: F401
from .sessions import models as sessions  # noqa: F401
from .workforce import models as workforce  # noqa: F401
