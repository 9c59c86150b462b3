"""The agreement's release policy, the one place it is decided (DESIGN.md §5, rules 1, 2, 6).

It is expressed as SQL over the owner's store so that a record the caller may not see never
leaves the owner's database:

- own records: readable with the matching read scope;
- partner records: only for a designated official with the scope, and only those covered by
  an active release of the owner to the caller's administration (unrevoked, unexpired);
- personal data: only where that release includes it and the caller holds `cmaa.pii:read`
  (own personal data needs `cmaa.pii:read` too).

A filter is a read: a predicate over a record's data tells the caller what the data holds,
so a filter looks at data only where the caller could read it in an answer: the listed
record's own columns inside its visible rows, personal data and related records' data only
where `filterable` holds (the same rules as the columns above).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, false, null, or_, select, true
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import ScalarSelect

from auth.principal import Principal
from store.models import Entity, Release, ReleaseItem
from store.models.domain import Administration, EntityKind, RecordType

CASES_READ = "cmaa.cases:read"
ENTITIES_READ = "cmaa.entities:read"
EVIDENCE_READ = "cmaa.evidence:read"
EVIDENCE_CONTENT = "cmaa.evidence:content"
PII_READ = "cmaa.pii:read"
REQUESTS_READ = "cmaa.requests:read"
AUDIT_READ = "cmaa.audit:read"

READ_SCOPE = {
    RecordType.CASE: CASES_READ,
    RecordType.ENTITY: ENTITIES_READ,
    RecordType.EVIDENCE: EVIDENCE_READ,
}

# Personal data is a natural person's: an entity's name, date of birth, address, identifiers.
IS_PERSON = Entity.kind == EntityKind.PERSON.value

# Rule identifiers, as listed in agreement.toml's [[rules]].
RULE_OWN = "OWN_RECORDS"
RULE_PARTNER = "PARTNER_RELEASED"
RULE_SCOPE = "SCOPE"
RULE_SOURCE_CONTROLS = "SOURCE_CONTROLS"


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
        return ReadGrant(owner, principal, permitted=False, rule=RULE_SCOPE)
    if principal.administration is owner:
        return ReadGrant(owner, principal, permitted=True, rule=RULE_OWN)
    # Information goes only to designated officials of the other side.
    return ReadGrant(owner, principal, permitted=principal.designated, rule=RULE_PARTNER)


def record_grant(owner: Administration, principal: Principal, record_type: RecordType) -> ReadGrant:
    return read_grant(owner, principal, READ_SCOPE[record_type])


def _active_release_condition(recipient: Administration, now: datetime) -> ColumnElement[bool]:
    return and_(
        Release.recipient == recipient.value,
        Release.revoked_at.is_(None),
        Release.expires_at > now,
    )


def covering_release(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: datetime,
) -> ScalarSelect[int]:
    """The one active release that hands this record to the caller, as a correlated subquery.

    A record under several active releases is returned once, under the release that gives the
    most: personal data first, then the latest expiry, then the newest.
    """
    return (
        select(Release.id)
        .join(ReleaseItem, ReleaseItem.release_id == Release.id)
        .where(
            ReleaseItem.record_type == record_type.value,
            ReleaseItem.record_id == record_id,
            _active_release_condition(grant.principal.administration, now),
        )
        .order_by(
            Release.includes_personal_data.desc(),
            Release.expires_at.desc(),
            Release.id.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )


def released_to_caller(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: datetime,
) -> ColumnElement[bool]:
    """Whether some active release of the owner covers the record for the caller."""
    if not grant.permitted:
        return false()
    if grant.own:
        return true()
    return _released(record_type, record_id, grant, now)


def _released(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: datetime,
    *conditions: ColumnElement[bool],
) -> ColumnElement[bool]:
    return exists(
        select(ReleaseItem.id)
        .join(Release, ReleaseItem.release_id == Release.id)
        .where(
            ReleaseItem.record_type == record_type.value,
            ReleaseItem.record_id == record_id,
            _active_release_condition(grant.principal.administration, now),
            *conditions,
        )
    )


def personal_data_allowed(grant: ReadGrant) -> ColumnElement[bool]:
    """Whether personal data of a record is released, given the covering release joined as
    `Release` (partner reads) or nothing (own reads)."""
    if not (grant.permitted and grant.pii_scope):
        return false()
    if grant.own:
        return true()
    return Release.includes_personal_data == true()


def personal_data(
    column: ColumnElement | ColumnClause,
    is_personal: ColumnElement[bool],
    grant: ReadGrant,
) -> ColumnElement:
    """The column, or NULL where it is a natural person's data the caller may not read."""
    allowed = personal_data_allowed(grant)
    return case((and_(is_personal, ~allowed), null()), else_=column)


def filterable(
    record_type: RecordType,
    record_id: ColumnClause[int] | ColumnElement[int],
    grant: ReadGrant,
    now: datetime,
    is_personal: ColumnElement[bool] | None = None,
) -> ColumnElement[bool]:
    """Whether a filter may look at a record's data, correlated on record_id: a filter is a
    read, so it may only where the caller could read that data in an answer.

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
    released_with_personal_data = _released(
        record_type, record_id, grant, now, Release.includes_personal_data == true()
    )
    return or_(and_(visible, ~is_personal), released_with_personal_data)
