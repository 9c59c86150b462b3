"""The handling block of a record: the owner's own conditions, or those of its release."""

from datetime import datetime
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from auth.policy.release import ReadGrant
from resolvers.sources.records import GrantedConsent, Handling, ReleaseRef
from store.models import Release
from store.models._base import as_utc
from store.models.domain import Use

ALL_USES = tuple(use.value for use in Use)

# Selected beside a partner record: the release it came under.
RELEASE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    Release.id.label("release_id"),
    Release.basis.label("release_basis"),
    Release.request_reference.label("release_request_reference"),
    Release.purpose.label("release_purpose"),
    Release.includes_personal_data.label("release_pii"),
    Release.permitted_uses.label("release_permitted_uses"),
    Release.consent_required_for.label("release_consent_required_for"),
    Release.conditions.label("release_conditions"),
    Release.expires_at.label("release_expires_at"),
)


def handling_of(row: Any, grant: ReadGrant, consents: tuple[GrantedConsent, ...] = ()) -> Handling:
    """Build the handling block from a row carrying `marking`, `tlp` and, for partner reads,
    the RELEASE_COLUMNS; `consents` are the granted consents covering the record."""
    if grant.own:
        return Handling(
            owner=grant.owner,
            marking=row.marking,
            tlp=row.tlp,
            permitted_uses=ALL_USES,
            consent_required_for=(),
            conditions=(),
            released_under=None,
            expires_at=None,
            consents=consents,
        )
    return Handling(
        owner=grant.owner,
        marking=row.marking,
        tlp=row.tlp,
        permitted_uses=tuple(row.release_permitted_uses),
        consent_required_for=tuple(row.release_consent_required_for),
        conditions=tuple(row.release_conditions),
        released_under=ReleaseRef(
            id=row.release_id,
            basis=row.release_basis,
            request_reference=row.release_request_reference,
            purpose=row.release_purpose,
            includes_personal_data=bool(row.release_pii),
        ),
        expires_at=as_utc(row.release_expires_at),
        consents=consents,
    )


def release_id_of(row: Any, grant: ReadGrant) -> int | None:
    return None if grant.own else int(row.release_id)


def utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment)
