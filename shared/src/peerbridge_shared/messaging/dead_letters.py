"""Dead-lettering for consumers that do not use :class:`EventConsumer` (the Faust agents)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from kafka import KafkaProducer

from .consumer import count_dead_letter, dead_letter_headers
from .producer import send

log = logging.getLogger(__name__)


def header_list(headers: Mapping[str, bytes] | Sequence[tuple[str, bytes]] | None) -> list[tuple[str, bytes]]:
    """Faust gives headers as a mapping or a list of pairs; the codec wants pairs."""
    if headers is None:
        return []
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


class DeadLetters:
    """Writes a record that could not be processed to its topic's dead-letter topic and waits for
    the broker's acknowledgement (raises if it cannot: the caller must not move past the record)."""

    def __init__(self, producer: KafkaProducer, group: str, dead_letter_of: Mapping[str, str]) -> None:
        self.producer, self.group, self.dead_letter_of = producer, group, dead_letter_of

    def park(self, *, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
             headers: Sequence[tuple[str, bytes]], reason: str, error: BaseException, attempts: int) -> None:
        extra = dead_letter_headers(headers, topic=topic, partition=partition, offset=offset, group=self.group,
                                    reason=reason, error=error, attempts=attempts)
        send(self.producer, self.dead_letter_of[topic], key, value, extra).get(timeout=30)
        count_dead_letter(self.group, topic, error)
        log.warning("event dead-lettered", extra={"topic": topic, "partition": partition, "offset": offset,
                                                  "reason": reason})
