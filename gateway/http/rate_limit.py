"""Per-client rate limits: each client may spend `rate_per_minute` requests a minute, in bursts
of at most `burst` (a sixth of the minute's rate unless given).

In one process a token bucket in memory does it. Several workers or replicas share one
limit only through a shared store: `SharedRateLimiter` keeps it in Redis (the `limits`
library's moving window of `burst` requests per `burst / rate` seconds, the same rate and
the same burst as the bucket), so N workers give a client one limit, not N.
"""

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("cmaa.gateway")
REDIS_TIMEOUT_SECONDS = 1.0


class RateLimit(Protocol):
    async def acquire(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        ...


def default_burst(rate_per_minute: int) -> int:
    return max(1, rate_per_minute // 6)


def retry_after(wait: float) -> str:
    """The Retry-After header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """The in-memory token bucket of one process."""

    def __init__(
        self,
        rate_per_minute: int,
        burst: int | None = None,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst if burst is not None else default_burst(rate_per_minute))
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        now = self._clock()
        bucket = self._buckets.pop(client, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[client] = bucket
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    async def acquire(self, client: str) -> float:
        return self.take(client)


class SharedRateLimiter:
    """One limit per client across every process that names the same Redis and prefix.

    If Redis cannot be reached the process falls back to its own bucket: every client is
    still limited (per process), and an outage of the shared store is not one of the service.
    """

    def __init__(
        self,
        redis_url: str,
        key_prefix: str,
        namespace: str,
        rate_per_minute: int,
        burst: int | None = None,
    ) -> None:
        # Imported here: only a process configured with Redis pays for the client library.
        from limits import RateLimitItemPerSecond
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        capacity = burst if burst is not None else default_burst(rate_per_minute)
        window_seconds = max(1, math.ceil(capacity * 60 / rate_per_minute))
        self._item = RateLimitItemPerSecond(capacity, window_seconds, namespace=namespace)
        self._storage = RedisStorage(
            "async+" + redis_url,
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            # A Redis that hangs must cost a request at most this long; then the fallback.
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._fallback = RateLimiter(rate_per_minute, capacity)

    async def acquire(self, client: str) -> float:
        from limits.errors import StorageError

        try:
            if await self._limiter.hit(self._item, client):
                return 0.0
            stats = await self._limiter.get_window_stats(self._item, client)
        except StorageError:
            log.warning("shared rate limits unreachable; limiting per process")
            return self._fallback.take(client)
        return max(1.0, stats.reset_time - time.time())
