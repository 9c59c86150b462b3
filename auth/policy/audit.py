"""What the owner's audit log records of a read, a procedure and a refusal (rule AUDIT).

Every access to partner records and every change is one entry in the owner's log, naming the
caller, the operation, the decision and the rule that decided it. An audit log itself is read
by its own administration's officials only: it is never released.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from auth.policy.release import ReadGrant
from auth.policy.rules import Rule
from auth.policy.scopes import AUDIT_READ
from auth.principal import Principal
from store.audit import AuditEntry
from store.models.domain import Administration, AuditDecision


def audit_grant(owner: Administration, principal: Principal) -> ReadGrant:
    """An audit log is read by its own administration's officials only: never released."""
    if AUDIT_READ not in principal.scopes:
        return ReadGrant(owner, principal, permitted=False, rule=Rule.SCOPE)
    if principal.administration is owner:
        return ReadGrant(owner, principal, permitted=True, rule=Rule.OWN_RECORDS)
    return ReadGrant(owner, principal, permitted=False, rule=Rule.AUDIT)


def _entry(
    principal: Principal,
    operation: str,
    now: datetime,
    decision: AuditDecision,
    rule: str,
    **rest: Any,
) -> AuditEntry:
    return AuditEntry(
        at=now,
        actor_administration=principal.administration.value,
        subject=principal.subject,
        client_id=principal.client_id,
        scopes=tuple(sorted(principal.scopes)),
        operation=operation,
        decision=decision.value,
        rule=str(rule),
        **rest,
    )


def refused_read(grant: ReadGrant, names: tuple[str, ...], withheld: list[str]) -> bool:
    """Whether a read was a refused attempt: not granted, or asking by id and getting none."""
    return not grant.permitted or bool(withheld and not names)


def read_entry(
    grant: ReadGrant,
    operation: str,
    now: datetime,
    names: tuple[str, ...],
    release_ids: Sequence[int],
    withheld: list[str],
    probed: tuple[str, ...] = (),
) -> AuditEntry:
    """A read of partner records: the records returned, the releases they came under, and
    those asked for by id but withheld. Of a refused attempt, `probed` names the owner's
    existing records it asked for: the owner sees what was probed, the caller learns nothing
    (its answer was decided before, the same as for an id that names nothing)."""
    refused = refused_read(grant, names, withheld)
    return _entry(
        grant.principal,
        operation,
        now,
        AuditDecision.DENY if refused else AuditDecision.PERMIT,
        grant.rule,
        record_ids=names + probed if refused else names,
        release_ids=tuple(release_ids),
        detail={"withheld": withheld} if withheld else {},
    )


def procedure_entry(
    principal: Principal, operation: str, now: datetime, record: tuple[str, int]
) -> AuditEntry:
    """A procedure carried out: the record it created or changed."""
    return _entry(
        principal,
        operation,
        now,
        AuditDecision.PERMIT,
        Rule.PROCEDURE,
        record_ids=(f"{record[0]}:{record[1]}",),
    )


def refusal_entry(
    principal: Principal, operation: str, now: datetime, rule: str, message: str, field: str | None
) -> AuditEntry:
    """A partner's refused procedure: it leaves no change behind, only this entry."""
    return _entry(
        principal,
        operation,
        now,
        AuditDecision.DENY,
        rule,
        detail={"refused": message, "field": field},
    )
