"""The GraphQL operations the remote source sends to an administration's subgraph.

None is written by hand: each is derived from the records it answers with (every field, under
its GraphQL name, so the answer maps back into exactly the records the in-process source
builds; resolvers.sources.remote.decoding reads them by the same names) and, for the
agreement's procedures, from the procedure's declaration (resolvers.sources.base): its name,
its arguments and their wire types (resolvers.sources.remote.encoding). Entities read by id
ask only for the parts the gateway's operation uses (resolvers.sources.parts). One operation
per interface call.
"""

from dataclasses import Field, fields, is_dataclass
from functools import cache, lru_cache
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from resolvers.sources.base import Procedure
from resolvers.sources.drafts import PartnerAction
from resolvers.sources.parts import ENTITY_PARTS, EVERY_PART, HANDLING_PARTS, EntityParts
from resolvers.sources.records import (
    CaseRecord,
    DecisionRecord,
    EntityLinkRecord,
    EntityRecord,
    EvidenceRecord,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.remote import encoding
from resolvers.sources.remote.decoding import ENTITY_FIELDS, HANDLING_FIELDS, graphql_name
from store.audit import LoggedEntry

# Records without a global id: the subgraph gives their number in the owner's store.
LOCAL_IDS = frozenset({DecisionRecord, EntityLinkRecord, PartnerAction})
# Attributes whose value is an object but not a record of ours: what is asked of it.
OBJECTS: dict[tuple[type, str], str] = {(RequestRecord, "persons_concerned"): "name address"}


def attributes(kind: Any) -> tuple[Field[Any], ...]:
    """The attributes of a record or a procedure (a dataclass)."""
    return fields(kind)


def field_key(kind: type, name: str) -> str:
    """The subgraph's name for the attribute `name` of `kind`."""
    return "localId" if name == "id" and kind in LOCAL_IDS else graphql_name(name)


def _record_in(annotation: Any) -> type | None:
    """The record an attribute holds (alone, optional or as a tuple of them), if it holds one."""
    if isinstance(annotation, type) and is_dataclass(annotation):
        return annotation
    if get_origin(annotation) in (Union, UnionType, tuple):
        for argument in get_args(annotation):
            found = _record_in(argument)
            if found is not None:
                return found
    return None


def _handling_selection(parts: frozenset[str]) -> str:
    return " ".join(["owner", *(HANDLING_FIELDS[p].asked for p in HANDLING_PARTS if p in parts)])


def _entity_selection(parts: EntityParts, handling: str) -> str:
    """The selection of an entity's `parts`, its handling's being `handling`."""
    asked = [ENTITY_FIELDS[p].asked for p in ENTITY_PARTS if p in parts.entity and p != "handling"]
    if "handling" in parts.entity:
        asked.append(f"handling {{ {handling} }}")
    return " ".join(["id", "owner", *asked])


@cache
def selection(kind: type) -> str:
    """Every field of the record `kind`, its records' fields too, as the subgraph names them."""
    if kind is EntityRecord:
        return _entity_selection(EVERY_PART, _handling_selection(EVERY_PART.handling))
    hints = get_type_hints(kind)
    asked = []
    for attribute in attributes(kind):
        key = field_key(kind, attribute.name)
        inner = OBJECTS.get((kind, attribute.name))
        record = _record_in(hints[attribute.name])
        if inner is None and record is not None:
            inner = selection(record)
        asked.append(key if inner is None else f"{key} {{ {inner} }}")
    return " ".join(asked)


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
