"""A filter is a read (rule PERSONAL_DATA, rule PARTNER_RELEASED): a predicate over a record's
data tells the caller what the data holds, whether or not the record is then shown. So a
filter looks at data only where the caller could read it in an answer: the listed record's
own columns inside its visible rows, and personal data or a related record's data only where
`filterable` holds, under the same rules as the columns themselves.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, true
from sqlalchemy.sql.elements import ColumnClause
from sqlmodel import col

from auth.policy.release import ReadGrant, released_to_caller, released_under
from store.models import Release
from store.models.domain import RecordType


def filterable(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: datetime,
    is_personal: ColumnElement[bool] | None = None,
) -> ColumnElement[bool]:
    """Whether a filter may look at a record's data, correlated on record_id.

    The record must be visible to the caller (`released_to_caller`) and, where `is_personal`
    holds (a natural person's data), its personal data readable: the caller holds
    `cmaa.pii:read` and, for a partner's record, an active release of it includes personal
    data (the release `covering_release` picks, which prefers such a release, so this agrees
    with `personal_data` column for column). A filter on the listed record's own columns that
    are not personal data runs inside `visible_rows` already; anything else a filter looks at
    (personal data, a related record's data) goes through here, so it sees no more than the
    fields would show.
    """
    visible = released_to_caller(record_type, record_id, grant, now)
    if is_personal is None:
        return visible
    if not (grant.permitted and grant.pii_scope):
        return and_(visible, ~is_personal)
    if grant.own:
        return visible
    released_with_personal_data = released_under(
        record_type, record_id, grant, now, col(Release.includes_personal_data) == true()
    )
    return or_(and_(visible, ~is_personal), released_with_personal_data)
