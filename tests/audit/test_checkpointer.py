"""The checkpointer signs each administration's log on the agreement's cadence (N entries, or
T seconds on an injected clock), the partner countersigns without a person acting, and after
such an automatic checkpoint `cmaa audit verify` finds a rewrite, a truncation and a
reordering, naming the first entry that differs from what the checkpoint commits to."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.checkpoints import AuditSigner
from gateway.audit_exchange import Checkpointer, InProcessPartner
from gateway.demo import build_demo_app
from store.agreement import (
    DEFAULT_AGREEMENT_FILE,
    AgreementError,
    AuditCheckpoints,
    load_agreement,
)
from store.database import create_engine, session_factory
from store.models.audit import AuditCheckpoint, AuditCosignature, AuditTreeLeaf
from store.models.domain import Administration
from tests.audit.conftest import (
    US,
    UZ,
    Stores,
    append_entries,
    cmaa,
    execute,
    guard_off,
    prepare_log_store,
    rewrite_from,
    swap_entries,
)
from tests.sources.support import counting_statements
from tests.support.databases import fresh_database

CADENCE = AuditCheckpoints(every_entries=5, every_seconds=60)


class Clock:
    """A clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Pair:
    """Both administrations' stores, each with its checkpointer, the partner in process."""

    kind: str
    urls: dict[Administration, str]
    engines: dict[Administration, AsyncEngine]
    clock: Clock
    checkpointers: dict[Administration, Checkpointer]

    async def count(self, administration: Administration, table: type, **where: str) -> int:
        statement = select(func.count()).select_from(table)
        for name, value in where.items():
            statement = statement.where(getattr(table, name) == value)
        async with session_factory(self.engines[administration])() as session:
            return int((await session.exec(statement)).one()[0])

    async def checkpoint_sizes(self, administration: Administration) -> list[int]:
        statement = (
            select(AuditCheckpoint.size)
            .where(AuditCheckpoint.log_administration == administration.value)
            .order_by(AuditCheckpoint.size)
        )
        async with session_factory(self.engines[administration])() as session:
            return [int(row[0]) for row in (await session.exec(statement)).all()]


@pytest.fixture
async def pair(database_kind: str, tmp_path: Path) -> AsyncIterator[Pair]:
    async with (
        fresh_database(database_kind, tmp_path) as us_url,
        fresh_database(database_kind, tmp_path) as uz_url,
    ):
        urls = {US: us_url, UZ: uz_url}
        for administration, url in urls.items():
            await prepare_log_store(url, administration, 0)
        engines = {a: create_engine(url) for a, url in urls.items()}
        clock = Clock()
        signers = {a: AuditSigner(a, engine, clock) for a, engine in engines.items()}
        checkpointers = {
            a: Checkpointer(signers[a], CADENCE, InProcessPartner(signers[b]))
            for a, b in ((US, UZ), (UZ, US))
        }
        try:
            yield Pair(database_kind, urls, engines, clock, checkpointers)
        finally:
            for engine in engines.values():
                await engine.dispose()


async def grow(pair: Pair, first: int, last: int) -> None:
    await append_entries(pair.engines[US], range(first, last + 1))


async def test_a_checkpoint_is_made_every_n_entries(pair: Pair) -> None:
    us = pair.checkpointers[US]
    assert await us.tick() is None  # an empty log: nothing to sign
    await grow(pair, 1, 3)
    made = await us.tick()  # the first entries are signed at once
    assert made is not None and made.size == 3
    await grow(pair, 4, 7)
    assert await us.tick() is None  # 4 new entries, and the clock has not moved
    await grow(pair, 8, 8)
    made = await us.tick()
    assert made is not None and made.size == 8
    assert await pair.checkpoint_sizes(US) == [3, 8]
    assert await pair.count(US, AuditTreeLeaf, log_administration="US") == 8


async def test_a_checkpoint_is_made_after_t_seconds_when_the_log_grew(pair: Pair) -> None:
    us = pair.checkpointers[US]
    await grow(pair, 1, 2)
    assert (await us.tick()) is not None
    await grow(pair, 3, 4)
    pair.clock.advance(CADENCE.every_seconds - 1)
    assert await us.tick() is None
    pair.clock.advance(1)
    made = await us.tick()
    assert made is not None and made.size == 4
    pair.clock.advance(10 * CADENCE.every_seconds)
    assert await us.tick() is None  # time alone, with no new entry, signs nothing
    assert await pair.checkpoint_sizes(US) == [2, 4]


