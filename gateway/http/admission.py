"""At most N GraphQL operations at once in one process; the rest wait their turn, first come
first served, before any work of theirs starts.

An operation's calls to the administrations' sources are timed (the agreement's source
timeout). With more operations in one event loop than its share of the CPU can run, every
await of every operation waits behind all the others, and a call that holds a store's write
lock meanwhile (an audited partner read on SQLite takes it before it reads) holds it that much
longer: the calls queued behind it, in this process or another worker, time out, and answers
carry SOURCE_UNAVAILABLE for data that exists. Waiting here costs the same time, but before
any source is asked, outside every timeout and holding no lock.

Only POST /graphql waits: health checks, metrics, the issuers' endpoints and the pages never
queue behind operations. The body has been read (and limited) before: a slow client cannot
hold a turn while it sends.
"""

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class OperationAdmission:
    def __init__(self, app: ASGIApp, limit: int, path: str = "/graphql") -> None:
        if limit < 1:
            raise ValueError("at least one operation must be let in")
        self.app, self.path = app, path
        self.limit = limit
        # asyncio.Semaphore wakes its waiters in the order they came.
        self._turns = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        async with self._turns:
            await self.app(scope, receive, send)
