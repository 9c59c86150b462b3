"""The GraphQL operations the remote source sends to an administration's subgraph.

None is written by hand: each is derived from the records it answers with (every field, under
its GraphQL name, so the answer maps back into exactly the records the in-process source
builds; resolvers.sources.remote.decoding reads them by the same names) and, for the
agreement's procedures, from the procedure's declaration (resolvers.sources.base): its name,
its arguments and their wire types (resolvers.sources.remote.encoding). Entities read by id
ask only for the parts the gateway's operation uses (resolvers.sources.parts). One operation
per interface call.
"""

from functools import cache, lru_cache
from typing import Any, get_type_hints

from resolvers.sources.base import Procedure
from resolvers.sources.parts import ENTITY_PARTS, EVERY_PART, HANDLING_PARTS, EntityParts
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    EvidenceRecord,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.remote import encoding
from resolvers.sources.remote.decoding import ENTITY_FIELDS, HANDLING_FIELDS
from resolvers.sources.remote.selections import attributes, graphql_name, selection
from store.audit import LoggedEntry


def _handling_selection(parts: frozenset[str]) -> str:
    return " ".join(["owner", *(HANDLING_FIELDS[p].asked for p in HANDLING_PARTS if p in parts)])


def _entity_selection(parts: EntityParts, handling: str) -> str:
    """The selection of an entity's `parts`, its handling's being `handling`."""
    asked = [ENTITY_FIELDS[p].asked for p in ENTITY_PARTS if p in parts.entity and p != "handling"]
    if "handling" in parts.entity:
        asked.append(f"handling {{ {handling} }}")
    return " ".join(["id", "owner", *asked])


def _page(name: str, field: str, filter_type: str | None, kind: type) -> str:
    declared, passed = "$first: Int!, $after: String", "first: $first, after: $after"
    if filter_type is not None:
        declared += f", $filter: {filter_type}"
        passed += ", filter: $filter"
    return (
        f"query {name}({declared}) {{\n  page: {field}({passed}) {{\n"
        f"    nodes {{ {selection(kind)} }} pageInfo {{ hasNextPage }} totalCount\n  }}\n}}\n"
    )


def _by_id(name: str, type_name: str, asked: str) -> str:
    return (
        f"query {name}($representations: [_Any!]!) {{\n"
        f"  found: _entities(representations: $representations) {{ "
        f"... on {type_name} {{ {asked} }} }}\n}}\n"
    )


def _found(name: str, declared: str, call: str, kind: type) -> str:
    head = f"query {name}({declared})" if declared else f"query {name}"
    return f"{head} {{\n  found: {call} {{ {selection(kind)} }}\n}}\n"


LIST_CASES = _page("Cases", "cases", "CaseFilter", CaseRecord)
LIST_ENTITIES = _page("Entities", "entities", "EntityFilter", EntityRecord)
LIST_REQUESTS = _page(
    "AssistanceRequests", "assistanceRequests", "AssistanceRequestFilter", RequestRecord
)
LIST_RELEASES = _page("Releases", "releases", None, ReleaseRecord)
AUDIT_TRAIL = _page("AuditTrail", "auditTrail", "AuditTrailFilter", LoggedEntry)

CASES_BY_ID = _by_id("CasesById", "Case", selection(CaseRecord))
ENTITIES_BY_ID = _by_id("EntitiesById", "Entity", selection(EntityRecord))
EVIDENCE_BY_ID = _by_id("EvidenceById", "Evidence", selection(EvidenceRecord))
REQUESTS_BY_ID = _by_id("AssistanceRequestsById", "AssistanceRequest", selection(RequestRecord))

MATCH_CANDIDATES = _found(
    "MatchCandidates", "$probe: MatchProbe!", "matchCandidates(probe: $probe)", EntityRecord
)
CASE_PARTIES = _found(
    "CaseParties", "$caseIds: [ID!]!", "caseParties(caseIds: $caseIds)", PartyRecord
)
CASE_EVIDENCE = _found(
    "CaseEvidence", "$caseIds: [ID!]!", "caseEvidence(caseIds: $caseIds)", EvidenceRecord
)
OVERDUE_ORIGINALS = _found("OverdueOriginals", "", "overdueOriginals", EvidenceRecord)


@lru_cache(maxsize=64)
def entities_by_id(parts: EntityParts) -> str:
    """ENTITIES_BY_ID asking only for `parts` (an operation's few combinations, each built
    once)."""
    if parts == EVERY_PART:
        return ENTITIES_BY_ID
    asked = _entity_selection(parts, _handling_selection(parts.handling))
    return _by_id("EntitiesById", "Entity", asked)


# Where each procedure's operation puts its answer.
ANSWER = "done"


def procedure(kind: type[Procedure[Any]]) -> str:
    """The mutation that carries out the procedure `kind` on the owner's subgraph: one
    variable per argument, under the argument's name, and every field of its answer."""
    cached: Any = kind  # a class, hashable (the checker takes a generic class's for not)
    return _mutation(cached)


@cache
def _mutation(kind: Any) -> str:
    hints = get_type_hints(kind, include_extras=True)
    names = [graphql_name(argument.name) for argument in attributes(kind)]
    declared = ", ".join(
        f"${name}: {encoding.wire_type(hints[argument.name])}"
        for name, argument in zip(names, attributes(kind), strict=True)
    )
    passed = ", ".join(f"{name}: ${name}" for name in names)
    operation = kind.field[0].upper() + kind.field[1:]
    return (
        f"mutation {operation}({declared}) {{\n"
        f"  {ANSWER}: {kind.field}({passed}) {{ {selection(kind.answer())} }}\n}}\n"
    )
