"""The end-to-end smoke through the containerized gateway: the e2e journey (a PHQ-9 item 9 answer
reaches the clinician's WebSocket and e-mail, climbs to the backup, and reaches the funder's
report and webhook) on the platform run from the images (platform.py)."""

from __future__ import annotations

from ..e2e.test_safety_signal_to_funder_feed import (  # noqa: F401 - collected here, on this package's platform
    test_a_phq9_item9_answer_reaches_the_clinician_then_the_backup_and_the_funder_feed,
)
