"""Test support against the real local stack (Kafka, PostgreSQL, Redis): a pytest plugin
(``fixtures``) and a reader that returns only records written after a mark."""
