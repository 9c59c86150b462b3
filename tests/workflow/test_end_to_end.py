"""The agreement's procedures end to end, over HTTP with real tokens: a request from UZ to
US, a conditional acceptance, a response releasing one US case with its parties and
evidence, what UZ then sees, the revocation, and consent for judicial use."""

from datetime import datetime, timedelta
from typing import Any

from tests.workflow.support import (
    DECIDE,
    DECIDE_CONSENT,
    HANDLING_FIELDS,
    REQUEST_BY_ID,
    REQUEST_CONSENT,
    RESPOND,
    REVOKE,
    SUBMIT,
    US,
    UZ,
    Visible,
    World,
    gid,
    in_days,
    local_id,
    new_key,
    release_input,
    request_input,
    visible_partner_records,
)

CONDITION = "Use only in the investigation named in the request; no onward transfer."

RECORD_HANDLING = f"""
query Handling($case: ID!, $entity: ID!, $evidence: ID!) {{
  case(id: $case) {{ id handling {{ {HANDLING_FIELDS} }} }}
  entity(id: $entity) {{ id personalDataWithheld handling {{ {HANDLING_FIELDS} }} }}
  evidence(id: $evidence) {{ id handling {{ {HANDLING_FIELDS} }} }}
}}"""
CASE_CONSENTS = """
query Consents($id: ID!) {
  case(id: $id) { id handling { consents { use recipientAgency decidedAt } } }
}"""

# Any release not revoked, expired ones too: the chosen records were never handed to UZ.
RELEASED_TO_UZ = """
SELECT ri.record_id FROM release_items ri JOIN releases r ON r.id = ri.release_id
WHERE ri.record_type = :record_type AND r.recipient = 'UZ' AND r.revoked_at IS NULL
"""


async def unreleased_us_case(world: World) -> tuple[int, list[int], list[int]]:
    """A US case that no release hands to UZ, with US parties and US evidence none of which
    is released to UZ either: (case id, entity ids, evidence ids)."""
    released = {
        record_type: {
            row[0] for row in await world.rows(US, RELEASED_TO_UZ, record_type=record_type)
        }
        for record_type in ("CASE", "ENTITY", "EVIDENCE")
    }
    for (case_id,) in await world.rows(US, "SELECT id FROM cases ORDER BY id"):
        if case_id in released["CASE"]:
            continue
        entities = sorted(
            {
                row[0]
                for row in await world.rows(
                    US,
                    "SELECT entity_id FROM case_parties WHERE case_id = :case "
                    "AND entity_administration = 'US'",
                    case=case_id,
                )
            }
        )
        evidence = [
            row[0]
            for row in await world.rows(
                US,
                "SELECT id FROM evidence WHERE case_administration = 'US' AND case_id = :case "
                "ORDER BY id",
                case=case_id,
            )
        ]
        untouched = not (set(entities) & released["ENTITY"] or set(evidence) & released["EVIDENCE"])
        if entities and evidence and untouched:
            return case_id, entities, evidence
    raise AssertionError("the seeded US store has no case fit for this test")


def new_records(before: Visible, after: Visible) -> Visible:
    assert before.cases <= after.cases
    assert before.entities <= after.entities
    assert before.evidence <= after.evidence
    return Visible(
        after.cases - before.cases,
        after.entities - before.entities,
        after.evidence - before.evidence,
    )


async def request_status(world: World, client_id: str, request_id: str) -> str:
    data = await world.ok(client_id, REQUEST_BY_ID, {"id": request_id})
    assert data["assistanceRequest"] is not None, client_id
    return str(data["assistanceRequest"]["status"])


