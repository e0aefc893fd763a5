"""Hostile strings (hypothesis strategies) and schemathesis runs that count requests and 5xx, for the
fuzzing of every service directly and of the gateway."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from http.client import InvalidURL
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
HOSTILE_EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "6"))
PROGRESS = bool(os.environ.get("FUZZ_PROGRESS"))

ZONES = st.sampled_from(["localtime", "Factory", "posixrules", "America", "America/", "Etc/GMT+99", "A" * 300,
                         "../../etc/passwd", "America/New_York\x00"])
INSTANTS = st.sampled_from(["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "0001-01-01",
                            "9999-12-31", "2026-02-30", "1900-01-01T00:00:00+24:00"])
BROKEN_TEXT = st.sampled_from(["\ud800", "a\udfffb", "\x00", "nul\x00inside", "\x1b[31m", "   ", "\t\n",
                               "\u202e", "\uffff", "%00", "%2e%2e", "..", ".", "a/../b", "a/b", "?x=1", "#frag"])
NUMBERS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e309", "-0", "99999999999999999999999"])
HOSTILE = st.one_of(ZONES, INSTANTS, BROKEN_TEXT, NUMBERS,
                    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Zs", "Mn"]), max_size=20))


class Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.server_errors: list[str] = []

    def call(self, case: Any, headers: dict[str, str], label: str) -> Any:
        """The response, or None when the client cannot even send it (a lone surrogate or a control
        character in a URL: no HTTP request can carry those; the body and percent-encoded bytes can)."""
        try:
            response = case.call(headers=headers, timeout=30)
        except (UnicodeError, ValueError, InvalidURL):
            self.counts["unsendable"] += 1
            return None
        self.counts["requests"] += 1
        if response.status_code >= 500:
            self.counts["5xx"] += 1
            self.server_errors.append(f"{label} {case.path_parameters} {case.query!r}: "
                                      f"{response.status_code} {response.text[:200]}")
        return response

    def report(self, name: str) -> str:
        return (f"{name}: {self.counts['requests']} requests, {self.counts['5xx']} 5xx "
                f"({self.counts['unsendable']} generated requests no HTTP client could send)")


def _spoil(case: Any, data: st.DataObject) -> None:
    """Hostile strings into every path parameter, query parameter and top-level body string."""
    for name in list(case.path_parameters or {}):
        case.path_parameters[name] = data.draw(HOSTILE)
    if isinstance(case.query, dict):
        for name in list(case.query):
            case.query[name] = data.draw(HOSTILE)
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if isinstance(value, str) or data.draw(st.booleans()):
                case.body[name] = data.draw(HOSTILE)
    if isinstance(case.body, list) and case.body and isinstance(case.body[0], dict):
        for name in list(case.body[0]):
            case.body[0][name] = data.draw(HOSTILE)


def fuzz(schema: Any, headers: dict[str, str], tally: Tally, *, checks: tuple = (not_a_server_error,)) -> list[str]:
    """Every operation: schemathesis's own examples (``checks``) and hostile variants (no 5xx).
    Returns the failures, one line each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def generated(case: Any) -> None:
            response = tally.call(case, headers, case.operation.label)
            if response is not None:
                case.validate_response(response, checks=checks)

        @given(case=operation.as_strategy(), data=st.data())
        @settings(max_examples=HOSTILE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def hostile(case: Any, data: st.DataObject) -> None:
            _spoil(case, data)
            response = tally.call(case, headers, case.operation.label)
            assert response is None or response.status_code < 500, f"{response.status_code} {response.text[:300]}"

        for run in (generated, hostile):
            started, before = time.monotonic(), tally.counts["requests"]
            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation runs
                failures.append(f"{operation.label} ({run.__name__}): {str(exc)[:1500]}")
            if PROGRESS:
                print(f"{operation.label} {run.__name__}: {tally.counts['requests'] - before} requests, "
                      f"{time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return failures
