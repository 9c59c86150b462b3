"""Idempotency under retry: concurrent retries of one mutation with one key make one change
and get one answer; a retry after success returns the first result and changes nothing; a
key is its client's, for one call: reused for another operation, another record or other
input, it is refused with IDEMPOTENCY_KEY_REUSED and changes nothing."""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from store.models.domain import Administration
from tests.workflow.support import (
    AUDIT_TABLES,
    CLOSE,
    CONFIRM_MATCH,
    DECIDE,
    DECIDE_CONSENT,
    DISCLOSE,
    RECORD_CUSTODY,
    REQUEST_CONSENT,
    RESPOND,
    REVOKE,
    SUBMIT,
    US,
    UZ,
    World,
    decision_input,
    extensions_of,
    gid,
    local_id,
    new_key,
    reach,
    release_input,
    released_to,
    request_input,
    submit,
)

RETRIES = 20


async def concurrently(
    world: World, client_id: str, query: str, variables: dict[str, Any]
) -> list[dict[str, Any]]:
    """RETRIES posts of one operation at once, as a client retrying into a slow network."""
    await world.token(client_id)
    return await asyncio.gather(*(world.post(client_id, query, variables) for _ in range(RETRIES)))


def one_answer(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """All answers are the same successful one; that answer."""
    assert not bodies[0].get("errors"), bodies[0]
    first = json.dumps(bodies[0], sort_keys=True)
    assert all(json.dumps(body, sort_keys=True) == first for body in bodies)
    data: dict[str, Any] = bodies[0]["data"]
    return data


async def audited_changes(world: World, owner: Administration, operation: str, record: str) -> int:
    rows = await world.rows(
        owner,
        "SELECT record_ids FROM audit_events WHERE operation = :operation",
        operation=operation,
    )
    return sum(
        record in (value if isinstance(value, list) else json.loads(value)) for (value,) in rows
    )


async def test_concurrent_retries_submit_one_request(world: World) -> None:
    asked = request_input(US)
    key = new_key("submit")
    bodies = await concurrently(world, "uz-workflow", SUBMIT, {"input": asked, "key": key})
    request = one_answer(bodies)["submitAssistanceRequest"]

    stored = await world.rows(
        UZ, "SELECT id FROM assistance_requests WHERE matter = :matter", matter=asked["matter"]
    )
    assert stored == [(local_id(request["id"])[2],)]
    keys = await world.rows(
        UZ,
        "SELECT record_type, record_id FROM idempotency_keys WHERE key LIKE :key",
        key=f"%:{key}",
    )
    assert keys == [("REQUEST", local_id(request["id"])[2])]
    record = f"REQUEST:{local_id(request['id'])[2]}"
    assert await audited_changes(world, UZ, "submitAssistanceRequest", record) == 1


async def test_concurrent_retries_disclose_one_release(world: World) -> None:
    cases = [row[0] for row in await world.rows(US, "SELECT id FROM cases ORDER BY id DESC")]
    records = [gid("Case", US, case_id) for case_id in cases[:2]]
    before = await world.scalar(US, "SELECT count(*) FROM releases")
    items_before = await world.scalar(US, "SELECT count(*) FROM release_items")
    key = new_key("disclose")
    bodies = await concurrently(
        world, "us-workflow", DISCLOSE, {"input": release_input(records), "key": key}
    )
    release = one_answer(bodies)["discloseSpontaneously"]

    assert release["basis"] == "SPONTANEOUS"
    assert await world.scalar(US, "SELECT count(*) FROM releases") == before + 1
    assert await world.scalar(US, "SELECT count(*) FROM release_items") == items_before + 2
    release_id = local_id(release["id"])[2]
    items = await world.rows(
        US,
        "SELECT record_id FROM release_items WHERE release_id = :id ORDER BY record_id",
        id=release_id,
    )
    assert [row[0] for row in items] == sorted(cases[:2])
    assert await audited_changes(world, US, "discloseSpontaneously", f"RELEASE:{release_id}") == 1


async def test_concurrent_retries_decide_once_and_deliver_once(world: World) -> None:
    request_id = str((await submit(world))["id"])
    value = decision_input(world, request_id, "POSTPONE")
    bodies = await concurrently(world, "us-workflow", DECIDE, {"input": value, "key": new_key()})
    answer = one_answer(bodies)["decideAssistanceRequest"]

    assert answer["request"]["status"] == "POSTPONED"
    number = local_id(request_id)[2]
    decisions = await world.rows(
        US,
        "SELECT decision FROM decisions WHERE request_administration = 'UZ' AND request_id = :id",
        id=number,
    )
    assert decisions == [("POSTPONE",)]
    status = await world.scalar(
        UZ, "SELECT status FROM assistance_requests WHERE id = :id", id=number
    )
    assert status == "POSTPONED"


def without_audit(snapshot: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: rows for name, rows in snapshot.items() if name.split(".")[1] not in AUDIT_TABLES}


REUSED = ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")


def reused(body: dict[str, Any], *first: str) -> None:
    """Refused as a reused key, in words that name nothing of the first call."""
    extensions = extensions_of(body)
    assert (extensions["code"], extensions["field"]) == REUSED, body
    assert extensions["rule"] == "IDEMPOTENCY", body
    assert body["data"] is None or not any(body["data"].values()), body
    text = json.dumps(body)
    for word in first:
        assert word not in text, (word, body)


async def test_retry_after_success_returns_the_first_result_and_changes_nothing(
    world: World,
) -> None:
    variables = {"input": request_input(US), "key": new_key("submit")}
    first = await world.ok("uz-workflow", SUBMIT, variables)
    before = await world.snapshot()
    again = await world.ok("uz-workflow", SUBMIT, variables)
    assert again == first
    assert await world.snapshot() == before


async def test_same_key_with_another_matter_is_refused_and_changes_nothing(world: World) -> None:
    key = new_key("submit")
    asked = request_input(US)
    first = (await world.ok("uz-workflow", SUBMIT, {"input": asked, "key": key}))[
        "submitAssistanceRequest"
    ]
    before = await world.snapshot()
    body = await world.post(
        "uz-workflow", SUBMIT, {"input": request_input(US, matter="Changed"), "key": key}
    )
    reused(body, first["id"], first["reference"], asked["matter"])
    assert await world.snapshot() == before
    # The first call, repeated, is still answered with its result.
    again = await world.ok("uz-workflow", SUBMIT, {"input": asked, "key": key})
    assert again["submitAssistanceRequest"] == first


async def test_refusal_after_acceptance_under_the_same_key_is_refused(world: World) -> None:
    request_id = str((await submit(world))["id"])
    key = new_key("decide")
    accept = {"input": decision_input(world, request_id, "ACCEPT"), "key": key}
    first = await world.ok("us-workflow", DECIDE, accept)
    before = await world.snapshot()
    refuse = {"input": decision_input(world, request_id, "REFUSE"), "key": key}
    reused(await world.post("us-workflow", DECIDE, refuse))
    assert await world.snapshot() == before
    assert await stored_status(world, request_id) == "ACCEPTED"
    assert await world.ok("us-workflow", DECIDE, accept) == first


async def test_retried_decision_returns_the_first_and_changes_nothing(world: World) -> None:
    request_id = str((await submit(world))["id"])
    variables = {"input": decision_input(world, request_id, "ACCEPT"), "key": new_key()}
    first = await world.ok("us-workflow", DECIDE, variables)
    before = await world.snapshot()
    assert await world.ok("us-workflow", DECIDE, variables) == first
    assert await world.snapshot() == before


async def test_same_key_for_another_operation_is_refused(world: World) -> None:
    key = new_key("shared")
    request = (await world.ok("uz-workflow", SUBMIT, {"input": request_input(US), "key": key}))[
        "submitAssistanceRequest"
    ]
    before = await world.snapshot()
    extensions = extensions_of(
        await world.post("uz-workflow", CLOSE, {"id": request["id"], "key": key})
    )
    assert (extensions["code"], extensions["field"]) == REUSED
    assert without_audit(await world.snapshot()) == without_audit(before)
    status = await world.scalar(
        UZ,
        "SELECT status FROM assistance_requests WHERE id = :id",
        id=local_id(request["id"])[2],
    )
    assert status == "SUBMITTED"


async def test_a_key_belongs_to_its_client(world: World) -> None:
    """The same key string from another client is that client's own key."""
    key = new_key("shared")
    await world.ok("uz-workflow", SUBMIT, {"input": request_input(US), "key": key})
    case = gid("Case", US, await world.scalar(US, "SELECT max(id) FROM cases"))
    release = await world.ok("us-workflow", DISCLOSE, {"input": release_input([case]), "key": key})
    assert release["discloseSpontaneously"]["basis"] == "SPONTANEOUS"


async def test_decision_key_reused_for_another_request_is_refused(world: World) -> None:
    """A key names one call: reused with another request id, it must not hand the first
    decision to that other request (which nobody decided)."""
    first = str((await submit(world))["id"])
    other = str((await submit(world))["id"])
    key = new_key("decide")
    await world.ok(
        "us-workflow", DECIDE, {"input": decision_input(world, first, "ACCEPT"), "key": key}
    )
    before = without_audit(await world.snapshot())
    refused = extensions_of(
        await world.post(
            "us-workflow", DECIDE, {"input": decision_input(world, other, "ACCEPT"), "key": key}
        )
    )
    assert (refused["code"], refused["field"]) == REUSED
    assert without_audit(await world.snapshot()) == before
    assert await stored_status(world, other) == "SUBMITTED"


async def test_response_key_reused_for_another_request_is_refused(world: World) -> None:
    first, other = (await reach(world, "ACCEPTED"), await reach(world, "ACCEPTED"))
    case = gid("Case", US, await world.scalar(US, "SELECT min(id) FROM cases"))
    key = new_key("respond")

    def variables(request_id: str) -> dict[str, Any]:
        return {
            "input": {"requestId": request_id, "release": release_input([case])},
            "key": key,
        }

    await world.ok("us-workflow", RESPOND, variables(first))
    before = without_audit(await world.snapshot())
    refused = extensions_of(await world.post("us-workflow", RESPOND, variables(other)))
    assert (refused["code"], refused["field"]) == REUSED
    assert without_audit(await world.snapshot()) == before
    assert await stored_status(world, other) == "ACCEPTED"


async def stored_status(world: World, request_id: str) -> str:
    """The status in the requester's store."""
    return str(
        await world.scalar(
            UZ, "SELECT status FROM assistance_requests WHERE id = :id", id=local_id(request_id)[2]
        )
    )


async def test_late_retry_of_an_earlier_decision_changes_nothing(world: World) -> None:
    request_id = str((await submit(world))["id"])
    postpone = {"input": decision_input(world, request_id, "POSTPONE"), "key": new_key()}
    await world.ok("us-workflow", DECIDE, postpone)
    accept = {"input": decision_input(world, request_id, "ACCEPT"), "key": new_key()}
    await world.ok("us-workflow", DECIDE, accept)
    assert await stored_status(world, request_id) == "ACCEPTED"
    before = without_audit(await world.snapshot())

    # The client retries the postponement (its first answer was lost on the way).
    await world.post("us-workflow", DECIDE, postpone)
    assert without_audit(await world.snapshot()) == before
    assert await stored_status(world, request_id) == "ACCEPTED"


async def test_confirmed_match_is_one_link_whatever_the_retries(world: World) -> None:
    """US confirms that one of its entities is an entity UZ released to it."""
    released = await released_to(world, UZ, US, "ENTITY")
    own = int(await world.scalar(US, "SELECT max(id) FROM entities"))
    variables = {
        "entity": gid("Entity", US, own),
        "partner": gid("Entity", UZ, released),
        "reason": "Same IMO number and owner.",
        "key": new_key("match"),
    }
    bodies = await concurrently(world, "us-workflow", CONFIRM_MATCH, variables)
    link = one_answer(bodies)["confirmEntityMatch"]
    assert (link["partnerAdministration"], link["reason"]) == ("UZ", variables["reason"])
    # Another key for the same match finds the link already there.
    again = await world.ok("us-workflow", CONFIRM_MATCH, {**variables, "key": new_key("match")})
    assert again["confirmEntityMatch"] == link
    links = await world.rows(
        US,
        "SELECT count(*) FROM entity_links WHERE entity_id = :own "
        "AND partner_administration = 'UZ' AND partner_entity_id = :partner",
        own=own,
        partner=released,
    )
    assert links == [(1,)]


async def test_refused_call_leaves_its_key_free_for_the_corrected_one(world: World) -> None:
    key = new_key("submit")
    refused = extensions_of(
        await world.post("uz-workflow", SUBMIT, {"input": request_input(US, matter=""), "key": key})
    )
    assert refused["field"] == "matter"
    corrected = request_input(US)
    made = await world.ok("uz-workflow", SUBMIT, {"input": corrected, "key": key})
    assert made["submitAssistanceRequest"]["matter"] == corrected["matter"]


async def test_concurrent_submissions_get_distinct_references(world: World) -> None:
    """Different keys are different requests: each gets the next reference of the year."""
    await world.token("uz-workflow")
    bodies = await asyncio.gather(
        *(
            world.post("uz-workflow", SUBMIT, {"input": request_input(US), "key": new_key()})
            for _ in range(10)
        )
    )
    made = [one_answer([body])["submitAssistanceRequest"] for body in bodies]
    references = sorted(request["reference"] for request in made)
    assert len(set(references)) == 10
    numbers = [int(reference.rsplit("-", 1)[1]) for reference in references]
    assert numbers == list(range(numbers[0], numbers[0] + 10))


async def test_concurrent_decisions_with_different_keys_decide_once(world: World) -> None:
    """The store's write lock puts competing decisions in a row: the first one decides, the
    state machine refuses the others."""
    request_id = str((await submit(world))["id"])
    await world.token("us-workflow")
    bodies = await asyncio.gather(
        *(
            world.post(
                "us-workflow",
                DECIDE,
                {"input": decision_input(world, request_id, "ACCEPT"), "key": new_key()},
            )
            for _ in range(10)
        )
    )
    decided = [body for body in bodies if not body.get("errors")]
    refused = [extensions_of(body) for body in bodies if body.get("errors")]
    assert len(decided) == 1
    assert {(item["code"], item["field"]) for item in refused} == {("BAD_USER_INPUT", "status")}
    decisions = await world.scalar(
        US,
        "SELECT count(*) FROM decisions WHERE request_administration = 'UZ' AND request_id = :id",
        id=local_id(request_id)[2],
    )
    assert decisions == 1
    assert await stored_status(world, request_id) == "ACCEPTED"


async def test_close_key_reused_for_another_request_is_refused(world: World) -> None:
    first = str((await submit(world))["id"])
    other = str((await submit(world))["id"])
    key = new_key("close")
    await world.ok("uz-workflow", CLOSE, {"id": first, "key": key})
    before = without_audit(await world.snapshot())
    refused = extensions_of(await world.post("uz-workflow", CLOSE, {"id": other, "key": key}))
    assert (refused["code"], refused["field"]) == REUSED
    assert without_audit(await world.snapshot()) == before
    assert await stored_status(world, other) == "SUBMITTED"


async def test_revocation_key_reused_for_another_release_is_refused(world: World) -> None:
    cases = [row[0] for row in await world.rows(US, "SELECT id FROM cases ORDER BY id")]
    releases = [
        (
            await world.ok(
                "us-workflow",
                DISCLOSE,
                {"input": release_input([gid("Case", US, case)]), "key": new_key()},
            )
        )["discloseSpontaneously"]["id"]
        for case in cases[:2]
    ]
    key = new_key("revoke")
    await world.ok("us-workflow", REVOKE, {"id": releases[0], "reason": "Done.", "key": key})
    before = without_audit(await world.snapshot())
    refused = extensions_of(
        await world.post("us-workflow", REVOKE, {"id": releases[1], "reason": "Done.", "key": key})
    )
    assert (refused["code"], refused["field"]) == REUSED
    assert without_audit(await world.snapshot()) == before


async def test_custody_key_reused_for_another_evidence_item_is_refused(world: World) -> None:
    items = [row[0] for row in await world.rows(UZ, "SELECT id FROM evidence ORDER BY id")]
    event = {
        "fromHolder": "Tashkent customs laboratory",
        "toHolder": "State Customs Committee, investigations",
        "at": datetime.now(UTC).isoformat(),
        "purpose": "Examination",
    }
    key = new_key("custody")
    first = {"id": gid("Evidence", UZ, items[0]), "input": event, "key": key}
    await world.ok("uz-workflow", RECORD_CUSTODY, first)
    before = without_audit(await world.snapshot())
    other = {**first, "id": gid("Evidence", UZ, items[1])}
    refused = extensions_of(await world.post("uz-workflow", RECORD_CUSTODY, other))
    assert (refused["code"], refused["field"]) == REUSED
    assert without_audit(await world.snapshot()) == before


async def test_consent_decision_key_reused_for_another_consent_is_refused(world: World) -> None:
    released = await released_to(world, US, UZ, "CASE")
    asked = [
        (
            await world.ok(
                "uz-workflow",
                REQUEST_CONSENT,
                {
                    "input": {
                        "records": [gid("Case", US, released)],
                        "use": "ONWARD_TRANSFER",
                        "purpose": "Transfer to the financial intelligence unit.",
                        "recipientAgency": "Department for Combating Economic Crimes",
                    },
                    "key": new_key(),
                },
            )
        )["requestConsent"]["id"]
        for _ in range(2)
    ]
    key = new_key("consent")
    decision = {"grant": True, "reason": None, "key": key}
    await world.ok("us-workflow", DECIDE_CONSENT, {"id": asked[0], **decision})
    before = without_audit(await world.snapshot())
    refused = extensions_of(
        await world.post("us-workflow", DECIDE_CONSENT, {"id": asked[1], **decision})
    )
    assert (refused["code"], refused["field"]) == REUSED
    assert without_audit(await world.snapshot()) == before
