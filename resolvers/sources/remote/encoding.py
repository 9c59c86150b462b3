"""The source's filters and positions as the subgraph's GraphQL variables."""

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from auth.policy.procedures import Action
from resolvers.sources.base import Names, NamesAny, Procedure
from resolvers.sources.cursors import encode_cursor
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    RecordRef,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.ids import TYPE_NAME_OF_RECORD, global_id
from resolvers.sources.records import PageRequest, RequestRecord
from resolvers.sources.remote.selections import graphql_name
from store.audit import AuditTrailFilter
from store.identifiers import Identifier
from store.models.domain import Administration, RecordType


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _identifier(value: Identifier | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "type": value.type.value,
        "value": value.value,
        "issuingCountry": value.issuing_country,
    }


def _present(values: dict[str, Any]) -> dict[str, Any]:
    # An empty list or a missing value means "no condition", as it does in the source.
    return {name: value for name, value in values.items() if value not in (None, [], "")}


def page_variables(page: PageRequest) -> dict[str, Any]:
    return {
        "first": page.limit,
        "after": None if page.after is None else encode_cursor(page.after),
    }


def case_filter(value: CaseFilter) -> dict[str, Any]:
    return _present(
        {
            "statuses": list(value.statuses),
            "offenceTypes": list(value.offence_types),
            "openedFrom": _moment(value.opened_from),
            "openedTo": _moment(value.opened_to),
            "text": value.text,
            "identifier": _identifier(value.identifier),
        }
    )


def entity_filter(value: EntityFilter) -> dict[str, Any]:
    return _present(
        {
            "kinds": list(value.kinds),
            "name": value.name,
            "identifier": _identifier(value.identifier),
        }
    )


def request_filter(value: RequestFilter) -> dict[str, Any]:
    return _present(
        {
            "statuses": list(value.statuses),
            "direction": None if value.direction is None else value.direction.value,
            "dueBefore": _moment(value.due_before),
        }
    )


def match_probe(value: MatchProbe) -> dict[str, Any]:
    return {
        "identifiers": [
            {"type": identifier_type, "normalised": normalised}
            for identifier_type, normalised in value.identifiers
        ],
        "nameKeys": list(value.name_keys),
    }


def audit_filter(value: AuditTrailFilter) -> dict[str, Any]:
    return _present(
        {
            "actorAdministration": value.actor_administration,
            "operation": value.operation,
            "decision": value.decision,
            "recordId": value.record_id,
            "atFrom": _moment(value.at_from),
            "atTo": _moment(value.at_to),
        }
    )


# -- the agreement's procedures: drafts and snapshots as the subgraph's mutation inputs -----


def _records(refs: tuple[RecordRef, ...], owner: Administration) -> list[str]:
    """A draft names the owner's records by type and local id; the subgraph by global id."""
    return [
        global_id(TYPE_NAME_OF_RECORD[RecordType(record_type).value], owner, record_id)
        for record_type, record_id in refs
    ]


def request_draft(draft: RequestDraft, owner: Administration) -> dict[str, Any]:
    form = draft.form
    requested = form.requested_administration
    return {
        "requestedAdministration": None if requested is None else requested.value,
        "matter": form.matter,
        "assistanceType": form.assistance_type,
        "reasons": form.reasons,
        "caseDescription": form.case_description,
        "legalProvisions": list(form.legal_provisions),
        "personsConcerned": [
            {"name": name, "address": address} for name, address in form.persons_concerned
        ],
        "caseId": None if draft.case_id is None else global_id("Case", owner, draft.case_id),
        "urgency": draft.urgency,
        "oral": draft.oral,
    }


def request_snapshot(request: RequestRecord) -> dict[str, Any]:
    """What the requested side's procedures read of the partner's request, and no more
    (resolvers.subgraph.mutations says why the snapshot is sent)."""
    return {
        "id": request.node_id,
        "reference": request.reference,
        "requestingAdministration": request.requesting_administration.value,
        "requestedAdministration": request.requested_administration.value,
        "status": request.status,
    }


def _wire(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_wire(item) for item in value]
    return value


def draft_input(draft: Any, **given: Any) -> dict[str, Any]:
    """A draft as the subgraph's input for it, field for field under the GraphQL names: the
    input declares the draft's very fields (resolvers.vocabulary.inputs; a unit test holds
    them equal). `given` are the fields the subgraph names otherwise (records by global id)."""
    return {
        graphql_name(field.name): given[field.name]
        if field.name in given
        else _wire(getattr(draft, field.name))
        for field in fields(draft)
    }


def records_input(draft: ReleaseDraft | ConsentDraft, owner: Administration) -> dict[str, Any]:
    """A release's or a consent request's draft as its input, its records by global id."""
    return draft_input(draft, records=_records(draft.records, owner))


def partner_action(action: PartnerAction) -> dict[str, Any]:
    return {"kind": action.kind, "localId": action.id, "newStatus": action.new_status}


# -- a procedure's arguments as the subgraph's mutation variables -----------------------------

Encode = Callable[[Any, Administration], Any]


def _as_is(value: Any, _owner: Administration) -> Any:
    return value


# Each type of argument a procedure takes: the subgraph's input type for it, and its value.
ARGUMENTS: dict[Any, tuple[str, Encode]] = {
    str: ("String!", _as_is),
    str | None: ("String", _as_is),
    bool: ("Boolean!", _as_is),
    Action: ("RequestAction!", lambda value, _owner: value.value),
    RequestDraft: ("AssistanceRequestInput!", request_draft),
    ReleaseDraft: ("ReleaseInput!", records_input),
    ConsentDraft: ("ConsentInput!", records_input),
    DecisionDraft: ("DecisionInput!", lambda value, _owner: draft_input(value)),
    CustodyDraft: ("CustodyEventInput!", lambda value, _owner: draft_input(value)),
    RequestRecord: ("RequestSnapshotInput!", lambda value, _owner: request_snapshot(value)),
    PartnerAction: ("PartnerActionInput!", lambda value, _owner: partner_action(value)),
}


def _argument(annotation: Any) -> tuple[str, Encode]:
    if get_origin(annotation) is Annotated:
        names = get_args(annotation)[1]
        if isinstance(names, Names):
            return "ID!", lambda local, owner: global_id(names.type_name, owner, local)
        if isinstance(names, NamesAny):
            return "ID!", lambda key, _owner: global_id(names.type_name, *key)
    return ARGUMENTS[annotation]


def wire_type(annotation: Any) -> str:
    """The subgraph's type of an argument declared with `annotation`."""
    return _argument(annotation)[0]


def procedure_variables(procedure: Procedure[Any], owner: Administration) -> dict[str, Any]:
    """The call's arguments, each under its GraphQL name, as the subgraph takes them."""
    hints = get_type_hints(type(procedure), include_extras=True)
    call: Any = procedure  # a dataclass, as every procedure is
    return {
        graphql_name(argument.name): _argument(hints[argument.name])[1](
            getattr(procedure, argument.name), owner
        )
        for argument in fields(call)
    }
