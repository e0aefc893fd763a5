"""Redis clients for every gateway process, made one way: a connection broken by a Redis restart is
replaced and the command retried (twice, quickly) instead of failing the first request after it."""

from __future__ import annotations

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

RETRIED = [RedisConnectionError, RedisTimeoutError]


def redis_client(url: str, *, timeout_s: float) -> Redis:
    return Redis.from_url(url, socket_timeout=timeout_s, retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
                          retry_on_error=RETRIED)


def async_redis_client(url: str, *, timeout_s: float) -> AsyncRedis:
    return AsyncRedis.from_url(url, socket_timeout=timeout_s,
                               retry=AsyncRetry(ExponentialBackoff(cap=0.5, base=0.05), 2), retry_on_error=RETRIED)
