"""Both schemas speak one vocabulary, and the remote transport speaks it too.

A type the exchange schema and a subgraph both declare has the same fields, field types and
descriptions in each, apart from the differences listed here, each of which is a decision (a
subgraph's Long where the exchange keeps Int, a field only a subgraph can resolve, the two
schemas' names for a consent). A new difference fails this test until it is either removed
(declare the field once, in resolvers/vocabulary/) or listed below with its reason.

The remote transport sends a procedure's draft as its input and reads a record back field
for field under the GraphQL names (remote/encoding.py, remote/decoding.py), and derives every
operation it sends from the records and the procedures' declarations (remote/operations.py):
the tests below hold the drafts, the records, the subgraph's types and those operations equal.
"""

from dataclasses import fields
from datetime import UTC, datetime

import pytest
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)

from resolvers.exchange.schema import build_exchange_schema
from resolvers.sources.base import PROCEDURES, DecideConsent
from resolvers.sources.drafts import ConsentDraft, CustodyDraft, DecisionDraft, ReleaseDraft
from resolvers.sources.ids import global_id
from resolvers.sources.records import (
    CaseRecord,
    ConsentRecord,
    CustodyRecord,
    DecisionRecord,
    EntityLinkRecord,
    EvidenceRecord,
    GrantedConsent,
    IdentifierRecord,
    ReleaseRecord,
    ReleaseRef,
    RequestRecord,
)
from resolvers.sources.remote import encoding, operations, selections
from resolvers.subgraph.schema import subgraph_schema
from resolvers.vocabulary import inputs
from store.audit import LoggedEntry
from store.models.domain import Administration

# The roots differ by design: the exchange reads both administrations, a subgraph its own.
ROOTS = frozenset({"Query", "Mutation"})
DECIDED = {
    # Consent: a consent request in the exchange, a granted consent in the subgraph (v1 names).
    ("Consent", "description"),
    ("Handling.consents", "type"),
    # The exchange follows a party to its entity; the subgraph gives the link, per holder.
    ("CaseParty", "description"),
    ("Case.parties", "description"),
    # The exchange prints the identifier's type as text (v1); the subgraph its enum.
    ("Identifier.type", "type"),
    # Larger than GraphQL's Int in the subgraph (Long); the exchange's Int is v1's.
    ("Evidence.sizeBytes", "type"),
    ("AuditEvent.seq", "type"),
    ("AuditEvent.seq", "description"),
    # The exchange reads its own administration's log; a subgraph is that log.
    ("AuditEvent", "description"),
    ("AuditEvent.detail", "type"),
    ("AuditEvent.detail", "description"),
    # The exchange takes a global id or the log's name; the subgraph the log's name only.
    ("AuditTrailFilter.recordId", "type"),
    ("AuditTrailFilter.recordId", "description"),
    # A subgraph's procedure refuses a request without them with the rule REQUEST_FORM.
    ("AssistanceRequestInput.requestedAdministration", "type"),
    ("AssistanceRequestInput.assistanceType", "type"),
    # A subgraph's connections say what their count counts.
    *(
        (f"{name}Connection.totalCount", "description")
        for name in ("Case", "Entity", "AssistanceRequest", "Release", "AuditEvent")
    ),
}


def _differences(exchange: GraphQLSchema, subgraph: GraphQLSchema) -> set[tuple[str, str]]:
    found = set()
    for name, ours in exchange.type_map.items():
        theirs: GraphQLNamedType | None = subgraph.type_map.get(name)
        if name.startswith("__") or name in ROOTS or theirs is None:
            continue
        assert type(ours) is type(theirs), f"{name} is a different kind of type"
        if ours.description != theirs.description:
            found.add((name, "description"))
        if isinstance(ours, GraphQLObjectType | GraphQLInputObjectType):
            assert isinstance(theirs, GraphQLObjectType | GraphQLInputObjectType)
            for field_name in ours.fields.keys() & theirs.fields.keys():
                mine, other = ours.fields[field_name], theirs.fields[field_name]
                if str(mine.type) != str(other.type):
                    found.add((f"{name}.{field_name}", "type"))
                if mine.description != other.description:
                    found.add((f"{name}.{field_name}", "description"))
        if isinstance(ours, GraphQLEnumType):
            assert isinstance(theirs, GraphQLEnumType)
            if set(ours.values) != set(theirs.values):
                found.add((name, "values"))
    return found


def test_the_exchange_and_each_subgraph_differ_only_where_decided() -> None:
    exchange = build_exchange_schema()._schema
    for administration in Administration:
        subgraph = subgraph_schema(administration)._schema
        assert _differences(exchange, subgraph) == DECIDED


def test_a_drifted_description_is_found() -> None:
    exchange = build_exchange_schema()._schema
    subgraph = subgraph_schema(Administration.US)._schema
    case = subgraph.type_map["Case"]
    original = case.description
    case.description = "Something else."
    try:
        assert ("Case", "description") in _differences(exchange, subgraph)
    finally:
        case.description = original


