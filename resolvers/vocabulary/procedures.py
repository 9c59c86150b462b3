"""The agreement's procedures as GraphQL root fields, declared once for both schemas.

Each declaration is the field's resolver, written over a `Side`: how a schema reads the ids
it is given, carries out the procedure (resolvers.sources.base) and turns a refusal into its
coded error. The exchange (resolvers.exchange.mutations) carries a procedure out on the
source of the administration that owns what it changes; a subgraph
(resolvers.subgraph.mutations) on its own administration's store, and adds its federation
directives and holder-named twins. The same declaration also gives what the field answers
with (the schema's type for the procedure's record) and its scope.

Where the schemas differ by design, the difference is the side's, never the procedure's: the
exchange answers null with an error where a subgraph's field is non-null; the exchange takes
any administration's records and refuses another's; a subgraph takes its own only.
"""

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import strawberry
from strawberry.tools import create_type
from strawberry.types import Info

from auth.policy.procedures import RequestForm
from auth.principal import Principal
from resolvers.sources.base import (
    ConfirmEntityMatch,
    DecideConsent,
    Disclose,
    Procedure,
    RecordCustody,
    RecordKey,
    RequestConsent,
    RevokeRelease,
    SubmitRequest,
)
from resolvers.sources.drafts import RecordRef, RequestDraft
from resolvers.sources.records import (
    ConsentRecord,
    EntityLinkRecord,
    EvidenceRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.vocabulary.inputs import (
    AssistanceRequestInput,
    ConsentInput,
    CustodyEventInput,
    PersonConcernedInput,
    ReleaseInput,
)
from resolvers.vocabulary.types import (
    AssistanceRequestFields,
    ConsentRequestFields,
    EntityLinkFields,
    EvidenceFields,
    ReleaseFields,
)
from store.models import domain

A = TypeVar("A")
Resolver = Callable[..., Awaitable[Any]]


class RequestInput(Protocol):
    """A request for assistance as either schema takes it (AssistanceRequestInput; a
    subgraph's leaves to the procedure what GraphQL would refuse)."""

    @property
    def requested_administration(self) -> domain.Administration | None: ...
    @property
    def matter(self) -> str: ...
    @property
    def assistance_type(self) -> domain.AssistanceType | None: ...
    @property
    def reasons(self) -> str: ...
    @property
    def case_description(self) -> str: ...
    @property
    def legal_provisions(self) -> Sequence[str]: ...
    @property
    def persons_concerned(self) -> Sequence[PersonConcernedInput]: ...
    @property
    def case_id(self) -> str | None: ...
    @property
    def urgency(self) -> domain.Urgency: ...
    @property
    def oral(self) -> bool: ...


# The shared fields of each record a procedure answers with: a schema serves the record as its
# type built on them.
FIELDS_OF_ANSWER: dict[type, type] = {
    RequestRecord: AssistanceRequestFields,
    ReleaseRecord: ReleaseFields,
    ConsentRecord: ConsentRequestFields,
    EvidenceRecord: EvidenceFields,
    EntityLinkRecord: EntityLinkFields,
}


def answer_types(*types: type) -> dict[type, type]:
    """A schema's type for each record a procedure answers with, chosen among `types` (the
    schema's own) as the one built on the record's shared fields."""
    found: dict[type, type] = {}
    for record, fields in FIELDS_OF_ANSWER.items():
        served = [type_ for type_ in types if issubclass(type_, fields)]
        if len(served) != 1:
            raise TypeError(f"one type must serve {record.__name__}, not {len(served)}")
        found[record] = served[0]
    return found


class Side(Protocol):
    """What a schema does where the procedures' fields leave it to the schema."""

    @property
    def request_input(self) -> type[RequestInput]:
        """The input a request for assistance is submitted with (a subgraph's lets the
        procedure refuse a missing field, with the rule the in-process transport names)."""
        ...

    def caller(self, info: Info) -> Principal:
        """The caller, as both schemas' contexts hold them."""
        principal: Principal = info.context.principal
        return principal

    def refusals(self) -> AbstractContextManager[None]:
        """Around a resolver: a refusal becomes its coded error; an unreachable store
        SOURCE_UNAVAILABLE."""
        ...

    def owned(
        self, info: Info, value: str, type_name: str, field: str
    ) -> tuple[domain.Administration, int]:
        """The owner and local id of the record of `type_name` named `value`, one the caller's
        administration acts on as its owner."""
        ...

    def records(
        self, info: Info, ids: Sequence[str], field: str, *, releasing: bool
    ) -> tuple[domain.Administration, tuple[RecordRef, ...]]:
        """The administration whose records `ids` name, and the records; `releasing`: the
        caller's administration releases them, so they must be its own."""
        ...

    async def partner_entity(
        self, info: Info, value: str, owner: domain.Administration
    ) -> RecordKey:
        """The partner's entity `value` names, which an entity of `owner` is to match."""
        ...

    async def perform(
        self, info: Info, owner: domain.Administration, procedure: Procedure[A]
    ) -> A: ...

    def answer_type(self, record: type) -> Any:
        """The schema's type (nullable or not) for a procedure's answer."""
        ...

    def field(self, declared: "Declared", resolver: Resolver) -> Any:
        """The schema's root field for `declared`, resolved by `resolver`."""
        ...


@dataclass(frozen=True)
class Declared:
    """A procedure's root field: the procedure it carries out (which names the field and its
    scope), its description (printed by a subgraph), and its resolver over a side, named as the
    field is."""

    procedure: type[Procedure[Any]]
    description: str
    resolver: Callable[[Side], Resolver]

    @property
    def scope(self) -> str:
        return self.procedure.scope

    def built(self, side: Side) -> Any:
        resolver = self.resolver(side)
        # The schema's own type for the answer: the resolver returns the source's record.
        resolver.__annotations__["return"] = side.answer_type(self.procedure.answer())
        return side.field(self, resolver)


def request_draft(side: Side, info: Info, value: RequestInput) -> RequestDraft:
    case_id = None
    if value.case_id is not None:
        _, case_id = side.owned(info, value.case_id, "Case", "caseId")
    requested, assistance_type = value.requested_administration, value.assistance_type
    return RequestDraft(
        form=RequestForm(
            requested_administration=None
            if requested is None
            else domain.Administration(requested.value),
            matter=value.matter,
            assistance_type=None if assistance_type is None else assistance_type.value,
            reasons=value.reasons,
            case_description=value.case_description,
            legal_provisions=tuple(value.legal_provisions),
            persons_concerned=tuple((p.name, p.address) for p in value.persons_concerned),
        ),
        case_id=case_id,
        urgency=value.urgency.value,
        oral=value.oral,
    )


# -- the declarations ------------------------------------------------------------------------


def _submit(side: Side) -> Resolver:
    async def submit_assistance_request(
        info: Info, input: AssistanceRequestInput, idempotency_key: str
    ) -> Any:
        with side.refusals():
            draft = request_draft(side, info, input)
            caller = side.caller(info).administration
            return await side.perform(info, caller, SubmitRequest(draft, idempotency_key))

    submit_assistance_request.__annotations__["input"] = side.request_input
    return submit_assistance_request


def _disclose(side: Side) -> Resolver:
    async def disclose_spontaneously(info: Info, input: ReleaseInput, idempotency_key: str) -> Any:
        with side.refusals():
            owner, refs = side.records(info, input.records, "input.records", releasing=True)
            return await side.perform(info, owner, Disclose(input.draft(refs), idempotency_key))

    return disclose_spontaneously


def _revoke(side: Side) -> Resolver:
    async def revoke_release(
        info: Info, id: strawberry.ID, reason: str, idempotency_key: str
    ) -> Any:
        with side.refusals():
            owner, local = side.owned(info, id, "Release", "id")
            return await side.perform(info, owner, RevokeRelease(local, reason, idempotency_key))

    return revoke_release


def _request_consent(side: Side) -> Resolver:
    async def request_consent(info: Info, input: ConsentInput, idempotency_key: str) -> Any:
        with side.refusals():
            owner, refs = side.records(info, input.records, "input.records", releasing=False)
            return await side.perform(
                info, owner, RequestConsent(input.draft(refs), idempotency_key)
            )

    return request_consent


def _decide_consent(side: Side) -> Resolver:
    async def decide_consent(
        info: Info,
        id: strawberry.ID,
        grant: bool,
        idempotency_key: str,
        reason: str | None = None,
    ) -> Any:
        with side.refusals():
            owner, local = side.owned(info, id, "Consent", "id")
            return await side.perform(
                info, owner, DecideConsent(local, grant, reason, idempotency_key)
            )

    return decide_consent


def _record_custody(side: Side) -> Resolver:
    async def record_custody_event(
        info: Info, evidence_id: strawberry.ID, input: CustodyEventInput, idempotency_key: str
    ) -> Any:
        with side.refusals():
            owner, local = side.owned(info, evidence_id, "Evidence", "evidenceId")
            return await side.perform(
                info, owner, RecordCustody(local, input.draft(), idempotency_key)
            )

    return record_custody_event


def _confirm_entity_match(side: Side) -> Resolver:
    async def confirm_entity_match(
        info: Info,
        entity_id: strawberry.ID,
        partner_entity_id: strawberry.ID,
        reason: str,
        idempotency_key: str,
    ) -> Any:
        with side.refusals():
            owner, local = side.owned(info, entity_id, "Entity", "entityId")
            partner = await side.partner_entity(info, partner_entity_id, owner)
            return await side.perform(
                info, owner, ConfirmEntityMatch(local, partner, reason, idempotency_key)
            )

    return confirm_entity_match


PROCEDURE_FIELDS = (
    Declared(
        SubmitRequest,
        "Submit a request for assistance, held by this administration.",
        _submit,
    ),
    Declared(
        Disclose,
        "Release this administration's records on its own initiative.",
        _disclose,
    ),
    Declared(RevokeRelease, "Revoke a release of this administration.", _revoke),
    Declared(
        RequestConsent,
        "Ask this administration's consent to a use of its records.",
        _request_consent,
    ),
    Declared(
        DecideConsent,
        "Grant or refuse a consent request made of this administration.",
        _decide_consent,
    ),
    Declared(
        RecordCustody,
        "Add an event to the chain of custody of this administration's item.",
        _record_custody,
    ),
    Declared(
        ConfirmEntityMatch,
        "Confirm that an entity of this administration is the partner's.",
        _confirm_entity_match,
    ),
)


def procedure_fields(name: str, side: Side) -> type:
    """A strawberry type `name` with the root field of every declared procedure, for
    strawberry.tools.merge_types with the schema's own root fields."""
    return create_type(name, [declared.built(side) for declared in PROCEDURE_FIELDS])
