"""The gauges of what the metrics processes hold in memory (the soak compares their growth with these)."""

import json
from datetime import date
from types import SimpleNamespace

from prometheus_client import REGISTRY

from peerbridge_metrics.history import PublishedHistory
from peerbridge_metrics.report import Report
from peerbridge_metrics.tables import PARTICIPANTS
from peerbridge_metrics.view import FactsView
from peerbridge_shared.settings import KafkaSettings


def record(key: str, value: bytes | None) -> SimpleNamespace:
    return SimpleNamespace(key=json.dumps(key).encode(), value=value)


def test_the_view_counts_each_key_once_with_its_latest_record():
    view = FactsView(KafkaSettings(bootstrap_servers="127.0.0.1:1"), "held")
    view._apply(PARTICIPANTS, [record("a", b"12345"), record("b", b"123")])
    view._apply(PARTICIPANTS, [record("a", b"1234567890")])  # replaced: the old record no longer counts
    assert (view.held_keys, view.held_bytes) == (2, 13)
    view._apply(PARTICIPANTS, [record("b", None), record("never-held", None)])  # deleted, and a delete of nothing
    assert (view.held_keys, view.held_bytes) == (1, 10)
    assert REGISTRY.get_sample_value("peerbridge_metrics_view_keys") == 1
    assert REGISTRY.get_sample_value("peerbridge_metrics_view_bytes") == 10


def report(period: str, version: int) -> Report:
    return Report("prog", period, date(2026, 1, 1), date(2026, 1, 31), version=version)


def test_the_history_counts_a_version_read_back_after_it_was_written_once():
    history = PublishedHistory(KafkaSettings(bootstrap_servers="127.0.0.1:1"), "held")
    for period, version in (("2026-01", 1), ("2026-01", 2), ("2026-02", 1), ("2026-01", 2)):
        history.add("org", report(period, version))
    assert history.held_versions == 3
    assert REGISTRY.get_sample_value("peerbridge_metrics_published_versions") == 3
