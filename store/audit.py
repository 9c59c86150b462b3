"""The audit chain's primitives: each entry's hash commits to the entry and to all before it.

An entry is appended in the caller's transaction, so the access or change it records and its
audit entry are committed together or not at all.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import AuditEvent, AuditHead
from store.models._base import as_utc

GENESIS_HASH = "0" * 64


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


async def append_audit(session: AsyncSession, entry: AuditEntry) -> AuditEvent:
    """Append one entry in the session's transaction (the caller commits)."""
    # Touching the head row first takes the write lock before the previous hash is read.
    await session.exec(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = (
        await session.exec(select(AuditHead.seq, AuditHead.entry_hash).where(AuditHead.id == 1))
    ).one()
    seq, prev_hash = int(head[0]), str(head[1])
    digest = entry_hash(seq, prev_hash, entry)
    event = AuditEvent(
        seq=seq,
        at=entry.at,
        actor_administration=entry.actor_administration,
        subject=entry.subject,
        client_id=entry.client_id,
        scopes=list(entry.scopes),
        operation=entry.operation,
        record_ids=list(entry.record_ids),
        release_ids=list(entry.release_ids),
        decision=entry.decision,
        rule=entry.rule,
        detail=entry.detail,
        prev_hash=prev_hash,
        entry_hash=digest,
    )
    session.add(event)
    await session.exec(update(AuditHead).where(AuditHead.id == 1).values(entry_hash=digest))
    return event
