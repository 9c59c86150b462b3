"""One operation's partner reads, appended to each owner's audit chain before the answer leaves.

A read of partner records is recorded in its owner's chain (DESIGN.md §5, rule 7). Appending
an entry inside each read's own transaction costs every read a write transaction, and on
SQLite the store's write lock before it may read. Within one GraphQL operation the reads are
instead collected here, one entry per read as before, and each owner's entries are appended
in one transaction when the operation's data is complete (resolvers.execution): a few
statements per store per operation, however many reads it made. The answer leaves only after
every append has committed; if one fails, the answer is withheld.

Nothing here is a cache: a ledger lives for one operation, and what the release policy
decides is decided in each read's own SQL.
"""

import asyncio
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from store.audit import AuditEntry
from store.models.domain import Administration

log = logging.getLogger(__name__)


class AuditedStore(Protocol):
    """A store whose audit chain takes an operation's entries in one transaction."""

    administration: Administration

    async def append_read_entries(self, entries: Sequence[AuditEntry]) -> None: ...


class AuditUnrecorded(Exception):
    """An owner's audit chain did not take an operation's reads: the answer must not leave."""

    def __init__(self, administrations: Sequence[Administration]) -> None:
        super().__init__(", ".join(a.value for a in administrations))
        self.administrations = tuple(administrations)


class ReadLedger:
    """The audit entries of one operation's reads, by the store that must record them."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[AuditedStore, list[AuditEntry]]] = {}

    def record(self, store: AuditedStore, entry: AuditEntry) -> None:
        held = self._entries.get(id(store))
        if held is None:
            self._entries[id(store)] = (store, [entry])
        else:
            held[1].append(entry)

    @property
    def pending(self) -> bool:
        return bool(self._entries)

    async def append_all(self) -> None:
        """Append each store's entries, the stores at once; raise AuditUnrecorded naming every
        store whose append failed. Entries appended are taken off the ledger."""
        held = list(self._entries.values())
        self._entries.clear()
        outcomes = await asyncio.gather(
            *(store.append_read_entries(entries) for store, entries in held),
            return_exceptions=True,
        )
        failed = []
        for (store, entries), outcome in zip(held, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                # The caller is told only that the data is unavailable; the operator sees why.
                log.error(
                    "the %s audit chain did not take %d read entries; the answer is withheld",
                    store.administration.value,
                    len(entries),
                    exc_info=outcome,
                )
                failed.append(store.administration)
        if failed:
            raise AuditUnrecorded(sorted(failed))


# The ledger of the operation being executed in this task (and the tasks it starts); None
# outside an operation, where a read appends its own entry in its own transaction.
CURRENT_LEDGER: ContextVar[ReadLedger | None] = ContextVar("read_ledger", default=None)


@contextmanager
def operation_ledger() -> Iterator[ReadLedger]:
    """A ledger for the reads of the code run inside the block (tests; resolvers.execution
    sets its own around an operation's execution)."""
    ledger = ReadLedger()
    token = CURRENT_LEDGER.set(ledger)
    try:
        yield ledger
    finally:
        CURRENT_LEDGER.reset(token)
