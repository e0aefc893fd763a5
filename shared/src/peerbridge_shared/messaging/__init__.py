"""Kafka producer and consumer helpers (kafka-python)."""

from .consumer import ConsumerConfig, EventConsumer
from .producer import create_producer, publish, send

__all__ = ["ConsumerConfig", "EventConsumer", "create_producer", "publish", "send"]
