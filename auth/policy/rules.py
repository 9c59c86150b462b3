"""The agreement's rules by id: each member is one `[[rules]]` entry of agreement.toml.

Every permit and refusal names the rule that decided it: in the audit log (`rule`) and in a
refused call's `extensions.rule`. How a refusal reads to the caller follows from its rule: a
record the caller may not know of is NOT_FOUND, an act the caller may not perform is
FORBIDDEN, anything else is input to correct (BAD_USER_INPUT).
"""

from enum import StrEnum


class Rule(StrEnum):
    OWN_RECORDS = "OWN_RECORDS"
    PARTNER_RELEASED = "PARTNER_RELEASED"
    PERSONAL_DATA = "PERSONAL_DATA"
    REQUEST_FORM = "REQUEST_FORM"
    GROUNDS_AND_REASONS = "GROUNDS_AND_REASONS"
    CONSENT_FOR_USE = "CONSENT_FOR_USE"
    SOURCE_CONTROLS = "SOURCE_CONTROLS"
    AUDIT = "AUDIT"
    SCOPE = "SCOPE"
    DESIGNATED = "DESIGNATED"
    REQUEST_STATE = "REQUEST_STATE"
    IDEMPOTENCY = "IDEMPOTENCY"
    NOT_FOUND = "NOT_FOUND"
    PROCEDURE = "PROCEDURE"


class Refusal(StrEnum):
    """How a refusal under a rule reads to the caller (its `extensions.code`)."""

    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    # An idempotency key used before for another call (rule IDEMPOTENCY): the one refusal
    # that reads otherwise than its rule's other refusals, since a retry must not mistake it.
    KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


FORBIDDING = frozenset({Rule.SCOPE, Rule.DESIGNATED, Rule.SOURCE_CONTROLS})


def refusal_of(rule: str, *, key_reused: bool = False) -> Refusal:
    """The refusal a rule's violation is; a rule this side does not know is input to correct."""
    if key_reused and rule == Rule.IDEMPOTENCY:
        return Refusal.KEY_REUSED
    if rule == Rule.NOT_FOUND:
        return Refusal.NOT_FOUND
    if rule in FORBIDDING:
        return Refusal.FORBIDDEN
    return Refusal.BAD_USER_INPUT
