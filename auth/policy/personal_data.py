"""Personal data (rule PERSONAL_DATA): a natural person's data is read only where the release
that hands the record over includes it and the caller holds `cmaa.pii:read`; own personal data
needs `cmaa.pii:read` too. Decided per column in the owner's query, so withheld personal data
never leaves the owner's store.
"""

from sqlalchemy import ColumnElement, and_, case, false, null, true
from sqlalchemy.sql.elements import ColumnClause
from sqlmodel import col

from auth.policy.release import ReadGrant
from store.models import Entity, Release
from store.models.domain import EntityKind

# Personal data is a natural person's: an entity's name, date of birth, address, identifiers.
IS_PERSON = col(Entity.kind) == EntityKind.PERSON.value


def personal_data_allowed(grant: ReadGrant) -> ColumnElement[bool]:
    """Whether personal data of a record is released, given the covering release joined as
    `Release` (partner reads) or nothing (own reads)."""
    if not (grant.permitted and grant.pii_scope):
        return false()
    if grant.own:
        return true()
    return col(Release.includes_personal_data) == true()


def personal_data(
    column: ColumnElement | ColumnClause,
    is_personal: ColumnElement[bool],
    grant: ReadGrant,
) -> ColumnElement:
    """The column, or NULL where it is a natural person's data the caller may not read."""
    allowed = personal_data_allowed(grant)
    return case((and_(is_personal, ~allowed), null()), else_=column)