@pytest.mark.parametrize(
    ("draft", "given"),
    [
        (DecisionDraft, inputs.DecisionInput),
        (ReleaseDraft, inputs.ReleaseInput),
        (ConsentDraft, inputs.ConsentInput),
        (CustodyDraft, inputs.CustodyEventInput),
    ],
)
def test_a_procedures_input_declares_its_drafts_fields(draft: type, given: type) -> None:
    """The remote transport sends a draft as this input field for field (encoding.draft_input),
    and the subgraph reads the input back into the draft: neither may have a field the other
    lacks."""
    declared = {field.python_name for field in given.__strawberry_definition__.fields}
    assert declared == {field.name for field in fields(draft)}


def test_a_draft_goes_on_the_wire_under_its_inputs_graphql_names() -> None:
    draft = CustodyDraft(
        from_holder="Port of Baltimore",
        to_holder="Tashkent laboratory",
        at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        purpose="Analysis",
        seal=None,
        condition="intact",
        returned=False,
    )
    names = set(subgraph_schema(Administration.US)._schema.type_map["CustodyEventInput"].fields)
    sent = encoding.draft_input(draft)
    assert set(sent) == names
    assert sent["at"] == "2026-03-01T09:30:00+00:00"
    assert sent["fromHolder"] == "Port of Baltimore"


# A record the remote transport reads back, and the subgraph type that serves it.
SERVED_AS = {
    ReleaseRef: "ReleaseReference",
    GrantedConsent: "Consent",
    CaseRecord: "Case",
    IdentifierRecord: "Identifier",
    CustodyRecord: "CustodyEvent",
    EvidenceRecord: "Evidence",
    RequestRecord: "AssistanceRequest",
    ReleaseRecord: "Release",
    LoggedEntry: "AuditEvent",
    DecisionRecord: "Decision",
    ConsentRecord: "ConsentRequest",
    EntityLinkRecord: "EntityLink",
}
# A record without a global id is numbered in its owner's store; the subgraph says so.
LOCAL_IDS = {DecisionRecord, EntityLinkRecord}


@pytest.mark.parametrize("kind", list(SERVED_AS), ids=lambda kind: kind.__name__)
def test_the_subgraph_serves_each_record_field_under_its_graphql_name(kind: type) -> None:
    """decoding.record reads a record's fields from the subgraph's answer by these names."""
    served = subgraph_schema(Administration.US)._schema.type_map[SERVED_AS[kind]].fields
    expected = {selections.graphql_name(field.name) for field in fields(kind)}
    if kind in LOCAL_IDS:
        expected = expected - {"id"} | {"localId"}
    assert expected <= set(served)


def _top_level(selection: str) -> set[str]:
    """The field names at the top of a selection (nested selections left out)."""
    depth, names = 0, set()
    for word in selection.replace("{", " { ").replace("}", " } ").split():
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 0:
            names.add(word)
    return names


@pytest.mark.parametrize("kind", list(SERVED_AS), ids=lambda kind: kind.__name__)
def test_the_remote_transport_asks_for_every_field_it_reads(kind: type) -> None:
    """A record's selection (derived from the record, operations.selection) asks for exactly
    the record's fields, the ones decoding.record reads by their GraphQL names."""
    expected = {selections.graphql_name(field.name) for field in fields(kind)}
    if kind in LOCAL_IDS:
        expected = expected - {"id"} | {"localId"}
    assert _top_level(selections.selection(kind)) == expected


def _sent() -> dict[str, str]:
    """Every operation the remote transport sends: its reads, and each procedure's."""
    reads = {
        name: value
        for name, value in vars(operations).items()
        if name.isupper() and isinstance(value, str) and value.startswith(("query", "mutation"))
    }
    return reads | {kind.__name__: operations.procedure(kind) for kind in PROCEDURES}


@pytest.mark.parametrize("name", sorted(_sent()))
def test_each_operation_the_remote_transport_sends_is_valid_on_the_subgraph(name: str) -> None:
    """Derived from the records and the procedures' declarations, every operation must still
    be one the subgraph's schema (built from the same vocabulary) accepts."""
    schema = subgraph_schema(Administration.UZ)._schema
    assert validate(schema, parse(_sent()[name])) == []


def test_every_procedure_is_sent_as_its_subgraph_mutation_with_every_argument() -> None:
    mutation = subgraph_schema(Administration.US)._schema.mutation_type
    assert mutation is not None
    for kind in PROCEDURES:
        (definition,) = parse(operations.procedure(kind)).definitions
        assert isinstance(definition, OperationDefinitionNode)
        (root,) = definition.selection_set.selections
        assert isinstance(root, FieldNode)
        assert root.name.value == kind.field
        assert {argument.name.value for argument in root.arguments} == set(
            mutation.fields[kind.field].args
        )


def test_a_procedures_arguments_go_on_the_wire_under_their_graphql_names() -> None:
    call = DecideConsent(id=7, grant=False, reason="Not for this use.", idempotency_key="k-1")
    assert encoding.procedure_variables(call, Administration.UZ) == {
        "id": global_id("Consent", Administration.UZ, 7),
        "grant": False,
        "reason": "Not for this use.",
        "idempotencyKey": "k-1",
    }
