"""The audit chain's primitives: each entry's hash commits to the entry and to all before it.

An entry is appended in the caller's transaction, so the access or change it records and its
audit entry are committed together or not at all.

Why a hash chain, and a Merkle tree over it. An append is one hash and one row lock (the
head), inside the access's own transaction, with no interior nodes to maintain: entry n's
hash covers (n, entry n-1's hash, entry n's content), so a change, removal, insertion or
reordering anywhere before n changes the hash at n. Checkpoints, made off the hot path (by
the checkpointer every N entries or T seconds, or by `cmaa audit checkpoint`), sign the size,
the hash at that size and the RFC 9162 root of a tree over the entry hashes up to it
(store/audit_tree.py): the root authenticates a kept copy of those hashes, against which
`verify` names the first entry rewritten, even when every later hash was recomputed.

The database refuses UPDATE and DELETE on the log (migration 0003); `audit_head`, the tip,
is the one row that changes, and `check_chain` compares it with the log.
"""

import hashlib
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.expression import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import AuditEvent, AuditHead
from store.models._base import as_utc
from store.models.domain import Administration

Rows = CursorResult[*tuple[Any, ...]]
GENESIS_HASH = "0" * 64
# Entries read per query while checking a chain: a few MB at most, whatever the log's size.
CHECK_BATCH = 5000

