# Fixtures for tests against the real local stack live with the shared library.
pytest_plugins = ["peerbridge_shared.testing.fixtures", "peerbridge_shared.testing.fhir_validator"]
