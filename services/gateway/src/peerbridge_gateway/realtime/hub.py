"""One Redis pub/sub subscription per gateway process, waking the connections of an organization
when its stream grows. The wake-up carries no event: each connection reads the stream after the
last id it sent, so a lost or late notification delays an event but never drops or reorders it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

from .streams import Keys

log = logging.getLogger(__name__)


class Hub:
    def __init__(self, redis: AsyncRedis, keys: Keys) -> None:
        self.redis, self.keys = redis, keys
        self._listeners: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None

    def listen(self, organization: str) -> asyncio.Event:
        wake = asyncio.Event()
        self._listeners[organization].add(wake)
        return wake

    def forget(self, organization: str, wake: asyncio.Event) -> None:
        self._listeners[organization].discard(wake)
        if not self._listeners[organization]:
            del self._listeners[organization]

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="events-hub")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(self.keys.channel_pattern)
                    self._wake_all()  # whatever was published while not subscribed is in the streams
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            channel = message["channel"]
                            channel = channel.decode() if isinstance(channel, bytes) else channel
                            self._wake(self.keys.organization_of(channel))
            except RedisError as exc:
                log.warning("events hub lost Redis; resubscribing", extra={"error": type(exc).__name__})
                await asyncio.sleep(1.0)

    def _wake(self, organization: str) -> None:
        for wake in self._listeners.get(organization, ()):
            wake.set()

    def _wake_all(self) -> None:
        for organization in list(self._listeners):
            self._wake(organization)
