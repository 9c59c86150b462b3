"""The agreement's procedures, decided in one place (DESIGN.md §5, rules 3 to 6).

- rule 3: a request carries every field the agreement requires; an oral one lapses unless it
  is confirmed in writing within the agreement's period;
- rule 4: refusing, postponing or granting with conditions needs a ground and a reason;
- rule 5: uses that need consent are granted by the owner only;
- rule 6: only the owner releases, revokes, decides consents and records custody.

One state machine decides every transition of an assistance request.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from store.agreement import Agreement
from store.models.domain import Administration, DecisionKind, RequestStatus, Use


class ProcedureViolation(ValueError):
    """An action the agreement does not allow; `field` names the input at fault, if one is."""

    def __init__(self, message: str, rule: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.rule, self.field = message, rule, field


# The same idempotency key with other input (another operation, record or value).
RULE_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def key_reused() -> ProcedureViolation:
    """The refusal of a key already used for a different call. It names nothing of that call:
    the key is the client's own, but what it did stays in the store."""
    return ProcedureViolation(
        "This idempotency key was already used with different input; "
        "use a new key for a new change.",
        rule=RULE_KEY_REUSED,
        field="idempotencyKey",
    )


class Action(StrEnum):
    ACCEPT = "ACCEPT"
    REFUSE = "REFUSE"
    POSTPONE = "POSTPONE"
    ACCEPT_WITH_CONDITIONS = "ACCEPT_WITH_CONDITIONS"
    RESPOND = "RESPOND"
    CONFIRM_IN_WRITING = "CONFIRM_IN_WRITING"
    CLOSE = "CLOSE"


class Side(StrEnum):
    REQUESTER = "REQUESTER"
    REQUESTED = "REQUESTED"


S = RequestStatus
DECIDABLE = (S.SUBMITTED, S.POSTPONED)
TRANSITIONS: dict[tuple[RequestStatus, Action], RequestStatus] = {
    **{(state, Action.ACCEPT): S.ACCEPTED for state in DECIDABLE},
    **{(state, Action.REFUSE): S.REFUSED for state in DECIDABLE},
    **{(state, Action.POSTPONE): S.POSTPONED for state in DECIDABLE},
    **{(state, Action.ACCEPT_WITH_CONDITIONS): S.CONDITIONAL for state in DECIDABLE},
    (S.ACCEPTED, Action.RESPOND): S.ANSWERED,
    (S.CONDITIONAL, Action.RESPOND): S.ANSWERED,
    (S.ANSWERED, Action.RESPOND): S.ANSWERED,
    # An oral request is confirmed in writing whenever the requester gets to it, also after
    # the requested side has acted on it: until then the request lapses (LAPSE_FROM) only
    # while undecided, but its written form is still owed.
    **{
        (state, Action.CONFIRM_IN_WRITING): state
        for state in (S.SUBMITTED, S.POSTPONED, S.ACCEPTED, S.CONDITIONAL, S.ANSWERED)
    },
    (S.SUBMITTED, Action.CLOSE): S.CLOSED,
    (S.POSTPONED, Action.CLOSE): S.CLOSED,
    (S.REFUSED, Action.CLOSE): S.CLOSED,
    (S.ANSWERED, Action.CLOSE): S.CLOSED,
}
ACTED_BY: dict[Action, Side] = {
    Action.ACCEPT: Side.REQUESTED,
    Action.REFUSE: Side.REQUESTED,
    Action.POSTPONE: Side.REQUESTED,
    Action.ACCEPT_WITH_CONDITIONS: Side.REQUESTED,
    Action.RESPOND: Side.REQUESTED,
    Action.CONFIRM_IN_WRITING: Side.REQUESTER,
    Action.CLOSE: Side.REQUESTER,
}
# Where an oral request that was never confirmed in writing lapses.
LAPSE_FROM = (S.SUBMITTED, S.POSTPONED)


def next_status(current: RequestStatus, action: Action) -> RequestStatus:
    """The status after `action`, or ProcedureViolation naming the illegal transition."""
    following = TRANSITIONS.get((current, action))
    if following is None:
        raise ProcedureViolation(
            f"A request that is {current.value} cannot take the action {action.value}.",
            rule="REQUEST_STATE",
            field="status",
        )
    return following


def check_side(action: Action, actor: Administration, requester: Administration) -> None:
    side = Side.REQUESTER if actor is requester else Side.REQUESTED
    if ACTED_BY[action] is not side:
        who = "requesting" if ACTED_BY[action] is Side.REQUESTER else "requested"
        raise ProcedureViolation(
            f"Only the {who} administration can take the action {action.value}.",
            rule="SOURCE_CONTROLS",
        )


