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

from auth.policy.rules import Rule, refusal_of
from auth.principal import Principal
from store.agreement import Agreement
from store.models.domain import Administration, ConsentStatus, DecisionKind, RequestStatus, Use


class ProcedureViolation(ValueError):
    """An action the agreement does not allow; `field` names the input at fault, if one is."""

    def __init__(
        self, message: str, rule: str, field: str | None = None, *, key_reused: bool = False
    ) -> None:
        super().__init__(message)
        # A rule of the agreement (auth.policy.rules.Rule); a partner's answer may name one
        # this side does not know, so it is kept as the text it came as.
        self.message, self.rule, self.field = message, str(rule), field
        self.refusal = refusal_of(self.rule, key_reused=key_reused)


def key_reused() -> ProcedureViolation:
    """The refusal of a key already used for a different call (another operation, record or
    input). It names nothing of that call: the key is the client's own, but what it did stays
    in the store."""
    return ProcedureViolation(
        "This idempotency key was already used with different input; "
        "use a new key for a new change.",
        rule=Rule.IDEMPOTENCY,
        field="idempotencyKey",
        key_reused=True,
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


def check_owner(principal: Principal, owner: Administration) -> None:
    """Only the owner releases, revokes, decides, records custody or links its records."""
    if principal.administration is not owner:
        raise ProcedureViolation(
            "Only the owning administration can do this.", rule=Rule.SOURCE_CONTROLS
        )


def next_status(current: RequestStatus, action: Action) -> RequestStatus:
    """The status after `action`, or ProcedureViolation naming the illegal transition."""
    following = TRANSITIONS.get((current, action))
    if following is None:
        raise ProcedureViolation(
            f"A request that is {current.value} cannot take the action {action.value}.",
            rule=Rule.REQUEST_STATE,
            field="status",
        )
    return following


def check_side(action: Action, actor: Administration, requester: Administration) -> None:
    side = Side.REQUESTER if actor is requester else Side.REQUESTED
    if ACTED_BY[action] is not side:
        who = "requesting" if ACTED_BY[action] is Side.REQUESTER else "requested"
        raise ProcedureViolation(
            f"Only the {who} administration can take the action {action.value}.",
            rule=Rule.SOURCE_CONTROLS,
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
                rule=Rule.REQUEST_FORM,
                field=field,
            )
    if form.requested_administration is requester:
        raise ProcedureViolation(
            "A request goes to the other administration.",
            rule=Rule.REQUEST_FORM,
            field="requestedAdministration",
        )
    for index, (name, _address) in enumerate(form.persons_concerned):
        if not name.strip():
            raise ProcedureViolation(
                "Each person concerned needs a name.",
                rule=Rule.REQUEST_FORM,
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
                rule=Rule.GROUNDS_AND_REASONS,
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
            rule=Rule.GROUNDS_AND_REASONS,
            field="ground",
        )
    if ground not in {item.id for item in allowed}:
        names = ", ".join(item.id for item in allowed)
        raise ProcedureViolation(
            f"The ground for {decision.value} must be one of {names}.",
            rule=Rule.GROUNDS_AND_REASONS,
            field="ground",
        )
    if not reason or not reason.strip():
        raise ProcedureViolation(
            f"A decision to {decision.value} needs a reason.",
            rule=Rule.GROUNDS_AND_REASONS,
            field="reason",
        )


def check_permitted_uses(uses: tuple[str, ...], agreement: Agreement) -> None:
    """A release may permit only uses that need no consent; the others go through consent."""
    for use in uses:
        if Use(use) in agreement.uses_needing_consent:
            raise ProcedureViolation(
                f"{use} needs the owner's consent; it cannot be a permitted use of a release.",
                rule=Rule.CONSENT_FOR_USE,
                field="permittedUses",
            )


def check_consent_use(use: Use, agreement: Agreement) -> None:
    if use not in agreement.uses_needing_consent:
        raise ProcedureViolation(
            f"{use.value} does not need consent.", rule=Rule.CONSENT_FOR_USE, field="use"
        )


# -- the checks of each procedure, on what the owner's store holds ---------------------------


def _require(condition: bool, message: str, rule: Rule, field: str | None = None) -> None:
    if not condition:
        raise ProcedureViolation(message, rule=rule, field=field)


def check_exists(found: bool, what: str) -> None:
    """A record the caller names but the owner's store does not hold (or may not show)."""
    _require(found, f"No such {what}.", Rule.NOT_FOUND, "id")


def check_request_case(found: bool) -> None:
    _require(
        found, "caseId names no case of the requesting administration.", Rule.REQUEST_FORM, "caseId"
    )


def check_confirmable(oral: bool, confirmed_in_writing_at: datetime | None) -> None:
    _require(
        oral and confirmed_in_writing_at is None,
        "Only an oral request not yet confirmed can be confirmed in writing.",
        Rule.REQUEST_FORM,
        "id",
    )


def check_partner_report(reporter: Administration, requested: Administration) -> None:
    """The requester's store takes decisions on a request from its requested side only."""
    _require(
        reporter is requested,
        "Only the requested administration reports decisions on this request.",
        Rule.SOURCE_CONTROLS,
    )


def check_takes_decisions(current: RequestStatus) -> None:
    _require(
        current not in (RequestStatus.LAPSED, RequestStatus.CLOSED),
        f"The request is {current.value}; it no longer takes decisions.",
        Rule.REQUEST_STATE,
        "status",
    )


def check_decision(
    requested: Administration,
    owner: Administration,
    decision: DecisionKind,
    ground: str | None,
    reason: str | None,
    conditions: tuple[str, ...],
    agreement: Agreement,
) -> None:
    _require(
        requested is owner,
        "The request is not addressed to this administration.",
        Rule.SOURCE_CONTROLS,
    )
    check_grounds(decision, ground, reason, agreement)
    if decision is DecisionKind.ACCEPT_WITH_CONDITIONS:
        _require(
            bool(conditions) and all(c.strip() for c in conditions),
            "Granting with conditions needs at least one condition.",
            Rule.GROUNDS_AND_REASONS,
            "conditions",
        )


def check_release_terms(
    purpose: str,
    expires_at: datetime,
    permitted_uses: tuple[str, ...],
    now: datetime,
    agreement: Agreement,
) -> None:
    check_permitted_uses(permitted_uses, agreement)
    _require(purpose.strip() != "", "A release states its purpose.", Rule.REQUEST_FORM, "purpose")
    _require(
        expires_at > now, "A release must expire in the future.", Rule.REQUEST_FORM, "expiresAt"
    )


def check_records_named(count: int) -> None:
    _require(count > 0, "Name at least one record.", Rule.SOURCE_CONTROLS, "records")


def check_own_record(found: bool, index: int) -> None:
    """Only the owner releases a record: one its store does not hold is not its own."""
    _require(
        found,
        "Only the owner releases a record, and only its own records.",
        Rule.SOURCE_CONTROLS,
        f"records[{index}]",
    )


def check_revocation(revoked_at: datetime | None, reason: str) -> None:
    _require(revoked_at is None, "The release is already revoked.", Rule.REQUEST_STATE, "id")
    _require(reason.strip() != "", "A revocation states its reason.", Rule.REQUEST_FORM, "reason")


def check_consent_request(
    asker: Administration,
    owner: Administration,
    use: Use,
    purpose: str,
    record_count: int,
    agreement: Agreement,
) -> None:
    _require(
        asker is not owner,
        "Consent is asked of the partner that owns the records.",
        Rule.CONSENT_FOR_USE,
    )
    check_consent_use(use, agreement)
    _require(purpose.strip() != "", "State the purpose.", Rule.REQUEST_FORM, "purpose")
    _require(record_count > 0, "Name at least one record.", Rule.CONSENT_FOR_USE, "records")


def check_consent_covered(released: bool, index: int) -> None:
    """Consent is asked only for records an active release hands to the asker."""
    _require(
        released,
        "Consent can only be asked for records released to you.",
        Rule.CONSENT_FOR_USE,
        f"records[{index}]",
    )


def check_consent_decider(decider: Administration, owner: Administration) -> None:
    _require(
        decider is owner, "Only the owner of the records decides on consent.", Rule.SOURCE_CONTROLS
    )


def check_consent_decision(status: str, grant: bool, reason: str | None) -> None:
    _require(
        status == ConsentStatus.PENDING.value,
        f"The consent request is already {status}.",
        Rule.REQUEST_STATE,
        "id",
    )
    if not grant:
        _require(
            bool(reason and reason.strip()),
            "A refusal states its reason.",
            Rule.GROUNDS_AND_REASONS,
            "reason",
        )


def check_custody_event(
    from_holder: str,
    to_holder: str,
    purpose: str,
    at: datetime,
    now: datetime,
    last_at: datetime | None,
) -> None:
    for field, value in (
        ("fromHolder", from_holder),
        ("toHolder", to_holder),
        ("purpose", purpose),
    ):
        _require(value.strip() != "", f"{field} is required.", Rule.REQUEST_FORM, field)
    _require(at <= now, "A custody event cannot be in the future.", Rule.REQUEST_FORM, "at")
    # A chain of custody is told in order: an event cannot precede the one before it.
    _require(
        last_at is None or at >= last_at,
        "A custody event cannot be dated before the last one in the chain.",
        Rule.REQUEST_FORM,
        "at",
    )


def check_return(return_due: datetime | None, returned_at: datetime | None) -> None:
    _require(return_due is not None, "Only an original is returned.", Rule.REQUEST_FORM, "returned")
    _require(
        returned_at is None, "This original was already returned.", Rule.REQUEST_STATE, "returned"
    )


def check_entity_match(own_entity: bool, reason: str) -> None:
    _require(
        own_entity,
        "entityId must name an entity of your own administration.",
        Rule.SOURCE_CONTROLS,
        "entityId",
    )
    _require(
        reason.strip() != "", "A confirmed match states its reason.", Rule.REQUEST_FORM, "reason"
    )
