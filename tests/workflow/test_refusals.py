"""Refusals: every procedure the agreement does not allow is refused with its precise code,
and leaves both stores as they were.

"As they were" is every table of both stores, row by row, except the audit tables: reads of
partner records are audited by design, and a refused mutation may have read the partner's
request (and so written an audit entry) before it was refused.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from auth.policy.procedures import TRANSITIONS, Action
from auth.policy.rules import Refusal, Rule
from store.models.domain import RequestStatus
from tests.workflow.support import (
    CLOSE,
    CONFIRM,
    CONFIRM_MATCH,
    DECIDE,
    DECIDE_CONSENT,
    DISCLOSE,
    RECORD_CUSTODY,
    REQUEST_CONSENT,
    RESPOND,
    REVOKE,
    SUBMIT,
    UNDESIGNATED_WORKFLOW,
    US,
    UZ,
    World,
    decision_input,
    extensions_of,
    first_id,
    gid,
    in_days,
    new_key,
    reach,
    release_input,
    released_to,
    request_input,
    submit,
)

ABSENT = object()


@dataclass(frozen=True)
class Prepared:
    """Records of this module's world that the refusals name."""

    in_state: dict[str, str]  # request status → a UZ request to US in it (oral)
    written: str  # a UZ request to US, not oral, SUBMITTED
    us_case: str
    us_evidence: str
    uz_case: str
    us_release: str
    consent: str  # UZ's pending consent request on a US record released to it
    released_to_uz: str  # a US case an active release hands to UZ


@pytest.fixture(scope="module")
async def prepared(world: World) -> Prepared:
    in_state = {status.value: await reach(world, status.value) for status in RequestStatus}
    written = str((await submit(world, oral=False))["id"])
    released_to_uz = gid("Case", US, await released_to(world, US, UZ, "CASE"))
    consent = await world.ok(
        "uz-workflow",
        REQUEST_CONSENT,
        {
            "input": {
                "records": [released_to_uz],
                "use": "JUDICIAL_CIVIL",
                "purpose": "Civil recovery of evaded duties.",
            },
            "key": new_key("consent"),
        },
    )
    return Prepared(
        in_state=in_state,
        written=written,
        us_case=gid("Case", US, await first_id(world, US, "cases")),
        us_evidence=gid("Evidence", US, await first_id(world, US, "evidence")),
        uz_case=gid("Case", UZ, await first_id(world, UZ, "cases")),
        us_release=gid("Release", US, await first_id(world, US, "releases")),
        consent=consent["requestConsent"]["id"],
        released_to_uz=released_to_uz,
    )


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


CLIENTS = ("uz-workflow", "us-workflow", "uz-dashboard", UNDESIGNATED_WORKFLOW)