def lapse_deadline(submitted_at: datetime, agreement: Agreement) -> datetime:
    return submitted_at + timedelta(days=agreement.oral_request_confirmation_days)


def effective_status(
    status: RequestStatus,
    oral: bool,
    confirmed_in_writing_at: datetime | None,
    submitted_at: datetime,
    now: datetime,
    agreement: Agreement,
) -> RequestStatus:
    """The stored status, or LAPSED for an oral request not confirmed in writing in time."""
    unconfirmed = oral and confirmed_in_writing_at is None
    if unconfirmed and status in LAPSE_FROM and now > lapse_deadline(submitted_at, agreement):
        return S.LAPSED
    return status


def reply_due(submitted_at: datetime, agreement: Agreement) -> datetime:
    return submitted_at + timedelta(days=agreement.reply_deadline_days)


# The fields the agreement requires of every request (form and content of requests).
REQUIRED_REQUEST_FIELDS = (
    ("requested_administration", "requestedAdministration"),
    ("matter", "matter"),
    ("assistance_type", "assistanceType"),
    ("reasons", "reasons"),
    ("case_description", "caseDescription"),
    ("legal_provisions", "legalProvisions"),
)


@dataclass(frozen=True)
class RequestForm:
    requested_administration: Administration | None
    matter: str
    assistance_type: str | None
    reasons: str
    case_description: str
    legal_provisions: tuple[str, ...]
    persons_concerned: tuple[tuple[str, str | None], ...]


def check_request_form(form: RequestForm, requester: Administration) -> None:
    for attribute, field in REQUIRED_REQUEST_FIELDS:
        value = getattr(form, attribute)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if isinstance(value, tuple):
            empty = not value or any(not str(item).strip() for item in value)
        if empty:
            raise ProcedureViolation(
                f"{field} is required by the agreement's form of requests.",
                rule="REQUEST_FORM",
                field=field,
            )
    if form.requested_administration is requester:
        raise ProcedureViolation(
            "A request goes to the other administration.",
            rule="REQUEST_FORM",
            field="requestedAdministration",
        )
    for index, (name, _address) in enumerate(form.persons_concerned):
        if not name.strip():
            raise ProcedureViolation(
                "Each person concerned needs a name.",
                rule="REQUEST_FORM",
                field=f"personsConcerned[{index}].name",
            )


def check_grounds(
    decision: DecisionKind, ground: str | None, reason: str | None, agreement: Agreement
) -> None:
    """Anything but a plain acceptance needs a ground from the agreement's list and a reason;
    a plain acceptance takes no ground (a reason is optional)."""
    if decision is DecisionKind.ACCEPT:
        if ground:
            raise ProcedureViolation(
                f"A decision to {decision.value} takes no ground; grounds are for refusing, "
                "postponing or accepting with conditions.",
                rule="GROUNDS_AND_REASONS",
                field="ground",
            )
        return
    allowed = {
        DecisionKind.REFUSE: agreement.refusal_grounds,
        DecisionKind.POSTPONE: agreement.postponement_grounds,
        DecisionKind.ACCEPT_WITH_CONDITIONS: agreement.condition_grounds,
    }[decision]
    if not ground:
        raise ProcedureViolation(
            f"A decision to {decision.value} needs a ground.",
            rule="GROUNDS_AND_REASONS",
            field="ground",
        )
    if ground not in {item.id for item in allowed}:
        names = ", ".join(item.id for item in allowed)
        raise ProcedureViolation(
            f"The ground for {decision.value} must be one of {names}.",
            rule="GROUNDS_AND_REASONS",
            field="ground",
        )
    if not reason or not reason.strip():
        raise ProcedureViolation(
            f"A decision to {decision.value} needs a reason.",
            rule="GROUNDS_AND_REASONS",
            field="reason",
        )


def check_permitted_uses(uses: tuple[str, ...], agreement: Agreement) -> None:
    """A release may permit only uses that need no consent; the others go through consent."""
    for use in uses:
        if Use(use) in agreement.uses_needing_consent:
            raise ProcedureViolation(
                f"{use} needs the owner's consent; it cannot be a permitted use of a release.",
                rule="CONSENT_FOR_USE",
                field="permittedUses",
            )


def check_consent_use(use: Use, agreement: Agreement) -> None:
    if use not in agreement.uses_needing_consent:
        raise ProcedureViolation(
            f"{use.value} does not need consent.", rule="CONSENT_FOR_USE", field="use"
        )
