"""The gateway's view of the two administrations' sources: a timeout and a circuit breaker
around every call, so one slow or failing administration never takes the other down."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from resolvers.sources.admission import ADMISSION, Admission
from resolvers.sources.base import AdministrationSource, SourceDown
from store.models.domain import Administration

T = TypeVar("T")


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `cooldown` seconds lets one call
    through to probe, and closes again when it succeeds."""

    threshold: int = 3
    cooldown: float = 10.0
    failures: int = 0
    opened_at: float | None = None
    probing: bool = field(default=False)

    def allow(self, now: float) -> bool:
        if self.opened_at is None:
            return True
        if now - self.opened_at >= self.cooldown and not self.probing:
            self.probing = True
            return True
        return False

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def failed(self, now: float) -> None:
        self.failures += 1
        self.probing = False
        if self.failures >= self.threshold:
            self.opened_at = now

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None


class Administrations:
    def __init__(
        self,
        sources: dict[Administration, AdministrationSource],
        timeout_seconds: float,
        breaker_threshold: int = 3,
        breaker_cooldown: float = 10.0,
    ) -> None:
        self.sources = sources
        self.timeout_seconds = timeout_seconds
        self.breakers = {
            administration: CircuitBreaker(breaker_threshold, breaker_cooldown)
            for administration in sources
        }

    def __iter__(self):
        return iter(sorted(self.sources))

    async def call(
        self,
        administration: Administration,
        work: Callable[[AdministrationSource], Awaitable[T]],
    ) -> T:
        """Run one call on one source, or raise SourceDown within the timeout."""
        breaker = self.breakers[administration]
        if not breaker.allow(time.monotonic()):
            raise SourceDown(administration, "circuit open")
        admission = Admission()
        token = ADMISSION.set(admission)
        try:
            async with asyncio.timeout(self.timeout_seconds):
                result = await work(self.sources[administration])
        except SourceDown:
            breaker.failed(time.monotonic())
            raise
        except TimeoutError:
            if admission.waiting:
                # The store was never asked: too many calls of ours at it, not a store gone.
                # Not a failure of the source, so the breaker is left as it is.
                raise SourceDown(administration, "overloaded", overloaded=True) from None
            breaker.failed(time.monotonic())
            raise SourceDown(administration, "timed out") from None
        finally:
            ADMISSION.reset(token)
        breaker.succeeded()
        return result

    async def aclose(self) -> None:
        for source in self.sources.values():
            await source.aclose()
