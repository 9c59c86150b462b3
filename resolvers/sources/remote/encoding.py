"""The source's filters and positions as the subgraph's GraphQL variables."""

from datetime import datetime
from typing import Any

from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.records import PageRequest
from resolvers.subgraph.cursors import encode_cursor
from store.identifiers import Identifier


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