async def test_the_partner_countersigns_without_a_person(pair: Pair) -> None:
    await grow(pair, 1, 6)
    await pair.checkpointers[US].tick()
    # UZ's witness of US's log, in UZ's store, with the entry hashes it covers; and the same
    # cosignature handed back to US, next to the checkpoint.
    assert await pair.count(UZ, AuditCosignature, log_administration="US") == 1
    assert await pair.count(UZ, AuditTreeLeaf, log_administration="US") == 6
    assert await pair.count(US, AuditCosignature, cosigner_administration="UZ") == 1
    await grow(pair, 7, 11)
    await pair.checkpointers[US].tick()
    assert await pair.count(UZ, AuditTreeLeaf, log_administration="US") == 11
    assert await pair.count(US, AuditCosignature, cosigner_administration="UZ") == 2
    result = await cmaa(
        "audit", "verify", "--database-url", pair.urls[US], "--partner-database-url", pair.urls[UZ]
    )
    assert result.status == 0, result.err
    assert "US: log verified: 11 entries" in result.out
    assert "2 checkpoint(s) match" in result.out
    assert "2 cosignature(s) by UZ match" in result.out


async def test_the_partner_will_not_countersign_a_rewritten_log(pair: Pair) -> None:
    await grow(pair, 1, 6)
    await pair.checkpointers[US].tick()
    await execute(pair.urls[US], *guard_off(pair.kind))
    await rewrite_from(pair.urls[US], 2)
    await execute(
        pair.urls[US],
        "DELETE FROM audit_cosignatures",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_tree_leaves",
    )
    await grow(pair, 7, 12)
    await pair.checkpointers[US].tick()  # US signs the rewritten log: it lost its records
    assert await pair.checkpoint_sizes(US) == [12]
    assert await pair.count(UZ, AuditCosignature, log_administration="US") == 1
    assert await pair.count(US, AuditCosignature) == 0


@pytest.fixture
async def checkpointed(pair: Pair) -> Pair:
    """US's log: 12 entries under an automatic checkpoint countersigned by UZ, then 3 more."""
    await grow(pair, 1, 12)
    made = await pair.checkpointers[US].tick()
    assert made is not None and made.size == 12
    await grow(pair, 13, 15)
    return pair


async def verify(pair: Pair, *more: str) -> tuple[int, str]:
    result = await cmaa("audit", "verify", "--database-url", pair.urls[US], *more)
    return result.status, result.out + result.err


async def test_an_untouched_checkpointed_log_verifies(checkpointed: Pair) -> None:
    status, said = await verify(checkpointed, "--partner-database-url", checkpointed.urls[UZ])
    assert status == 0, said
    assert "US: log verified: 15 entries" in said
    assert "1 checkpoint(s) match, the latest of 12 entries" in said


TAMPERING = ["rewrite", "truncate", "reorder"]
FIRST_BAD = {"rewrite": 4, "truncate": 10, "reorder": 6}


async def tamper(pair: Pair, how: str) -> None:
    url = pair.urls[US]
    await execute(url, *guard_off(pair.kind))
    if how == "rewrite":
        await rewrite_from(url, 4)
    elif how == "reorder":
        await swap_entries(url, 6)
    else:
        await execute(
            url,
            "DELETE FROM audit_events WHERE seq > 9",
            "UPDATE audit_head SET seq = 9, "
            "entry_hash = (SELECT entry_hash FROM audit_events WHERE seq = 9)",
        )


@pytest.mark.parametrize("how", TAMPERING)
async def test_tampering_after_a_checkpoint_is_named_by_its_first_entry(
    checkpointed: Pair, how: str
) -> None:
    await tamper(checkpointed, how)
    status, said = await verify(checkpointed)
    assert status == 1, said
    assert said.startswith(f"US: entry {FIRST_BAD[how]}: checkpoint 1"), said


@pytest.mark.parametrize("how", TAMPERING)
async def test_the_partners_witness_names_it_when_the_owners_records_are_gone(
    checkpointed: Pair, how: str
) -> None:
    await tamper(checkpointed, how)
    await execute(
        checkpointed.urls[US],
        "DELETE FROM audit_cosignatures",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_tree_leaves",
    )
    status, said = await verify(checkpointed, "--partner-database-url", checkpointed.urls[UZ])
    assert status == 1, said
    assert said.startswith(f"US: entry {FIRST_BAD[how]}: the cosignature by UZ"), said
    assert "kept in UZ's store" in said



