"""List arguments of the subgraph, and their translation into the source's filters.

The shared part of each filter, and its normalisation, is resolvers.vocabulary.inputs'; the
subgraph adds the matching probe and names a logged record as the log does.
"""

import strawberry

from resolvers.errors import BadUserInput
from resolvers.sources.filters import CaseFilter, MatchProbe, RequestFilter
from resolvers.vocabulary import inputs as shared
from resolvers.vocabulary.enums import CaseStatus, IdentifierType, RequestStatus
from resolvers.vocabulary.inputs import LOGGED_RECORD, EntityFilter, entity_filter
from store.audit import AuditTrailFilter

__all__ = ["EntityFilter", "entity_filter"]

MAX_PROBE_KEYS = 100


@strawberry.input(name="CaseFilter")
class CaseFilterInput(shared.CaseFilterFields):
    statuses: list[CaseStatus] | None = None


@strawberry.input(description="An identifier in its matching form (type and normalised value).")
class IdentifierKeyInput:
    type: IdentifierType
    normalised: str


@strawberry.input(
    name="MatchProbe",
    description="What an entity is known by, to find the same entity among this owner's.",
)
class MatchProbeInput:
    identifiers: list[IdentifierKeyInput] | None = None
    name_keys: list[str] | None = None


@strawberry.input(name="AssistanceRequestFilter")
class RequestFilterInput(shared.RequestFilterFields):
    statuses: list[RequestStatus] | None = None


@strawberry.input(
    name="AuditTrailFilter", description="Entries to look for; every condition given must hold."
)
class AuditTrailFilterInput(shared.AuditTrailFilterFields):
    record_id: str | None = strawberry.field(
        default=None, description="A record as the log names it: type:local id."
    )


def case_filter(value: CaseFilterInput | None) -> CaseFilter:
    return shared.case_filter(value, None if value is None else value.statuses)


def request_filter(value: RequestFilterInput | None) -> RequestFilter:
    return shared.request_filter(value, None if value is None else value.statuses)


def match_probe(value: MatchProbeInput) -> MatchProbe:
    identifiers = value.identifiers or []
    name_keys = value.name_keys or []
    if len(identifiers) > MAX_PROBE_KEYS or len(name_keys) > MAX_PROBE_KEYS:
        raise BadUserInput(f"At most {MAX_PROBE_KEYS} keys of each kind.", field="probe")
    for key in (*name_keys, *(identifier.normalised for identifier in identifiers)):
        shared.text(key, "probe")
    return MatchProbe(
        identifiers=tuple((key.type.value, key.normalised) for key in identifiers),
        name_keys=tuple(name_keys),
    )


def audit_filter(value: AuditTrailFilterInput | None) -> AuditTrailFilter:
    if value is None:
        return AuditTrailFilter()
    record_id = shared.text(value.record_id, "filter.recordId")
    if record_id is not None and not LOGGED_RECORD.match(record_id):
        raise BadUserInput("Name a record as the log does: type:local id.", field="filter.recordId")
    return shared.audit_filter(value, record_id)
