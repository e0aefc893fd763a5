"""The platform from its images (platform.py), for `make images-smoke` (CI runs it after
`make images`): skipped unless PEERBRIDGE_IMAGE_TAG names the images to run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ..e2e.conftest import receiver, smtp  # noqa: F401 - the same SMTP inbox and webhook receiver
from ..e2e.platform import Platform
from .platform import container_platform

collect_ignore_glob = [] if os.environ.get("PEERBRIDGE_IMAGE_TAG") else ["test_*.py"]


@pytest.fixture(scope="package")
def platform(create_database, kafka_settings, kafka_admin, smtp, tmp_path_factory) -> Iterator[Platform]:  # noqa: F811
    with container_platform(create_database, kafka_settings, tmp_path_factory.mktemp("images"),
                            smtp_port=smtp[1]) as running_platform:
        yield running_platform
