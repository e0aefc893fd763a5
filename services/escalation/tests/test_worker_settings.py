"""The worker's local state goes where the settings say: a writable volume under a read-only root."""

from __future__ import annotations

from pathlib import Path

from peerbridge_escalation.settings import EscalationSettings
from peerbridge_escalation.worker import create_app


def test_the_faust_data_dir_comes_from_settings(tmp_path, kafka_settings):
    app = create_app(EscalationSettings(faust_data_dir=str(tmp_path / "state"), kafka=kafka_settings))
    assert app.conf.datadir == tmp_path / "state"


def test_without_it_faust_keeps_its_default(kafka_settings, monkeypatch):
    monkeypatch.delenv("ESCALATION_FAUST_DATA_DIR", raising=False)
    app = create_app(EscalationSettings(kafka=kafka_settings))
    assert app.conf.datadir == Path("peerbridge-escalation-data")
    assert app.conf.broker_credentials is None  # PLAINTEXT locally
