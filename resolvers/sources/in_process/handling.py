"""The handling block of a record: the owner's own conditions, or those of its release."""

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from auth.policy.release import ReadGrant
from resolvers.sources.records import GrantedConsent, Handling, ReleaseRef
from store.models import Release
from store.models._base import as_utc
from store.models.domain import Use

T = TypeVar("T")
ALL_USES = tuple(use.value for use in Use)

# Selected beside a partner record: the release it came under.
RELEASE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    col(Release.id).label("release_id"),
    col(Release.basis).label("release_basis"),
    col(Release.request_reference).label("release_request_reference"),
    col(Release.purpose).label("release_purpose"),
    col(Release.includes_personal_data).label("release_pii"),
    col(Release.permitted_uses).label("release_permitted_uses"),
    col(Release.consent_required_for).label("release_consent_required_for"),
    col(Release.conditions).label("release_conditions"),
    col(Release.expires_at).label("release_expires_at"),
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


def present(value: T | None) -> T:
    """A NOT NULL column's value (sqlmodel types a model's columns as optional)."""
    if value is None:
        raise ValueError("a NOT NULL column was read as NULL")
    return value


def utc_present(moment: datetime | None) -> datetime:
    """A NOT NULL timestamp, in UTC."""
    return present(as_utc(moment))
