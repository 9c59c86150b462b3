"""How many calls a source lets at its store at once, and what a call was doing when the
gateway stopped waiting for it.

A store has as many connections as its engine's pool. A source admits as many calls as that
and queues the rest, so a call that times out in the queue never reached the store: the
gateway had more calls in flight than the store has connections. That is an overload, and
is reported as one (resolvers.exchange.administrations); a call that timed out at the store
itself, or a remote source that did not answer, cannot be told from a store that is gone.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Admission:
    """One call to a source, as the gateway times it: whether it is waiting for a free slot
    of the store right now."""

    waiting: bool = False


# Set by whoever times a call (Administrations.call) around it; the source marks it.
ADMISSION: ContextVar[Admission | None] = ContextVar("cmaa_admission", default=None)


def pool_capacity(engine: AsyncEngine) -> int | None:
    """How many connections the engine's pool opens at most (size and overflow); None where
    it has no such bound."""
    pool = engine.pool
    size = getattr(pool, "size", None)
    # QueuePool keeps its overflow bound without a public accessor.
    overflow = getattr(pool, "_max_overflow", None)
    if not callable(size) or not isinstance(overflow, int) or overflow < 0:
        return None
    return int(size()) + overflow


class StoreSlots:
    """At most `capacity` calls at the store at once (unbounded for None)."""

    def __init__(self, capacity: int | None) -> None:
        self.capacity = capacity
        self.taken = 0
        self._slots = None if capacity is None else asyncio.Semaphore(capacity)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            yield
            return
        admission = ADMISSION.get()
        if admission is not None:
            admission.waiting = True
        # Not reset when the wait is cancelled: the one who cancelled it reads it next.
        await self._slots.acquire()
        if admission is not None:
            admission.waiting = False
        self.taken += 1
        try:
            yield
        finally:
            self.taken -= 1
            self._slots.release()