class BothStores:
    """Both stores as they are between two refusals.

    Every test of this module is one refusal, so the stores after one test are the stores
    before the next: one snapshot per test, taken after the refusal (whatever its outcome),
    serves as that test's "after" and the next test's "before".
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.rows: dict[str, list[str]] = {}

    async def changes_by(self, call: Any) -> tuple[dict[str, Any], list[str]]:
        """The body `call` answers with, and the tables whose rows it changed."""
        before = self.rows
        try:
            body = await call
        finally:
            self.rows = await self.world.snapshot()
        return body, changed_tables(before, self.rows)


@pytest.fixture(scope="module")
async def stores(world: World, prepared: Prepared) -> BothStores:
    for client_id in CLIENTS:
        await world.token(client_id)
    found = BothStores(world)
    found.rows = await world.snapshot()
    return found


async def assert_refused(
    stores: BothStores,
    client_id: str,
    query: str,
    variables: dict[str, Any],
    code: str,
    field: object = ABSENT,
    rule: object = ABSENT,
) -> dict[str, Any]:
    """The operation is refused with `code` (and `field`, `rule` where given), and no row of
    either store (audit aside) changed."""
    body, changed = await stores.changes_by(stores.world.post(client_id, query, variables))
    extensions = extensions_of(body)
    assert extensions["code"] == code, extensions
    if field is not ABSENT:
        assert extensions.get("field") == field, extensions
    if rule is not ABSENT:
        assert extensions.get("rule") == rule, extensions
    if code in set(Refusal):
        # Every refusal under the agreement names the rule that refused it.
        assert extensions.get("rule") in set(Rule), extensions
    assert changed == []
    return extensions


def custody_input(**changes: Any) -> dict[str, Any]:
    value = {
        "fromHolder": "CBP Laboratory, Newark",
        "toHolder": "ICE HSI Newark",
        "at": in_days(-1),
        "purpose": "Examination",
    }
    value.update(changes)
    return value


# -- the form of requests ----------------------------------------------------------------------

FORM_REFUSALS = [
    pytest.param(
        {"requestedAdministration": "UZ"}, "requestedAdministration", id="own-administration"
    ),
    pytest.param({"matter": ""}, "matter", id="matter-empty"),
    pytest.param({"matter": "   "}, "matter", id="matter-blank"),
    pytest.param({"reasons": ""}, "reasons", id="reasons-empty"),
    pytest.param({"reasons": " \t"}, "reasons", id="reasons-blank"),
    pytest.param({"caseDescription": ""}, "caseDescription", id="case-description-empty"),
    pytest.param({"legalProvisions": []}, "legalProvisions", id="legal-provisions-none"),
    pytest.param({"legalProvisions": [""]}, "legalProvisions", id="legal-provisions-empty"),
    pytest.param(
        {"legalProvisions": ["Customs Code, art. 243", " "]},
        "legalProvisions",
        id="legal-provisions-one-blank",
    ),
    pytest.param(
        {"personsConcerned": [{"name": " ", "address": "Tashkent"}]},
        "personsConcerned[0].name",
        id="person-without-name",
    ),
]


@pytest.mark.parametrize(("changes", "field"), FORM_REFUSALS)
async def test_request_missing_a_required_field_is_refused(
    stores: BothStores, changes: dict[str, Any], field: str
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        SUBMIT,
        {"input": request_input(US, **changes), "key": new_key()},
        "BAD_USER_INPUT",
        field=field,
        rule="REQUEST_FORM",
    )


async def test_request_naming_a_partner_case_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        SUBMIT,
        {"input": request_input(US, caseId=prepared.us_case), "key": new_key()},
        "FORBIDDEN",
        field="caseId",
    )


async def test_assistance_type_outside_the_agreement_is_refused_by_the_schema(
    stores: BothStores,
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        SUBMIT,
        {"input": request_input(US, assistanceType="FISHING_EXPEDITION"), "key": new_key()},
        "GRAPHQL_VALIDATION_FAILED",
    )


async def test_empty_idempotency_key_is_refused(stores: BothStores, world: World) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        SUBMIT,
        {"input": request_input(US), "key": " "},
        "BAD_USER_INPUT",
        field="idempotencyKey",
    )


# -- illegal transitions, straight from auth.policy.procedures.TRANSITIONS ---------------------


def _attempt(
    world: World, prepared: Prepared, state: str, action: Action
) -> tuple[str, str, dict[str, Any]]:
    request_id = prepared.in_state[state]
    if action is Action.CONFIRM_IN_WRITING:
        return "uz-workflow", CONFIRM, {"id": request_id, "key": new_key()}
    if action is Action.CLOSE:
        return "uz-workflow", CLOSE, {"id": request_id, "key": new_key()}
    if action is Action.RESPOND:
        release = release_input([prepared.us_case])
        return (
            "us-workflow",
            RESPOND,
            {
                "input": {"requestId": request_id, "release": release},
                "key": new_key(),
            },
        )
    decision = decision_input(world, request_id, action.value)
    return "us-workflow", DECIDE, {"input": decision, "key": new_key()}


ILLEGAL = [
    pytest.param(state.value, action, id=f"{state.value}-{action.value}")
    for state in RequestStatus
    for action in Action
    if (state, action) not in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
async def test_illegal_transition_is_refused(
    stores: BothStores, world: World, prepared: Prepared, state: str, action: Action
) -> None:
    client_id, query, variables = _attempt(world, prepared, state, action)
    await assert_refused(
        stores, client_id, query, variables, "BAD_USER_INPUT", field="status", rule="REQUEST_STATE"
    )


async def test_requested_side_cannot_close(stores: BothStores, prepared: Prepared) -> None:
    await assert_refused(
        stores,
        "us-workflow",
        CLOSE,
        {"id": prepared.in_state["SUBMITTED"], "key": new_key()},
        "FORBIDDEN",
        field="id",
        rule="SOURCE_CONTROLS",
    )


async def test_requested_side_cannot_confirm_in_writing(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "us-workflow",
        CONFIRM,
        {"id": prepared.in_state["SUBMITTED"], "key": new_key()},
        "FORBIDDEN",
        field="id",
        rule="SOURCE_CONTROLS",
    )


async def test_requester_cannot_decide_its_own_request(
    stores: BothStores, world: World, prepared: Prepared
) -> None:
    request_id = prepared.in_state["SUBMITTED"]
    await assert_refused(
        stores,
        "uz-workflow",
        DECIDE,
        {"input": decision_input(world, request_id, "ACCEPT"), "key": new_key()},
        "FORBIDDEN",
        rule="SOURCE_CONTROLS",
    )


async def test_requester_cannot_respond_to_its_own_request(
    stores: BothStores, prepared: Prepared
) -> None:
    request_id = prepared.in_state["ACCEPTED"]
    release = release_input([prepared.uz_case])
    await assert_refused(
        stores,
        "uz-workflow",
        RESPOND,
        {"input": {"requestId": request_id, "release": release}, "key": new_key()},
        "FORBIDDEN",
        rule="SOURCE_CONTROLS",
    )


async def test_confirming_a_written_request_in_writing_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        CONFIRM,
        {"id": prepared.written, "key": new_key()},
        "BAD_USER_INPUT",
        field="id",
        rule="REQUEST_FORM",
    )


async def test_deciding_an_unknown_request_is_not_found(stores: BothStores, world: World) -> None:
    unknown = gid("AssistanceRequest", UZ, 987_654)
    await assert_refused(
        stores,
        "us-workflow",
        DECIDE,
        {"input": decision_input(world, unknown, "ACCEPT"), "key": new_key()},
        "NOT_FOUND",
        field="requestId",
    )


async def test_closing_an_unknown_request_is_not_found(stores: BothStores) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        CLOSE,
        {"id": gid("AssistanceRequest", UZ, 987_654), "key": new_key()},
        "NOT_FOUND",
        field="id",
    )


# -- grounds and reasons -----------------------------------------------------------------------

WRONG_LIST = {
    "REFUSE": "ONGOING_INVESTIGATION",
    "POSTPONE": "SOVEREIGNTY",
    "ACCEPT_WITH_CONDITIONS": "SECURITY",
}
GROUND_REFUSALS = [
    pytest.param(decision, changes, field, id=f"{decision}-{name}")
    for decision in ("REFUSE", "POSTPONE", "ACCEPT_WITH_CONDITIONS")
    for name, changes, field in (
        ("no-ground", {"ground": None}, "ground"),
        ("empty-ground", {"ground": ""}, "ground"),
        ("no-reason", {"reason": None}, "reason"),
        ("blank-reason", {"reason": "  "}, "reason"),
        ("ground-from-wrong-list", {"ground": WRONG_LIST[decision]}, "ground"),
        ("unknown-ground", {"ground": "BECAUSE"}, "ground"),
    )
] + [
    pytest.param("ACCEPT_WITH_CONDITIONS", {"conditions": []}, "conditions", id="no-conditions"),
    pytest.param(
        "ACCEPT_WITH_CONDITIONS", {"conditions": [" "]}, "conditions", id="blank-condition"
    ),
]


@pytest.mark.parametrize(("decision", "changes", "field"), GROUND_REFUSALS)
async def test_decision_without_ground_or_reason_is_refused(
    stores: BothStores,
    world: World,
    prepared: Prepared,
    decision: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    value = decision_input(world, prepared.in_state["SUBMITTED"], decision)
    value.update(changes)
    await assert_refused(
        stores,
        "us-workflow",
        DECIDE,
        {"input": value, "key": new_key()},
        "BAD_USER_INPUT",
        field=field,
        rule="GROUNDS_AND_REASONS",
    )


# -- releases: only the owner, only its own records ----------------------------------------


def _release_attempt(
    prepared: Prepared, how: str, records: list[str], **changes: Any
) -> tuple[str, dict[str, Any]]:
    release = release_input(records, **changes)
    if how == "respond":
        request = {"requestId": prepared.in_state["ACCEPTED"], "release": release}
        return RESPOND, {"input": request, "key": new_key()}
    return DISCLOSE, {"input": release, "key": new_key()}


RELEASE_HOWS = ["respond", "disclose"]
RECORDS_FIELD = {"respond": "input.release.records", "disclose": "input.records"}


@pytest.mark.parametrize("how", RELEASE_HOWS)
async def test_release_of_a_partner_record_is_refused(
    stores: BothStores, prepared: Prepared, how: str
) -> None:
    query, variables = _release_attempt(prepared, how, [prepared.uz_case])
    await assert_refused(
        stores, "us-workflow", query, variables, "FORBIDDEN", rule="SOURCE_CONTROLS"
    )


@pytest.mark.parametrize("how", RELEASE_HOWS)
async def test_release_of_own_and_partner_records_together_is_refused(
    stores: BothStores, prepared: Prepared, how: str
) -> None:
    query, variables = _release_attempt(prepared, how, [prepared.us_case, prepared.uz_case])
    await assert_refused(
        stores, "us-workflow", query, variables, "BAD_USER_INPUT", field=RECORDS_FIELD[how]
    )


@pytest.mark.parametrize("how", RELEASE_HOWS)
async def test_release_of_an_unknown_record_is_refused(
    stores: BothStores, prepared: Prepared, how: str
) -> None:
    query, variables = _release_attempt(prepared, how, [gid("Evidence", US, 987_654)])
    await assert_refused(
        stores, "us-workflow", query, variables, "FORBIDDEN", rule="SOURCE_CONTROLS"
    )


@pytest.mark.parametrize("how", RELEASE_HOWS)
async def test_release_naming_something_that_is_not_an_id_is_refused(
    stores: BothStores, prepared: Prepared, how: str
) -> None:
    query, variables = _release_attempt(prepared, how, ["not-an-id"])
    await assert_refused(
        stores, "us-workflow", query, variables, "BAD_USER_INPUT", field=f"{RECORDS_FIELD[how]}[0]"
    )


RELEASE_TERMS = [
    pytest.param({"permittedUses": ["JUDICIAL_CRIMINAL"]}, "permittedUses", id="use-needs-consent"),
    pytest.param({"expiresAt": in_days(-1)}, "expiresAt", id="expired"),
    pytest.param({"purpose": " "}, "purpose", id="no-purpose"),
]


@pytest.mark.parametrize("how", RELEASE_HOWS)
@pytest.mark.parametrize(("changes", "field"), RELEASE_TERMS)
async def test_release_on_terms_the_agreement_does_not_allow_is_refused(
    stores: BothStores, prepared: Prepared, how: str, changes: dict[str, Any], field: str
) -> None:
    query, variables = _release_attempt(prepared, how, [prepared.us_case], **changes)
    await assert_refused(stores, "us-workflow", query, variables, "BAD_USER_INPUT", field=field)


async def test_revocation_by_the_non_owner_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        REVOKE,
        {"id": prepared.us_release, "reason": "We no longer need it.", "key": new_key()},
        "FORBIDDEN",
        field="id",
        rule="SOURCE_CONTROLS",
    )


async def test_revocation_of_an_unknown_release_is_not_found(stores: BothStores) -> None:
    await assert_refused(
        stores,
        "us-workflow",
        REVOKE,
        {"id": gid("Release", US, 987_654), "reason": "Closed.", "key": new_key()},
        "NOT_FOUND",
        field="id",
    )


# -- consents ----------------------------------------------------------------------------------


async def test_consent_decided_by_the_non_owner_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        DECIDE_CONSENT,
        {"id": prepared.consent, "grant": True, "reason": None, "key": new_key()},
        "FORBIDDEN",
        field="id",
        rule="SOURCE_CONTROLS",
    )


async def test_consent_refusal_without_reason_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "us-workflow",
        DECIDE_CONSENT,
        {"id": prepared.consent, "grant": False, "reason": None, "key": new_key()},
        "BAD_USER_INPUT",
        field="reason",
        rule="GROUNDS_AND_REASONS",
    )


def _consent_input(records: list[str], use: str = "JUDICIAL_CRIMINAL") -> dict[str, Any]:
    return {"records": records, "use": use, "purpose": "Criminal proceedings."}


async def test_consent_for_a_record_not_released_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    unreleased = gid("Evidence", US, 987_654)
    await assert_refused(
        stores,
        "uz-workflow",
        REQUEST_CONSENT,
        {"input": _consent_input([unreleased]), "key": new_key()},
        "BAD_USER_INPUT",
        field="records[0]",
        rule="CONSENT_FOR_USE",
    )


async def test_consent_for_a_use_that_needs_none_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        REQUEST_CONSENT,
        {"input": _consent_input([prepared.released_to_uz], "INVESTIGATION"), "key": new_key()},
        "BAD_USER_INPUT",
        field="use",
        rule="CONSENT_FOR_USE",
    )


async def test_consent_asked_of_oneself_is_refused(stores: BothStores, prepared: Prepared) -> None:
    await assert_refused(
        stores,
        "us-workflow",
        REQUEST_CONSENT,
        {"input": _consent_input([prepared.us_case]), "key": new_key()},
        "BAD_USER_INPUT",
        rule="CONSENT_FOR_USE",
    )


# -- custody -----------------------------------------------------------------------------------


async def test_custody_of_partner_evidence_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        RECORD_CUSTODY,
        {"id": prepared.us_evidence, "input": custody_input(), "key": new_key()},
        "FORBIDDEN",
        field="evidenceId",
        rule="SOURCE_CONTROLS",
    )


async def test_custody_event_in_the_future_is_refused(
    stores: BothStores, prepared: Prepared
) -> None:
    await assert_refused(
        stores,
        "us-workflow",
        RECORD_CUSTODY,
        {"id": prepared.us_evidence, "input": custody_input(at=in_days(1)), "key": new_key()},
        "BAD_USER_INPUT",
        field="at",
    )


# -- who may call at all -----------------------------------------------------------------------

Build = Callable[[Prepared], tuple[str, dict[str, Any]]]
EVERY_MUTATION: list[Any] = [
    pytest.param(lambda p: (SUBMIT, {"input": request_input(US), "key": new_key()}), id="submit"),
    pytest.param(
        lambda p: (CONFIRM, {"id": p.in_state["SUBMITTED"], "key": new_key()}), id="confirm"
    ),
    pytest.param(lambda p: (CLOSE, {"id": p.in_state["SUBMITTED"], "key": new_key()}), id="close"),
    pytest.param(
        lambda p: (DISCLOSE, {"input": release_input([p.uz_case]), "key": new_key()}), id="disclose"
    ),
    pytest.param(
        lambda p: (
            REQUEST_CONSENT,
            {"input": _consent_input([p.released_to_uz]), "key": new_key()},
        ),
        id="request-consent",
    ),
    pytest.param(
        lambda p: (
            RECORD_CUSTODY,
            {"id": gid("Evidence", UZ, 1), "input": custody_input(), "key": new_key()},
        ),
        id="custody",
    ),
]


@pytest.mark.parametrize("build", EVERY_MUTATION)
async def test_client_without_the_scope_is_refused(
    stores: BothStores, prepared: Prepared, build: Build
) -> None:
    query, variables = build(prepared)
    await assert_refused(stores, "uz-dashboard", query, variables, "UNAUTHORIZED_FIELD")


@pytest.mark.parametrize("build", EVERY_MUTATION)
async def test_undesignated_client_with_the_scope_is_refused(
    stores: BothStores, prepared: Prepared, build: Build
) -> None:
    query, variables = build(prepared)
    await assert_refused(
        stores, UNDESIGNATED_WORKFLOW, query, variables, "FORBIDDEN", rule="DESIGNATED"
    )


async def test_revoking_a_revoked_release_is_refused(stores: BothStores, world: World) -> None:
    revoked = await world.scalar(US, "SELECT min(id) FROM releases WHERE revoked_at IS NOT NULL")
    assert revoked is not None
    await assert_refused(
        stores,
        "us-workflow",
        REVOKE,
        {"id": gid("Release", US, revoked), "reason": "Again.", "key": new_key()},
        "BAD_USER_INPUT",
        field="id",
        rule="REQUEST_STATE",
    )


async def test_deciding_a_decided_consent_again_is_refused(
    stores: BothStores, world: World
) -> None:
    decided = await world.scalar(US, "SELECT min(id) FROM consents WHERE status <> 'PENDING'")
    assert decided is not None
    await assert_refused(
        stores,
        "us-workflow",
        DECIDE_CONSENT,
        {"id": gid("Consent", US, decided), "grant": True, "reason": None, "key": new_key()},
        "BAD_USER_INPUT",
        field="id",
        rule="REQUEST_STATE",
    )


async def test_over_long_idempotency_key_is_refused(stores: BothStores) -> None:
    await assert_refused(
        stores,
        "uz-workflow",
        SUBMIT,
        {"input": request_input(US), "key": "k" * 129},
        "BAD_USER_INPUT",
        field="idempotencyKey",
    )


# -- entity matches --------------------------------------------------------------------------


async def test_match_with_an_entity_not_released_is_not_found(
    stores: BothStores, world: World, prepared: Prepared
) -> None:
    own = gid("Entity", UZ, await first_id(world, UZ, "entities"))
    await assert_refused(
        stores,
        "uz-workflow",
        CONFIRM_MATCH,
        {
            "entity": own,
            "partner": gid("Entity", US, 987_654),
            "reason": "Same passport number.",
            "key": new_key(),
        },
        "NOT_FOUND",
        field="partnerEntityId",
    )


async def test_match_of_a_partner_entity_as_own_is_refused(
    stores: BothStores, world: World
) -> None:
    partner = gid("Entity", US, await first_id(world, US, "entities"))
    own = gid("Entity", UZ, await first_id(world, UZ, "entities"))
    await assert_refused(
        stores,
        "uz-workflow",
        CONFIRM_MATCH,
        {"entity": partner, "partner": own, "reason": "Same.", "key": new_key()},
        "FORBIDDEN",
        field="entityId",
        rule="SOURCE_CONTROLS",
    )


async def test_match_with_an_own_entity_is_refused(stores: BothStores, world: World) -> None:
    first, last = (await world.rows(UZ, "SELECT min(id), max(id) FROM entities"))[0]
    await assert_refused(
        stores,
        "uz-workflow",
        CONFIRM_MATCH,
        {
            "entity": gid("Entity", UZ, first),
            "partner": gid("Entity", UZ, last),
            "reason": "Same.",
            "key": new_key(),
        },
        "BAD_USER_INPUT",
        field="partnerEntityId",
    )
