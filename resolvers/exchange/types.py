"""Object types of the exchange schema.

Records from the sources are returned as they are: scalar fields are plain attributes of the
record (no resolver runs for them); only relations have resolvers, each batched per request.
"""

from collections.abc import Awaitable, Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from auth.policy.scopes import ENTITIES_READ, EVIDENCE_READ
from resolvers.authorization import scoped_field
from resolvers.exchange.loaders import load_at_once
from resolvers.execution import batched
from resolvers.sources.ids import global_id
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    EvidenceRecord,
    PartyRecord,
    ReleaseRecord,
)
from resolvers.sources.records import Handling as HandlingRecord
from resolvers.vocabulary.enums import PartyRole
from resolvers.vocabulary.types import (
    AssistanceRequestFields,
    CaseFields,
    CustodyEvent,
    EntityFields,
    EvidenceFields,
    GrantedConsent,
    HandlingFields,
    IdentifierFields,
    PersonConcerned,
    ReleaseFields,
    ReleaseReference,
    description_of,
    persons_concerned_field,
    release_reference,
)


def _context(info: Info) -> Any:
    return info.context


@strawberry.interface(description="An object with a global, opaque ID.")
class Node:
    node_id: strawberry.ID = strawberry.field(name="id")


@strawberry.type(description=description_of(HandlingFields))
class Handling(HandlingFields):
    consents: list[GrantedConsent]

    @strawberry.field(description="Null for the owner's own reads.")
    @staticmethod
    def released_under(handling: strawberry.Parent[HandlingRecord]) -> ReleaseReference | None:
        return release_reference(handling, ReleaseReference)


@strawberry.type(description=description_of(IdentifierFields))
class Identifier(IdentifierFields):
    type: str


@strawberry.type(description="An entity in a role in a case; either administration may hold it.")
class CaseParty:
    role: PartyRole
    entity: "Entity"


# A dictionary look-up, not an enum call, for each party.
PARTY_ROLES = {role.value: role for role in PartyRole}


def _parties(links: tuple[PartyRecord, ...], entities: Sequence[Any]) -> list[CaseParty]:
    """Each link with its entity record (read as an Entity), where the caller may see it."""
    return [
        CaseParty(role=PARTY_ROLES[link.role], entity=entity)
        for link, entity in zip(links, entities, strict=True)
        if entity is not None
    ]


async def _parties_of(context: Any, case: CaseRecord) -> list[CaseParty]:
    """One case's parties, loaded on their own (batched with the other cases of the level)."""
    loaders = context.loaders
    links: tuple[PartyRecord, ...] = await loaders.parties.load((case.owner, case.id)) or ()
    entities = await loaders.entities.load_many([(p.entity_owner, p.entity_id) for p in links])
    return _parties(links, entities)


async def load_parties(context: Any, cases: Sequence[CaseRecord]) -> None:
    """The parties of a list's cases, with their entities, loaded at once where each case's
    resolver finds them (resolvers.execution.batched): the same two loads as the cases'
    resolvers make one by one, so the same reads under the same policy, audited alike. It runs
    only for a caller the field's guard lets through (resolvers.execution decides by the
    guard itself)."""
    keys = [(case.owner, case.id) for case in cases]
    loaders = context.loaders
    links: list[tuple[PartyRecord, ...]] = [
        found or () for found in await load_at_once(loaders.parties, keys)
    ]
    entities = await load_at_once(
        loaders.entities,
        [(party.entity_owner, party.entity_id) for parties in links for party in parties],
    )
    start = 0
    for key, parties in zip(keys, links, strict=True):
        context.case_parties[key] = _parties(parties, entities[start : start + len(parties)])
        start += len(parties)


@strawberry.type(description=description_of(CaseFields))
class Case(CaseFields, Node):
    handling: Handling

    @scoped_field(
        ENTITIES_READ,
        empty=list,
        graphql_type=list[CaseParty],
        metadata=batched(
            lambda cases, context: load_parties(context, cases),
            lambda context, case: context.case_parties.get((case.owner, case.id)),
        ),
    )
    @staticmethod
    def parties(
        record: strawberry.Parent[CaseRecord], info: Info
    ) -> list[CaseParty] | Awaitable[list[CaseParty]]:
        """The case's parties the caller may see (an entity not released is left out)."""
        context = _context(info)
        loaded = context.case_parties.get((record.owner, record.id))
        return loaded if loaded is not None else _parties_of(context, record)

    @scoped_field(EVIDENCE_READ, empty=list)
    @staticmethod
    async def evidence(record: strawberry.Parent[CaseRecord], info: Info) -> list["Evidence"]:
        """Evidence for the case the caller may see, held by either administration."""
        return list(await _context(info).loaders.case_evidence.load((record.owner, record.id)))


@strawberry.type
class EntityMatch:
    entity: "Entity"
    strength: str
    reason: str
    score: float


@strawberry.type(description=description_of(EntityFields))
class Entity(EntityFields, Node):
    identifiers: list[Identifier]
    handling: Handling

    @strawberry.field(description="The same entity as the other administration holds it.")
    @staticmethod
    async def matches(record: strawberry.Parent[EntityRecord], info: Info) -> list[EntityMatch]:
        found = await _context(info).loaders.matches.load(record)
        return [
            EntityMatch(
                entity=match.entity,  # a record: its attributes are read as Entity fields
                strength=match.strength,
                reason=match.reason,
                score=match.score,
            )
            for match in found
        ]


@strawberry.type(description=description_of(EvidenceFields))
class Evidence(EvidenceFields, Node):
    size_bytes: int
    custody: list[CustodyEvent]
    handling: Handling

    @strawberry.field(description="The case this evidence supports, if the caller may see it.")
    @staticmethod
    async def case(record: strawberry.Parent[EvidenceRecord], info: Info) -> Case | None:
        return await _context(info).loaders.cases.load((record.case_owner, record.case_id))


@strawberry.type(description=description_of(AssistanceRequestFields))
class AssistanceRequest(AssistanceRequestFields, Node):
    persons_concerned = persons_concerned_field(PersonConcerned)


@strawberry.type(description="A record covered by a release: its type and id.")
class ReleasedRecord:
    record_type: str
    node_id: strawberry.ID = strawberry.field(name="id")


@strawberry.type(description=description_of(ReleaseFields))
class Release(ReleaseFields, Node):
    @strawberry.field(description="The records this release covers.")
    @staticmethod
    def records(release: strawberry.Parent[ReleaseRecord]) -> list[ReleasedRecord]:
        names = {"CASE": "Case", "ENTITY": "Entity", "EVIDENCE": "Evidence"}
        return [
            ReleasedRecord(
                record_type=item.record_type,
                node_id=strawberry.ID(
                    global_id(names[item.record_type], release.owner, item.record_id)
                ),
            )
            for item in release.items
        ]
