"""The agreement's release policy, the one place it is decided (DESIGN.md §5, rules 1, 2, 6).

It is expressed as SQL over the owner's store so that a record the caller may not see never
leaves the owner's database:

- own records: readable with the matching read scope;
- partner records: only for a designated official with the scope, and only those covered by
  an active release of the owner to the caller's administration (unrevoked, unexpired);
- personal data: only where that release includes it (auth.policy.personal_data).

A filter is a read (auth.policy.filters): a predicate over a record's data tells the caller
what the data holds, so it looks at data only where the caller could read it in an answer.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import col

from auth.policy.rules import Rule
from auth.policy.scopes import CASES_READ, ENTITIES_READ, EVIDENCE_READ, PII_READ
from auth.principal import Principal
from store.models import Release, ReleaseItem
from store.models.domain import Administration, RecordType

# The time a read is decided at: a value, or the bound parameter of a statement kept per shape
# of grant (resolvers.sources.in_process.shapes), given its value on every read.
Moment = datetime | ColumnElement[datetime]

READ_SCOPE = {
    RecordType.CASE: CASES_READ,
    RecordType.ENTITY: ENTITIES_READ,
    RecordType.EVIDENCE: EVIDENCE_READ,
}


@dataclass(frozen=True, slots=True)
class ReadGrant:
    """What the owner's policy lets one caller read of one kind of the owner's records."""

    owner: Administration
    principal: Principal
    permitted: bool
    rule: str

    @property
    def own(self) -> bool:
        return self.principal.administration is self.owner

    @property
    def pii_scope(self) -> bool:
        return PII_READ in self.principal.scopes


def read_grant(owner: Administration, principal: Principal, scope: str) -> ReadGrant:
    if scope not in principal.scopes:
        return ReadGrant(owner, principal, permitted=False, rule=Rule.SCOPE)
    if principal.administration is owner:
        return ReadGrant(owner, principal, permitted=True, rule=Rule.OWN_RECORDS)
    # Information goes only to designated officials of the other side.
    return ReadGrant(owner, principal, permitted=principal.designated, rule=Rule.PARTNER_RELEASED)


def record_grant(owner: Administration, principal: Principal, record_type: RecordType) -> ReadGrant:
    return read_grant(owner, principal, READ_SCOPE[record_type])


def _active_release_condition(recipient: Administration, now: Moment) -> ColumnElement[bool]:
    return and_(
        col(Release.recipient) == recipient.value,
        col(Release.revoked_at).is_(None),
        col(Release.expires_at) > now,
    )


def covering_release(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: Moment,
) -> ScalarSelect[int]:
    """The one active release that hands this record to the caller, as a correlated subquery.

    A record under several active releases is returned once, under the release that gives the
    most: personal data first, then the latest expiry, then the newest.
    """
    return (
        select(col(Release.id))
        .join(ReleaseItem, col(ReleaseItem.release_id) == col(Release.id))
        .where(
            col(ReleaseItem.record_type) == record_type.value,
            col(ReleaseItem.record_id) == record_id,
            _active_release_condition(grant.principal.administration, now),
        )
        .order_by(
            col(Release.includes_personal_data).desc(),
            col(Release.expires_at).desc(),
            col(Release.id).desc(),
        )
        .limit(1)
        .scalar_subquery()
    )


def released_to_caller(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: Moment,
) -> ColumnElement[bool]:
    """Whether some active release of the owner covers the record for the caller."""
    if not grant.permitted:
        return false()
    if grant.own:
        return true()
    return released_under(record_type, record_id, grant, now)


def released_under(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: Moment,
    *conditions: ColumnElement[bool],
) -> ColumnElement[bool]:
    """Whether an active release of the owner to the caller's administration, meeting
    `conditions` too, covers the record (a partner's read; correlated on record_id)."""
    return exists(
        select(col(ReleaseItem.id))
        .join(Release, col(ReleaseItem.release_id) == col(Release.id))
        .where(
            col(ReleaseItem.record_type) == record_type.value,
            col(ReleaseItem.record_id) == record_id,
            _active_release_condition(grant.principal.administration, now),
            *conditions,
        )
    )
