"""Drill reports go to the terminal as they happen (not captured), so CI logs show what each drill
lost and how long recovery took."""

from collections.abc import Callable

import pytest


@pytest.fixture
def report(capsys) -> Callable[[str], None]:
    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n{line}")

    return write
