"""Statements kept per shape of grant (resolvers.sources.in_process.shapes): built from the
caller's authority alone, never its identity, and bound to each read's own time and ids, so a
release that ends between two reads is out of the second, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.policy.release import record_grant
from resolvers.sources.in_process import cases, consents, entities, shapes
from resolvers.sources.in_process.source import InProcessSource
from store.agreement import Agreement
from store.models.domain import Administration, RecordType
from tests.sources.conftest import NOW, SeededStores
from tests.sources.support import Caller, read

US, UZ = Administration.US, Administration.UZ


def _kept(grant_owner: Administration, caller: Caller, record_type: RecordType) -> list[object]:
    shape = shapes.shape_of(record_grant(grant_owner, caller.principal, record_type))
    return [
        cases._unfiltered_page(shape, False),
        cases._parties(shape),
        consents._granted(shape, record_type),
        entities._by_id(shape),
    ]


def test_callers_of_one_authority_share_statements_that_hold_nobodys_identity(
    callers: dict[tuple[Administration, str], Caller],
) -> None:
    dashboard = callers[(UZ, "dashboard")]
    # The same authority, another person: the same kept statements.
    other = Caller(
        replace(dashboard.principal, subject="someone-else", client_id="x", token_id="jti-x"),
        dashboard.token,
    )
    for owner in Administration:
        kept = _kept(owner, dashboard, RecordType.CASE)
        assert all(a is b for a, b in zip(kept, _kept(owner, other, RecordType.CASE), strict=True))
        identities = (dashboard.principal.subject, dashboard.principal.client_id)
        for statement in kept:
            # The values a statement carries with it: the owner's constants, never a caller's.
            carried = statement.compile().params.values()
            assert not [value for value in carried if value in identities]
    # Another authority (no personal data; the other administration): other statements.
    analyst = callers[(UZ, "analyst")]
    us_dashboard = callers[(US, "dashboard")]
    for owner in Administration:
        mine = _kept(owner, dashboard, RecordType.ENTITY)[3]
        assert mine is not _kept(owner, analyst, RecordType.ENTITY)[3]
        assert mine is not _kept(owner, us_dashboard, RecordType.ENTITY)[3]


async def test_a_kept_statement_is_refused_without_the_reads_own_time(
    stores: SeededStores, callers: dict[tuple[Administration, str], Caller]
) -> None:
    grant = record_grant(US, callers[(UZ, "dashboard")].principal, RecordType.ENTITY)
    statement = entities._by_id(shapes.shape_of(grant))
    async with stores.engines[US].connect() as connection:
        with pytest.raises(StatementError, match="read_now"):
            await connection.execute(statement, {shapes.IDS.key: [1, 2, 3]})


async def _latest_single_release(
    engine: AsyncEngine, recipient: Administration
) -> tuple[int, datetime]:
    """An entity that one active release alone hands to the recipient, and that release's end."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT ri.record_id, MAX(r.expires_at), COUNT(*) FROM release_items ri "
                "JOIN releases r ON r.id = ri.release_id WHERE ri.record_type = 'ENTITY' "
                "AND r.recipient = :recipient AND r.revoked_at IS NULL AND r.expires_at > :now "
                "GROUP BY ri.record_id HAVING COUNT(*) = 1 ORDER BY ri.record_id"
            ),
            {"recipient": recipient.value, "now": NOW},
        )
        entity_id, expires_at, _count = rows.first()
    if isinstance(expires_at, str):  # SQLite hands a text column's text
        expires_at = datetime.fromisoformat(expires_at)
    return int(entity_id), expires_at.replace(tzinfo=expires_at.tzinfo or UTC)


async def test_a_release_that_ends_between_two_reads_is_out_of_the_second(
    stores: SeededStores,
    agreement: Agreement,
    callers: dict[tuple[Administration, str], Caller],
) -> None:
    engine = stores.engines[US]
    entity_id, expires_at = await _latest_single_release(engine, UZ)
    moments = [expires_at - timedelta(seconds=1)]
    source = InProcessSource(US, engine, lambda: moments[-1], agreement)
    caller = callers[(UZ, "dashboard")]

    before = await read(caller, lambda p: source.entities_by_id(p, [entity_id]))
    moments.append(expires_at + timedelta(seconds=1))
    after = await read(caller, lambda p: source.entities_by_id(p, [entity_id]))

    assert list(before) == [entity_id]
    assert after == {}
