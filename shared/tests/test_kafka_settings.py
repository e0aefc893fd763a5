"""Kafka client security settings reach kafka-python clients and Faust workers alike."""

from __future__ import annotations

import certifi
from faust.auth import SASLCredentials, SSLCredentials
from faust.types.auth import AuthProtocol, SASLMechanism

from peerbridge_shared.settings import KafkaSettings


def test_plaintext_needs_no_credentials():
    assert KafkaSettings().faust_credentials() is None


def test_tls_with_a_private_ca():
    settings = KafkaSettings(security_protocol="SSL", ssl_cafile=certifi.where())
    credentials = settings.faust_credentials()
    assert isinstance(credentials, SSLCredentials)
    assert credentials.protocol == AuthProtocol.SSL
    assert settings.client_config()["ssl_cafile"] == certifi.where()


def test_sasl_scram_over_tls():
    settings = KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                             sasl_username="peerbridge", sasl_password="s3cret")
    credentials = settings.faust_credentials()
    assert isinstance(credentials, SASLCredentials)
    assert credentials.protocol == AuthProtocol.SASL_SSL
    assert credentials.mechanism == SASLMechanism.SCRAM_SHA_512
    assert (credentials.username, credentials.password) == ("peerbridge", "s3cret")
    config = settings.client_config()
    assert (config["sasl_mechanism"], config["sasl_plain_username"], config["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "peerbridge", "s3cret")
