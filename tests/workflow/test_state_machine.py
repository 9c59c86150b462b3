"""The one state machine of assistance requests: every (status, action) pair in the unit,
who may take each action, when an oral request lapses; and the same through the API."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from auth.policy.procedures import (
    ACTED_BY,
    TRANSITIONS,
    Action,
    ProcedureViolation,
    Side,
    check_grounds,
    check_side,
    effective_status,
    next_status,
)
from store.agreement import load_agreement
from store.models.domain import Administration, DecisionKind, RequestStatus
from tests.workflow.support import (
    CLOSE,
    CONFIRM,
    DECIDE,
    REQUEST_BY_ID,
    US,
    UZ,
    World,
    backdate,
    decision_input,
    extensions_of,
    local_id,
    new_key,
    reach,
    respond,
    submit,
)

S, A = RequestStatus, Action
# The agreement's procedure as the design states it: a request is decided (accepted,
# refused, postponed, or granted with conditions) while submitted or postponed; an accepted
# or conditional one is answered, and may be answered again; the requester confirms an oral
# request in writing while it is still open to a decision, and closes it unless it is being
# executed. LAPSED and CLOSED are final.
EXPECTED: dict[tuple[RequestStatus, Action], RequestStatus] = {
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.REFUSE): S.REFUSED,
    (S.SUBMITTED, A.POSTPONE): S.POSTPONED,
    (S.SUBMITTED, A.ACCEPT_WITH_CONDITIONS): S.CONDITIONAL,
    (S.POSTPONED, A.ACCEPT): S.ACCEPTED,
    (S.POSTPONED, A.REFUSE): S.REFUSED,
    (S.POSTPONED, A.POSTPONE): S.POSTPONED,
    (S.POSTPONED, A.ACCEPT_WITH_CONDITIONS): S.CONDITIONAL,
    (S.ACCEPTED, A.RESPOND): S.ANSWERED,
    (S.CONDITIONAL, A.RESPOND): S.ANSWERED,
    (S.ANSWERED, A.RESPOND): S.ANSWERED,
    (S.SUBMITTED, A.CONFIRM_IN_WRITING): S.SUBMITTED,
    (S.POSTPONED, A.CONFIRM_IN_WRITING): S.POSTPONED,
    (S.ACCEPTED, A.CONFIRM_IN_WRITING): S.ACCEPTED,
    (S.CONDITIONAL, A.CONFIRM_IN_WRITING): S.CONDITIONAL,
    (S.ANSWERED, A.CONFIRM_IN_WRITING): S.ANSWERED,
    (S.SUBMITTED, A.CLOSE): S.CLOSED,
    (S.POSTPONED, A.CLOSE): S.CLOSED,
    (S.REFUSED, A.CLOSE): S.CLOSED,
    (S.ANSWERED, A.CLOSE): S.CLOSED,
}
EVERY_PAIR = [
    pytest.param(state, action, id=f"{state.value}-{action.value}")
    for state in RequestStatus
    for action in Action
]


def test_the_transitions_are_the_agreement_procedure() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("state", "action"), EVERY_PAIR)
def test_next_status_of_every_status_and_action(state: RequestStatus, action: Action) -> None:
    if (state, action) in TRANSITIONS:
        assert next_status(state, action) is TRANSITIONS[(state, action)]
        return
    with pytest.raises(ProcedureViolation) as refused:
        next_status(state, action)
    assert (refused.value.rule, refused.value.field) == ("REQUEST_STATE", "status")
    assert state.value in refused.value.message
    assert action.value in refused.value.message


REQUESTED_ACTIONS = {A.ACCEPT, A.REFUSE, A.POSTPONE, A.ACCEPT_WITH_CONDITIONS, A.RESPOND}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("requester", list(Administration))
@pytest.mark.parametrize("side", list(Side))
def test_check_side_for_every_action(action: Action, requester: Administration, side: Side) -> None:
    actor = requester if side is Side.REQUESTER else requester.partner
    expected = Side.REQUESTED if action in REQUESTED_ACTIONS else Side.REQUESTER
    assert ACTED_BY[action] is expected
    if side is expected:
        check_side(action, actor, requester)
        return
    with pytest.raises(ProcedureViolation) as refused:
        check_side(action, actor, requester)
    assert refused.value.rule == "SOURCE_CONTROLS"


AGREEMENT = load_agreement()
SUBMITTED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PERIOD = timedelta(days=AGREEMENT.oral_request_confirmation_days)
MOMENTS = {
    "within": SUBMITTED_AT + PERIOD - timedelta(seconds=1),
    "at-deadline": SUBMITTED_AT + PERIOD,
    "past": SUBMITTED_AT + PERIOD + timedelta(seconds=1),
}


@pytest.mark.parametrize("status", list(RequestStatus))
@pytest.mark.parametrize("oral", [True, False])
@pytest.mark.parametrize("confirmed", [True, False])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_effective_status(status: RequestStatus, oral: bool, confirmed: bool, moment: str) -> None:
    confirmed_at = SUBMITTED_AT + timedelta(days=1) if confirmed else None
    found = effective_status(status, oral, confirmed_at, SUBMITTED_AT, MOMENTS[moment], AGREEMENT)
    lapses = (
        oral
        and not confirmed
        and moment == "past"
        and status in (RequestStatus.SUBMITTED, RequestStatus.POSTPONED)
    )
    assert found is (RequestStatus.LAPSED if lapses else status)


def test_the_confirmation_period_is_the_agreement_setting() -> None:
    longer = replace(AGREEMENT, oral_request_confirmation_days=30)
    moment = SUBMITTED_AT + timedelta(days=20)
    assert effective_status(S.SUBMITTED, True, None, SUBMITTED_AT, moment, AGREEMENT) is S.LAPSED
    assert effective_status(S.SUBMITTED, True, None, SUBMITTED_AT, moment, longer) is S.SUBMITTED


@pytest.mark.parametrize(
    ("decision", "grounds"),
    [
        (DecisionKind.REFUSE, AGREEMENT.refusal_grounds),
        (DecisionKind.POSTPONE, AGREEMENT.postponement_grounds),
        (DecisionKind.ACCEPT_WITH_CONDITIONS, AGREEMENT.condition_grounds),
    ],
)
def test_grounds_come_from_the_decision_own_list(decision: DecisionKind, grounds: tuple) -> None:
    every = {
        item.id
        for items in (
            AGREEMENT.refusal_grounds,
            AGREEMENT.postponement_grounds,
            AGREEMENT.condition_grounds,
        )
        for item in items
    }
    own = {item.id for item in grounds}
    for ground in own:
        check_grounds(decision, ground, "A reason.", AGREEMENT)
    for ground in every - own:
        with pytest.raises(ProcedureViolation) as refused:
            check_grounds(decision, ground, "A reason.", AGREEMENT)
        assert refused.value.field == "ground"
    check_grounds(DecisionKind.ACCEPT, None, None, AGREEMENT)
    check_grounds(DecisionKind.ACCEPT, None, "Granted as asked.", AGREEMENT)


@pytest.mark.parametrize("ground", [*sorted({g.id for g in AGREEMENT.refusal_grounds}), "MADE_UP"])
def test_a_plain_acceptance_takes_no_ground(ground: str) -> None:
    with pytest.raises(ProcedureViolation) as refused:
        check_grounds(DecisionKind.ACCEPT, ground, "A reason.", AGREEMENT)
    assert (refused.value.rule, refused.value.field) == ("GROUNDS_AND_REASONS", "ground")


# -- through the API -------------------------------------------------------------------------


async def status_of(world: World, client_id: str, request_id: str) -> str:
    data = await world.ok(client_id, REQUEST_BY_ID, {"id": request_id})
    return str(data["assistanceRequest"]["status"])


async def take(world: World, request_id: str, action: Action) -> None:
    if action is A.CONFIRM_IN_WRITING:
        await world.ok("uz-workflow", CONFIRM, {"id": request_id, "key": new_key()})
    elif action is A.CLOSE:
        await world.ok("uz-workflow", CLOSE, {"id": request_id, "key": new_key()})
    elif action is A.RESPOND:
        await respond(world, request_id)
    else:
        value = decision_input(world, request_id, action.value)
        await world.ok("us-workflow", DECIDE, {"input": value, "key": new_key()})


ALLOWED = [
    pytest.param(state.value, action, id=f"{state.value}-{action.value}")
    for (state, action) in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"), ALLOWED)
async def test_every_allowed_transition_through_the_api(
    world: World, state: str, action: Action
) -> None:
    request_id = await reach(world, state)
    await take(world, request_id, action)
    expected = TRANSITIONS[(RequestStatus(state), action)].value
    assert await status_of(world, "uz-dashboard", request_id) == expected
    assert await status_of(world, "us-dashboard", request_id) == expected


async def test_oral_request_is_submitted_and_confirmed_in_writing(world: World) -> None:
    submitted = await submit(world, oral=True)
    assert (submitted["status"], submitted["oral"]) == ("SUBMITTED", True)
    assert submitted["confirmedInWritingAt"] is None

    started = datetime.now(UTC) - timedelta(seconds=5)
    confirmed = (await world.ok("uz-workflow", CONFIRM, {"id": submitted["id"], "key": new_key()}))[
        "confirmAssistanceRequestInWriting"
    ]
    assert confirmed["status"] == "SUBMITTED"
    moment = datetime.fromisoformat(confirmed["confirmedInWritingAt"])
    assert started <= moment <= datetime.now(UTC) + timedelta(seconds=5)
    stored = await world.scalar(
        UZ,
        "SELECT confirmed_in_writing_at FROM assistance_requests WHERE id = :id",
        id=local_id(submitted["id"])[2],
    )
    assert stored is not None

    # Confirmed once is confirmed: a second confirmation is refused.
    again = extensions_of(
        await world.post("uz-workflow", CONFIRM, {"id": submitted["id"], "key": new_key()})
    )
    assert (again["code"], again["field"]) == ("BAD_USER_INPUT", "id")


async def test_oral_request_not_confirmed_in_time_lapses(world: World) -> None:
    request_id = str((await submit(world, oral=True))["id"])
    await backdate(world, request_id, world.agreement.oral_request_confirmation_days + 1)

    assert await status_of(world, "uz-dashboard", request_id) == "LAPSED"
    assert await status_of(world, "us-dashboard", request_id) == "LAPSED"
    for decision in ("ACCEPT", "REFUSE", "POSTPONE", "ACCEPT_WITH_CONDITIONS"):
        value = decision_input(world, request_id, decision)
        refused = extensions_of(
            await world.post("us-workflow", DECIDE, {"input": value, "key": new_key()})
        )
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "status"), decision
    refused = extensions_of(
        await world.post("uz-workflow", CONFIRM, {"id": request_id, "key": new_key()})
    )
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "status")
    decisions = await world.scalar(
        US,
        "SELECT count(*) FROM decisions WHERE request_administration = 'UZ' AND request_id = :id",
        id=local_id(request_id)[2],
    )
    assert decisions == 0


@pytest.mark.parametrize("oral", [True, False], ids=["oral-confirmed", "written"])
async def test_confirmed_or_written_request_does_not_lapse(world: World, oral: bool) -> None:
    request_id = str((await submit(world, oral=oral))["id"])
    if oral:
        await world.ok("uz-workflow", CONFIRM, {"id": request_id, "key": new_key()})
    await backdate(world, request_id, world.agreement.oral_request_confirmation_days + 1)

    assert await status_of(world, "uz-dashboard", request_id) == "SUBMITTED"
    value = decision_input(world, request_id, "ACCEPT")
    decided = await world.ok("us-workflow", DECIDE, {"input": value, "key": new_key()})
    assert decided["decideAssistanceRequest"]["request"]["status"] == "ACCEPTED"