async def test_the_partners_copy_names_it_when_the_owners_copy_was_changed(
    checkpointed: Pair,
) -> None:
    """US rewrites entry 4 and its own kept hashes, but keeps every signature: the one copy
    the signed root still authenticates is UZ's."""
    await tamper(checkpointed, "rewrite")
    await execute(
        checkpointed.urls[US],
        "UPDATE audit_tree_leaves SET entry_hash = "
        "(SELECT entry_hash FROM audit_events WHERE seq = 4) WHERE seq = 4",
    )
    status, said = await verify(checkpointed)
    assert status == 1
    assert said.startswith("US: entry 12: checkpoint 1"), said
    assert "were changed too" in said
    status, said = await verify(checkpointed, "--partner-database-url", checkpointed.urls[UZ])
    assert status == 1
    assert said.startswith("US: entry 4: checkpoint 1"), said

async def test_the_background_task_runs_rounds_and_stops_cleanly(pair: Pair) -> None:
    wakes: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(_seconds: float) -> None:
        await wakes.get()  # a round ends only when the test says so: no real time passes

    checkpointer = Checkpointer(
        pair.checkpointers[US].signer,
        CADENCE,
        InProcessPartner(pair.checkpointers[UZ].signer),
        sleep=sleep,
    )
    await grow(pair, 1, 2)
    checkpointer.start()
    await asyncio.wait_for(checkpointer.rounds_done(1), timeout=60)
    await grow(pair, 3, 7)
    wakes.put_nowait(None)
    await asyncio.wait_for(checkpointer.rounds_done(2), timeout=60)
    await asyncio.wait_for(checkpointer.stop(), timeout=60)  # while it sleeps
    assert await pair.checkpoint_sizes(US) == [2, 7]
    assert await pair.count(US, AuditCosignature, cosigner_administration="UZ") == 2


class UnreachablePartner:
    """A partner that never answers."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def exchange(self, own: AuditSigner) -> None:
        self.asked.set()
        await asyncio.Event().wait()


async def test_a_round_stuck_on_the_partner_is_cancelled_at_shutdown(pair: Pair) -> None:
    partner = UnreachablePartner()
    checkpointer = Checkpointer(
        pair.checkpointers[US].signer, CADENCE, partner, stop_grace_seconds=0
    )
    await grow(pair, 1, 3)
    checkpointer.start()
    await asyncio.wait_for(partner.asked.wait(), timeout=60)
    await asyncio.wait_for(checkpointer.stop(), timeout=60)
    assert checkpointer.rounds == 0
    # The checkpoint of that round was made before the partner was asked.
    assert await pair.checkpoint_sizes(US) == [3]


async def test_the_embedded_demo_checkpoints_and_countersigns_on_its_own(
    pair: Pair, tmp_path: Path
) -> None:
    await grow(pair, 1, 4)
    await append_entries(pair.engines[UZ], range(1, 3))
    app = build_demo_app(
        Stores(tmp_path, pair.urls),  # type: ignore[arg-type]
        "http://127.0.0.1:9",
        load_agreement(),
    )
    async with app.router.lifespan_context(app):
        for checkpointer in app.state.checkpointers.values():
            await asyncio.wait_for(checkpointer.rounds_done(1), timeout=60)
    # Each log signed in its first round, and countersigned at once by the partner.
    assert await pair.checkpoint_sizes(US) == [4]
    assert await pair.checkpoint_sizes(UZ) == [2]
    assert await pair.count(US, AuditCosignature, cosigner_administration="UZ") == 1
    assert await pair.count(UZ, AuditCosignature, cosigner_administration="US") == 1


def test_the_cadence_is_the_agreements(tmp_path: Path) -> None:
    assert load_agreement().audit_checkpoints == AuditCheckpoints(1000, 60.0)
    original = DEFAULT_AGREEMENT_FILE.read_text(encoding="utf-8")
    changed = tmp_path / "agreement.toml"
    changed.write_text(
        original.replace("checkpoint_every_entries = 1000", "checkpoint_every_entries = 50"),
        encoding="utf-8",
    )
    assert load_agreement(changed).audit_checkpoints == AuditCheckpoints(50, 60.0)
    changed.write_text(
        original.replace("checkpoint_every_seconds = 60", "checkpoint_every_seconds = 0"),
        encoding="utf-8",
    )
    with pytest.raises(AgreementError) as refused:
        load_agreement(changed)
    assert refused.value.key == "audit.checkpoint_every_seconds"


async def test_an_append_costs_the_same_statements_under_checkpoints(pair: Pair) -> None:
    """The tree is the checkpointer's: an append neither maintains it nor looks at it."""

    async def statements_of_one_append(number: int) -> int:
        with counting_statements(pair.engines[US]) as counter:
            await grow(pair, number, number)
        return counter.count

    before = await statements_of_one_append(1)
    await pair.checkpointers[US].tick()
    await grow(pair, 2, 20)
    await pair.checkpointers[US].tick()
    assert await pair.checkpoint_sizes(US) == [1, 20]
    assert await statements_of_one_append(21) == before