# The tables themselves (sqlmodel's classes type their attributes as Python values).
_events = AuditEvent.metadata.tables["audit_events"]
_head = AuditHead.metadata.tables["audit_head"]
# Built once: an append of any number of entries runs these three statements and nothing else.
_ADVANCE_HEAD_BY = (
    update(_head)
    .where(_head.c.id == 1)
    .values(seq=_head.c.seq + bindparam("count"))
    .returning(_head.c.seq, _head.c.entry_hash)
)
_INSERT_EVENT = insert(_events)
_SET_HEAD_HASH = update(_head).where(_head.c.id == 1).values(entry_hash=bindparam("digest"))
_TOUCH_HEAD = update(_head).where(_head.c.id == 1).values(seq=_head.c.seq)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor_administration: str
    subject: str
    client_id: str
    scopes: tuple[str, ...]
    operation: str
    decision: str
    rule: str
    record_ids: tuple[str, ...] = ()
    release_ids: tuple[int, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


async def _rows(session: AsyncSession, statement: Executable) -> Rows:
    """A select run as SQLAlchemy Core on the session's connection (and its transaction)."""
    return await (await session.connection()).execute(statement)


def entry_hash(seq: int, prev_hash: str, entry: AuditEntry) -> str:
    at = as_utc(entry.at)
    assert at is not None
    canonical = orjson.dumps(
        {
            "seq": seq,
            "prev": prev_hash,
            "at": at.isoformat(timespec="microseconds"),
            "actor_administration": entry.actor_administration,
            "subject": entry.subject,
            "client_id": entry.client_id,
            "scopes": list(entry.scopes),
            "operation": entry.operation,
            "record_ids": list(entry.record_ids),
            "release_ids": list(entry.release_ids),
            "decision": entry.decision,
            "rule": entry.rule,
            "detail": entry.detail,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


# Who counts the appends to each store (a service's metrics), by the store's engine: a process
# may serve several stores, each counted under its own administration.
_append_observers: "weakref.WeakKeyDictionary[Any, Callable[[], None]]" = (
    weakref.WeakKeyDictionary()
)


def observe_appends(engine: Any, observer: Callable[[], None]) -> None:
    """Call `observer` on every append made through `engine` (an AsyncEngine)."""
    _append_observers[engine.sync_engine] = observer


async def append_audit(session: AsyncSession, entry: AuditEntry) -> AuditEvent:
    """Append one entry in the session's transaction (the caller commits)."""
    return (await append_audit_entries(session, (entry,)))[0]


async def append_audit_entries(
    session: AsyncSession, entries: Sequence[AuditEntry]
) -> list[AuditEvent]:
    """Append entries, in order, in the session's transaction (the caller commits): three
    statements however many entries: move the head past them, insert them, set its hash."""
    if not entries:
        return []
    # Moving the head first takes the write lock before the previous hash is read.
    head = (await session.exec(_ADVANCE_HEAD_BY, params={"count": len(entries)})).one()
    last_seq, prev_hash = int(head[0]), str(head[1])
    rows: list[dict[str, Any]] = []
    for seq, entry in enumerate(entries, start=last_seq - len(entries) + 1):
        digest = entry_hash(seq, prev_hash, entry)
        rows.append(
            {
                "seq": seq,
                "at": entry.at,
                "actor_administration": entry.actor_administration,
                "subject": entry.subject,
                "client_id": entry.client_id,
                "scopes": list(entry.scopes),
                "operation": entry.operation,
                "record_ids": list(entry.record_ids),
                "release_ids": list(entry.release_ids),
                "decision": entry.decision,
                "rule": entry.rule,
                "detail": entry.detail,
                "prev_hash": prev_hash,
                "entry_hash": digest,
            }
        )
        prev_hash = digest
    await session.exec(_INSERT_EVENT, params=rows)
    await session.exec(_SET_HEAD_HASH, params={"digest": prev_hash})
    observer = _append_observers.get(session.sync_session.bind)
    if observer is not None:
        for _ in rows:
            observer()
    return [AuditEvent(**values) for values in rows]


async def lock_the_log(session: AsyncSession) -> None:
    """Take the log's write lock (the head row, which every append takes first) before a
    transaction that reads and then writes audit tables: SQLite cannot turn a read
    transaction into a write once another writer has committed ("database is locked")."""
    await session.exec(_TOUCH_HEAD)


# -- reading the log ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """One entry as the log holds it, with the administration whose log it is."""

    owner: Administration
    seq: int
    at: datetime
    actor_administration: str
    subject: str
    client_id: str
    scopes: tuple[str, ...]
    operation: str
    record_ids: tuple[str, ...]
    release_ids: tuple[int, ...]
    decision: str
    rule: str
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str

    @property
    def id(self) -> int:
        """The entry's position, which is also what lists page by."""
        return self.seq


def entry_content(row: Any) -> AuditEntry:
    """What an entry's hash covers besides its position and the previous hash."""
    return AuditEntry(
        at=row.at,
        actor_administration=row.actor_administration,
        subject=row.subject,
        client_id=row.client_id,
        scopes=tuple(row.scopes),
        operation=row.operation,
        decision=row.decision,
        rule=row.rule,
        record_ids=tuple(row.record_ids),
        release_ids=tuple(row.release_ids),
        detail=row.detail,
    )


def _logged(owner: Administration, row: Any) -> LoggedEntry:
    at = as_utc(row.at)
    assert at is not None
    return LoggedEntry(
        owner=owner,
        seq=int(row.seq),
        at=at,
        actor_administration=row.actor_administration,
        subject=row.subject,
        client_id=row.client_id,
        scopes=tuple(row.scopes),
        operation=row.operation,
        record_ids=tuple(row.record_ids),
        release_ids=tuple(row.release_ids),
        decision=row.decision,
        rule=row.rule,
        detail=dict(row.detail),
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


@dataclass(frozen=True, slots=True)
class AuditTrailFilter:
    """What an administration may look for in its own log; times are UTC, `at_to` exclusive.
    `record_id` is a record as the log names it: its type and local id (`CASE:12`)."""

    actor_administration: str | None = None
    operation: str | None = None
    decision: str | None = None
    record_id: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None


def _names_record(session: AsyncSession, record_id: str) -> ColumnElement[bool]:
    # record_ids is a JSON array: look inside it, each database its own way.
    dialect = session.get_bind().dialect.name
    function = func.json_each if dialect == "sqlite" else func.json_array_elements_text
    elements = function(_events.c.record_ids).table_valued("value")
    return exists(select(literal(1)).select_from(elements).where(elements.c.value == record_id))


def _trail_conditions(session: AsyncSession, wanted: AuditTrailFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if wanted.actor_administration is not None:
        found.append(_events.c.actor_administration == wanted.actor_administration)
    if wanted.operation is not None:
        found.append(_events.c.operation == wanted.operation)
    if wanted.decision is not None:
        found.append(_events.c.decision == wanted.decision)
    if wanted.at_from is not None:
        found.append(_events.c.at >= wanted.at_from)
    if wanted.at_to is not None:
        found.append(_events.c.at < wanted.at_to)
    if wanted.record_id is not None:
        found.append(_names_record(session, wanted.record_id))
    return found


async def read_trail(
    session: AsyncSession,
    owner: Administration,
    wanted: AuditTrailFilter,
    limit: int,
    before_seq: int | None = None,
) -> tuple[list[LoggedEntry], bool, int]:
    """A page of the log, newest first: (entries, whether more follow, how many match)."""
    conditions = _trail_conditions(session, wanted)
    total = (
        await _rows(
            session, select(func.count()).select_from(_events).where(and_(true(), *conditions))
        )
    ).one()[0]
    page = [*conditions]
    if before_seq is not None:
        page.append(_events.c.seq < before_seq)
    rows = (
        await _rows(
            session,
            select(_events)
            .where(and_(true(), *page))
            .order_by(_events.c.seq.desc())
            .limit(limit + 1),
        )
    ).all()
    entries = [_logged(owner, row) for row in rows[:limit]]
    return entries, len(rows) > limit, int(total)


async def read_head(session: AsyncSession) -> tuple[int, str]:
    """The chain's tip as the head row records it: (size, hash of the last entry)."""
    row = (
        await _rows(session, select(_head.c.seq, _head.c.entry_hash).where(_head.c.id == 1))
    ).one()
    return int(row[0]), str(row[1])


# -- checking the log --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with a log: the first entry that is not as it was written, and why."""

    seq: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}"


@dataclass
class ChainCheck:
    """The outcome of recomputing a chain up to `size` (the head, or a checkpoint's size)."""

    size: int
    head_hash: str
    problem: Problem | None = None
    # The recorded hash at each position asked for (checkpoint sizes), where the log has one.
    hashes: dict[int, str] = field(default_factory=dict)

    def hash_at(self, seq: int) -> str | None:
        return GENESIS_HASH if seq == 0 else self.hashes.get(seq)


async def check_chain(
    session: AsyncSession,
    positions: Iterable[int] = (),
    up_to: int | None = None,
    batch: int = CHECK_BATCH,
) -> ChainCheck:
    """Recompute every entry's hash from seq 1 up to the head (or `up_to`), and compare the
    head row with the log; stop at the first entry that is wrong.

    The head is read first and only entries up to it are checked, so appends committed while
    this runs are left for the next check.
    """
    head_seq, head_hash = await read_head(session)
    size = head_seq if up_to is None else up_to
    wanted = set(positions)
    check = ChainCheck(size=size, head_hash=GENESIS_HASH)
    expected, prev = 1, GENESIS_HASH
    async for row in _entries(session, 1, size, batch):
        problem = _problem(row, expected, prev)
        if problem is not None:
            check.problem = problem
            return check
        prev = row.entry_hash
        if row.seq in wanted:
            check.hashes[row.seq] = prev
        expected += 1
    check.head_hash = prev
    last = expected - 1
    if last < size:
        missing = "the tail was removed" if up_to is None else "they were removed"
        check.problem = Problem(
            last + 1,
            f"entries {last + 1} to {size} are missing ({missing}); the log ends at {last}",
        )
    elif up_to is None and head_hash != prev:
        check.problem = Problem(
            last, f"the head row records hash {head_hash[:16]}… but entry {last} is {prev[:16]}…"
        )
    elif up_to is None:
        beyond = (await _rows(session, select(func.max(_events.c.seq)))).one()[0]
        # The largest seq is read before the head: an append committed in between moves both,
        # so only an entry written without moving the head can lie beyond it.
        if beyond is not None and beyond > (await read_head(session))[0]:
            check.problem = Problem(
                size + 1, "an entry lies beyond the head: it was written outside the chain"
            )
    return check


async def check_extension(
    session: AsyncSession, after: int, after_hash: str, up_to: int, batch: int = CHECK_BATCH
) -> tuple[list[str], Problem | None]:
    """Check entries after+1 … up_to against the chain, from a position whose hash is known
    (a checkpoint's): their hashes in order, or the first problem. Reads only those entries."""
    hashes: list[str] = []
    expected, prev = after + 1, after_hash
    async for row in _entries(session, expected, up_to, batch):
        problem = _problem(row, expected, prev)
        if problem is not None:
            return hashes, problem
        prev = row.entry_hash
        hashes.append(prev)
        expected += 1
    if expected <= up_to:
        return hashes, Problem(expected, f"entries {expected} to {up_to} are missing")
    return hashes, None


async def _entries(session: AsyncSession, first: int, last: int, batch: int) -> AsyncIterator[Any]:
    """Entries first … last in seq order, read `batch` at a time: a few MB in memory at most."""
    start = first
    while start <= last:
        rows = (
            await _rows(
                session,
                select(_events)
                .where(_events.c.seq >= start, _events.c.seq <= last)
                .order_by(_events.c.seq)
                .limit(batch),
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
        start = int(rows[-1].seq) + 1


async def logged_hashes(session: AsyncSession, up_to: int) -> list[str]:
    """The entry hashes the log holds now for seq 1 … up_to, in seq order (as they are)."""
    rows = (
        await _rows(
            session,
            select(_events.c.entry_hash).where(_events.c.seq <= up_to).order_by(_events.c.seq),
        )
    ).all()
    return [str(row[0]) for row in rows]


def _problem(row: Any, expected: int, prev: str) -> Problem | None:
    seq = int(row.seq)
    if seq != expected:
        gap = "is missing" if seq == expected + 1 else f"to {seq - 1} are missing"
        return Problem(expected, f"entry {expected} {gap} (deleted): the next one is {seq}")
    if row.prev_hash != prev:
        return Problem(
            seq,
            f"it does not follow entry {seq - 1}: it names {row.prev_hash[:16]}… as the previous "
            f"hash, entry {seq - 1} is {prev[:16]}… (entries were removed, moved or swapped)",
        )
    recomputed = entry_hash(seq, prev, entry_content(row))
    if recomputed != row.entry_hash:
        return Problem(
            seq,
            f"its content was changed after it was written: it hashes to {recomputed[:16]}…, "
            f"the chain recorded {row.entry_hash[:16]}…",
        )
    return None


# -- checkpoints ---------------------------------------------------------------------------------


def checkpoint_claims(
    log: Administration,
    size: int,
    head_hash: str,
    signed_at: datetime,
    tree_root: str | None = None,
) -> dict[str, Any]:
    """What a checkpoint signs: whose log, how many entries, the hash at the last, the tree
    root over every entry hash (absent from checkpoints made before the tree), and when."""
    moment = as_utc(signed_at)
    assert moment is not None
    claims: dict[str, Any] = {
        "typ": "cmaa-audit-checkpoint",
        "log": log.value,
        "size": size,
        "head": head_hash,
        "at": moment.isoformat(timespec="microseconds"),
    }
    if tree_root is not None:
        claims["root"] = tree_root
    return claims


def cosignature_claims(
    checkpoint: dict[str, Any], checkpoint_signature: str, cosigner: Administration
) -> dict[str, Any]:
    """What a cosignature signs: the checkpoint's claims, the very signature it countersigns,
    and who countersigns."""
    return {
        **checkpoint,
        "typ": "cmaa-audit-cosignature",
        "checkpoint": hashlib.sha256(checkpoint_signature.encode("ascii")).hexdigest(),
        "cosigner": cosigner.value,
    }


def canonical(claims: dict[str, Any]) -> bytes:
    return orjson.dumps(claims, option=orjson.OPT_SORT_KEYS)