async def test_request_decision_response_revocation_and_consent(clean_world: World) -> None:
    world = clean_world
    # UZ asks US for assistance, with every field the agreement requires.
    uz_case = await world.scalar(UZ, "SELECT min(id) FROM cases")
    asked = request_input(US, caseId=gid("Case", UZ, uz_case))
    submitted = (await world.ok("uz-workflow", SUBMIT, {"input": asked, "key": new_key()}))[
        "submitAssistanceRequest"
    ]
    assert submitted["status"] == "SUBMITTED"
    assert submitted["owner"] == "UZ"
    assert submitted["requestingAdministration"] == "UZ"
    assert submitted["requestedAdministration"] == "US"
    assert submitted["agreementReference"] == world.agreement.reference
    for field in ("matter", "assistanceType", "reasons", "caseDescription", "legalProvisions"):
        assert submitted[field] == asked[field], field
    assert submitted["personsConcerned"] == asked["personsConcerned"]
    due = datetime.fromisoformat(submitted["dueAt"]) - datetime.fromisoformat(
        submitted["submittedAt"]
    )
    assert due == timedelta(days=world.agreement.reply_deadline_days)
    request_id = submitted["id"]

    # US grants it subject to a condition, on a ground of the agreement's list.
    ground = world.agreement.condition_grounds[0].id
    decided = (
        await world.ok(
            "us-workflow",
            DECIDE,
            {
                "input": {
                    "requestId": request_id,
                    "decision": "ACCEPT_WITH_CONDITIONS",
                    "ground": ground,
                    "reason": "The records are part of an open US investigation.",
                    "conditions": [CONDITION],
                },
                "key": new_key(),
            },
        )
    )["decideAssistanceRequest"]
    assert decided["decision"]["decision"] == "ACCEPT_WITH_CONDITIONS"
    assert decided["decision"]["ground"] == ground
    assert decided["decision"]["conditions"] == [CONDITION]
    assert decided["decision"]["owner"] == "US"
    assert decided["request"]["status"] == "CONDITIONAL"

    # What UZ sees of US records before the answer.
    before = await visible_partner_records(world, "uz-dashboard", US)

    # US answers, releasing one of its cases with its US parties and US evidence.
    case_id, entity_ids, evidence_ids = await unreleased_us_case(world)
    released = Visible(
        frozenset({gid("Case", US, case_id)}),
        frozenset(gid("Entity", US, entity) for entity in entity_ids),
        frozenset(gid("Evidence", US, item) for item in evidence_ids),
    )
    records = sorted(released.cases) + sorted(released.entities) + sorted(released.evidence)
    assert not (released.cases & before.cases)
    answered = (
        await world.ok(
            "us-workflow",
            RESPOND,
            {
                "input": {"requestId": request_id, "release": release_input(records)},
                "key": new_key(),
            },
        )
    )["respondToAssistanceRequest"]
    release = answered["release"]
    assert answered["request"]["status"] == "ANSWERED"
    assert release["owner"] == "US"
    assert release["recipient"] == "UZ"
    assert release["basis"] == "REQUEST"
    assert release["requestReference"] == submitted["reference"]
    assert release["conditions"] == [CONDITION]
    assert release["includesPersonalData"] is True
    assert release["permittedUses"] == ["INVESTIGATION"]
    assert release["revokedAt"] is None
    assert {item["id"] for item in release["records"]} == set(records)

    # UZ now sees exactly the released records in addition to what it saw before.
    assert not (released.entities & before.entities or released.evidence & before.evidence)
    after = await visible_partner_records(world, "uz-dashboard", US)
    assert new_records(before, after) == released

    handling = await world.ok(
        "uz-dashboard",
        RECORD_HANDLING,
        {
            "case": sorted(released.cases)[0],
            "entity": sorted(released.entities)[0],
            "evidence": sorted(released.evidence)[0],
        },
    )
    # The release includes personal data, and the dashboard may read it.
    assert handling["entity"]["personalDataWithheld"] is False
    for root in ("case", "entity", "evidence"):
        block: dict[str, Any] = handling[root]["handling"]
        assert block["owner"] == "US", root
        assert block["conditions"] == [CONDITION], root
        assert block["permittedUses"] == ["INVESTIGATION"], root
        assert block["releasedUnder"] == {
            "id": release["id"],
            "basis": "REQUEST",
            "requestReference": submitted["reference"],
            "purpose": release["purpose"],
            "includesPersonalData": True,
        }, root

    # The request is ANSWERED for both sides, and in the requester's store.
    assert await request_status(world, "uz-dashboard", request_id) == "ANSWERED"
    assert await request_status(world, "us-dashboard", request_id) == "ANSWERED"
    stored = await world.scalar(
        UZ, "SELECT status FROM assistance_requests WHERE id = :id", id=local_id(request_id)[2]
    )
    assert stored == "ANSWERED"

    # US revokes the release: UZ is back to what it saw before.
    revoked = (
        await world.ok(
            "us-workflow",
            REVOKE,
            {"id": release["id"], "reason": "The investigation was closed.", "key": new_key()},
        )
    )["revokeRelease"]
    assert revoked["revokedAt"] is not None
    assert await visible_partner_records(world, "uz-dashboard", US) == before

    # US releases the case again (a further answer to the same request); UZ asks consent to
    # use it in criminal proceedings, and US grants it.
    again = (
        await world.ok(
            "us-workflow",
            RESPOND,
            {
                "input": {
                    "requestId": request_id,
                    "release": release_input(sorted(released.cases), expiresAt=in_days(30)),
                },
                "key": new_key(),
            },
        )
    )["respondToAssistanceRequest"]
    assert again["request"]["status"] == "ANSWERED"
    case_gid = sorted(released.cases)[0]
    asked_consent = (
        await world.ok(
            "uz-workflow",
            REQUEST_CONSENT,
            {
                "input": {
                    "records": [case_gid],
                    "use": "JUDICIAL_CRIMINAL",
                    "purpose": "Evidence in the criminal trial of the importer.",
                    "recipientAgency": "Prosecutor General's Office",
                    "recipientCountry": "UZ",
                },
                "key": new_key(),
            },
        )
    )["requestConsent"]
    assert asked_consent["status"] == "PENDING"
    assert asked_consent["owner"] == "US"
    assert asked_consent["requestingAdministration"] == "UZ"
    before_grant = await world.ok("uz-dashboard", CASE_CONSENTS, {"id": case_gid})
    assert before_grant["case"]["handling"]["consents"] == []

    granted = (
        await world.ok(
            "us-workflow",
            DECIDE_CONSENT,
            {"id": asked_consent["id"], "grant": True, "reason": None, "key": new_key()},
        )
    )["decideConsent"]
    assert granted["status"] == "GRANTED"
    assert granted["decidedAt"] is not None
    shown = await world.ok("uz-dashboard", CASE_CONSENTS, {"id": case_gid})
    consents = shown["case"]["handling"]["consents"]
    assert [(c["use"], c["recipientAgency"]) for c in consents] == [
        ("JUDICIAL_CRIMINAL", "Prosecutor General's Office")
    ]
