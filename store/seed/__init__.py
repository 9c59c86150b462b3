"""Deterministic synthetic data for an administration's store (`cmaa seed`, `cmaa demo`).

The same (administration, cases, seed) gives the same rows on SQLite and PostgreSQL, and
seeding one administration alone gives exactly the rows it gets when both are seeded: both
stores are written from one world plan (store.seed.plan) that does not depend on which store
is being written.
"""

from dataclasses import dataclass, fields

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from store.agreement import Agreement
from store.models import StoreInfo
from store.models.domain import Administration
from store.seed.casework import CaseWork
from store.seed.exchange import Exchange
from store.seed.plan import build_world
from store.seed.records import StoreRecords
from store.seed.releases import Releases
from store.seed.timeline import REFERENCE_TIME
from store.seed.world import World
from store.seed.writer import SEEDED_TABLES, BulkWriter

__all__ = ["REFERENCE_TIME", "SeedError", "SeedReport", "seed_store", "store_is_empty"]


class SeedError(ValueError):
    """The store cannot be seeded as asked (not empty, another administration's, bad count)."""


@dataclass(frozen=True)
class SeedReport:
    """Rows written per table."""

    cases: int
    case_offences: int
    case_parties: int
    entities: int
    entity_identifiers: int
    entity_links: int
    evidence: int
    evidence_contents: int
    custody_events: int
    assistance_requests: int
    decisions: int
    releases: int
    release_items: int
    consents: int
    consent_items: int

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> "SeedReport":
        return cls(**{field.name: counts.get(field.name, 0) for field in fields(cls)})

    def as_dict(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @property
    def total_rows(self) -> int:
        return sum(self.as_dict().values())

    def __str__(self) -> str:
        return (
            f"{self.cases} cases, {self.entities} entities, {self.evidence} evidence items, "
            f"{self.assistance_requests} requests, {self.releases} releases "
            f"({self.case_parties} parties, {self.entity_identifiers} identifiers, "
            f"{self.custody_events} custody events, {self.decisions} decisions, "
            f"{self.release_items} release items, {self.consents} consents, "
            f"{self.entity_links} entity links)"
        )


# A store holding any of these already holds an administration's records.
_RECORD_TABLES = ("cases", "entities", "evidence", "assistance_requests", "decisions",
                  "releases", "consents")


async def _holds_records(connection: AsyncConnection) -> bool:
    tables: dict[str, Table] = {table.name: table for table in SEEDED_TABLES}
    for name in _RECORD_TABLES:
        table = tables[name]
        key = next(iter(table.primary_key.columns))
        if (await connection.execute(select(key).limit(1))).first() is not None:
            return True
    return False


async def store_is_empty(engine: AsyncEngine) -> bool:
    """No cases, entities, evidence, requests, decisions, releases or consents yet."""
    async with engine.connect() as connection:
        return not await _holds_records(connection)


async def seed_store(
    engine: AsyncEngine,
    administration: Administration,
    agreement: Agreement,
    *,
    cases: int,
    seed: int,
    progress: bool = False,
) -> SeedReport:
    """Fill an empty, migrated store with this administration's share of the synthetic world.

    All rows are written in one transaction: a failed seed leaves the store empty.
    """
    if cases < 1:
        raise SeedError("the number of cases must be at least 1")
    async with engine.begin() as connection:
        owner = (await connection.execute(select(col(StoreInfo.administration)))).scalar()
        if owner is not None and owner != administration.value:
            raise SeedError(f"this store belongs to {owner}, not {administration.value}")
        if await _holds_records(connection):
            raise SeedError("store already holds data; seed into an empty store")
        world = build_world(seed, cases, agreement)
        writer = BulkWriter(connection)
        try:
            await _write_store(world, administration, agreement, writer, progress)
        finally:
            await writer.close()
    return SeedReport.from_counts(writer.counts)


async def _write_store(world: World, administration: Administration, agreement: Agreement,
                       writer: BulkWriter, progress: bool) -> None:
    records = StoreRecords(administration, writer,
                           agreement.parties[administration].default_marking)
    casework = CaseWork(world, administration, agreement, records)
    casework.write_planned_entities()
    await casework.write_cases(progress)
    exchange = Exchange(world, administration, agreement, records)
    exchange.write_requests()
    exchange.write_decisions()
    exchange.write_partner_evidence()
    releases = Releases(world, administration, agreement, records, exchange.partner_evidence)
    releases.write()
    releases.write_links()
    await writer.flush()
    await writer.advance_sequences()
