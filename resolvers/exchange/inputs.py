"""Filter inputs of the exchange schema, and their translation into source filters.

The shared part of each filter, and its normalisation, is resolvers.vocabulary.inputs'; the
exchange adds what it alone decides: which administrations' sources a case list reads.
"""

import strawberry

from resolvers.errors import BadUserInput
from resolvers.sources.filters import CaseFilter as CaseFilterValue
from resolvers.sources.filters import RequestFilter as RequestFilterValue
from resolvers.vocabulary import inputs as shared
from resolvers.vocabulary.enums import Administration, CaseStatus, RequestStatus
from resolvers.vocabulary.inputs import EntityFilter, IdentifierInput, entity_filter

__all__ = ["EntityFilter", "IdentifierInput", "entity_filter"]


@strawberry.input
class CaseFilter(shared.CaseFilterFields):
    status: list[CaseStatus] | None = None
    owners: list[Administration] | None = strawberry.field(
        default=None,
        description="Only cases held by these administrations; both when absent.",
    )


@strawberry.input
class AssistanceRequestFilter(shared.RequestFilterFields):
    status: list[RequestStatus] | None = None


def case_filter(value: CaseFilter | None) -> CaseFilterValue:
    return shared.case_filter(value, None if value is None else value.status)


def case_owners(value: CaseFilter | None) -> list[Administration] | None:
    """The administrations whose cases to list, sorted and once each; None for both.

    The choice of sources is the exchange's, not a source filter: each source holds one
    administration's records.
    """
    if value is None or value.owners is None:
        return None
    if not value.owners:
        raise BadUserInput(
            "owners must name at least one administration; leave it out for both.",
            field="filter.owners",
        )
    owners = sorted(set(value.owners))
    # Both, however spelled, is the unfiltered list: the same cursors serve it.
    return None if owners == sorted(Administration) else owners


def request_filter(value: AssistanceRequestFilter | None) -> RequestFilterValue:
    return shared.request_filter(value, None if value is None else value.status)
