"""Bulk insertion: rows as plain dicts, written with Core executemany in batches.

Rows wait in per-table buffers and are flushed parents first, so foreign keys hold at every
statement (SQLite checks them immediately). A full set of buffers is written by a background
task while the next rows are generated, so the database works while Python builds rows.
Everything runs in the caller's one transaction: a seed either lands whole or not at all.
"""

import asyncio
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from store.models import (
    AssistanceRequest,
    Case,
    CaseOffence,
    CaseParty,
    Consent,
    ConsentItem,
    CustodyEvent,
    Decision,
    Entity,
    EntityIdentifier,
    EntityLink,
    Evidence,
    EvidenceContent,
    Release,
    ReleaseItem,
)
from store.models._base import table_of

Row = dict[str, Any]

# Parents before children.
SEEDED_TABLES: tuple[Table, ...] = tuple(
    table_of(model)
    for model in (Case, CaseOffence, Entity, EntityIdentifier, CaseParty, EntityLink,
                  AssistanceRequest, Decision, Evidence, EvidenceContent, CustodyEvent, Release,
                  ReleaseItem, Consent, ConsentItem)
)
BATCH_ROWS = 5000


class BulkWriter:
    def __init__(self, connection: AsyncConnection, batch_rows: int = BATCH_ROWS) -> None:
        self._connection = connection
        self._batch_rows = batch_rows
        self._pending: dict[str, list[Row]] = {table.name: [] for table in SEEDED_TABLES}
        self._buffered = 0
        self._writing: asyncio.Task[None] | None = None
        self.counts: dict[str, int] = {table.name: 0 for table in SEEDED_TABLES}

    def add(self, table: str, row: Row) -> None:
        self._pending[table].append(row)
        self._buffered += 1

    async def flush_when_full(self) -> None:
        """Start writing once enough rows wait; otherwise let a running write progress."""
        if self._buffered >= self._batch_rows * 4:
            await self._start_writing()
        elif self._writing is not None:
            await asyncio.sleep(0)

    async def flush(self) -> None:
        """Write everything buffered and wait until it is written."""
        await self._start_writing()
        await self._wait()

    async def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def _start_writing(self) -> None:
        await self._wait()  # one statement at a time on the connection, in order
        pending = self._pending
        self._pending = {table.name: [] for table in SEEDED_TABLES}
        self._buffered = 0
        self._writing = asyncio.create_task(self._write(pending))

    async def _write(self, pending: dict[str, list[Row]]) -> None:
        size = self._batch_rows
        for table in SEEDED_TABLES:
            rows = pending[table.name]
            for start in range(0, len(rows), size):
                await self._connection.execute(insert(table), rows[start : start + size])
            self.counts[table.name] += len(rows)

    async def close(self) -> None:
        """Stop a write still running (after a failure elsewhere), without raising its error."""
        if self._writing is not None:
            self._writing.cancel()
            await asyncio.gather(self._writing, return_exceptions=True)
            self._writing = None

    async def advance_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the explicit ids, for rows added later."""
        if self._connection.dialect.name != "postgresql":
            return  # SQLite's INTEGER PRIMARY KEY takes max(id) + 1 by itself
        for table in SEEDED_TABLES:
            if len(table.primary_key.columns) != 1:
                continue
            column = next(iter(table.primary_key.columns))
            highest = (await self._connection.execute(select(func.max(column)))).scalar()
            if highest is None:
                continue
            sequence = (await self._connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )).scalar()
            if sequence is not None:
                await self._connection.execute(
                    text("SELECT setval(CAST(:sequence AS regclass), :value)"),
                    {"sequence": sequence, "value": highest},
                )
