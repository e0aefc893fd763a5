"""Kafka producer and consumer helpers (kafka-python)."""

from .consumer import ConsumerConfig, EventConsumer, count_dead_letter, dead_letter_headers
from .producer import create_producer, publish, send

__all__ = ["ConsumerConfig", "EventConsumer", "count_dead_letter", "create_producer", "dead_letter_headers", "publish",
           "send"]
