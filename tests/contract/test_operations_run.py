"""The mutation operations of operations/ run as written, through the safelist-mode gateway by
their hash alone, through one whole procedure: UZ asks US for assistance, US accepts and
answers with a release, UZ asks consent for judicial use, US grants it; US discloses on its
own initiative and revokes; and the read operations without golden responses run cleanly.

This world's golden responses were read before these tests change its data."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from resolvers.sources.ids import global_id
from store.models.domain import Administration
from tests.contract.conftest import World


def key() -> str:
    return uuid.uuid4().hex


def run(world: World, client_id: str, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    operation = world.operations[name]
    body = {
        "variables": variables,
        "operationName": name,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": operation.id}},
    }
    response = world.post(world.gateway_url, client_id, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "errors" not in answer, answer
    return dict(answer["data"])


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_a_procedure_end_to_end_by_the_reference_operations(world: World) -> None:
    submitted = run(
        world,
        "uz-workflow",
        "SubmitAssistanceRequest",
        {
            "input": {
                "requestedAdministration": "US",
                "matter": "Undervalued cotton fabric shipments to Newark",
                "assistanceType": "DOCUMENTS",
                "reasons": "Payment records show three times the declared value.",
                "caseDescription": "Cotton fabric declared far below its market price.",
                "legalProvisions": ["Customs Code of the Republic of Uzbekistan, art. 243"],
                "personsConcerned": [{"name": "Pioneer Trading LLC", "address": "Newark"}],
            },
            "idempotencyKey": key(),
        },
    )["submitAssistanceRequest"]
    assert submitted["status"] == "SUBMITTED"
    request_id = submitted["id"]

    decided = run(
        world,
        "us-workflow",
        "DecideAssistanceRequest",
        {"input": {"requestId": request_id, "decision": "ACCEPT"}, "idempotencyKey": key()},
    )["decideAssistanceRequest"]
    assert decided["request"]["status"] == "ACCEPTED"

    # The US case golden CaseDetail reads, released once more under this request.
    case_id = "Q2FzZTpVUzozNA"
    answered = run(
        world,
        "us-workflow",
        "RespondToAssistanceRequest",
        {
            "input": {
                "requestId": request_id,
                "release": {
                    "records": [case_id],
                    "purpose": "Investigation of undervalued cotton fabric imports",
                    "permittedUses": ["INVESTIGATION"],
                    "expiresAt": in_days(365),
                },
            },
            "idempotencyKey": key(),
        },
    )["respondToAssistanceRequest"]
    assert answered["request"]["status"] == "ANSWERED"
    assert answered["release"]["records"] == [{"recordType": "CASE", "id": case_id}]

    consent = run(
        world,
        "uz-workflow",
        "RequestConsent",
        {
            "input": {
                "records": [case_id],
                "use": "JUDICIAL_CRIMINAL",
                "purpose": "Evidence in the criminal case against the importer",
            },
            "idempotencyKey": key(),
        },
    )["requestConsent"]
    assert consent["status"] == "PENDING"
    assert consent["owner"] == "US"

    granted = run(
        world,
        "us-workflow",
        "DecideConsent",
        {"id": consent["id"], "grant": True, "reason": "Granted.", "idempotencyKey": key()},
    )["decideConsent"]
    assert granted["status"] == "GRANTED"


def test_a_spontaneous_disclosure_and_its_revocation(world: World) -> None:
    disclosed = run(
        world,
        "us-workflow",
        "DiscloseSpontaneously",
        {
            "input": {
                "records": [global_id("Case", Administration.US, 1)],
                "purpose": "Risk assessment of a shared exporter",
                "permittedUses": ["RISK_ASSESSMENT"],
                "expiresAt": in_days(90),
            },
            "idempotencyKey": key(),
        },
    )["discloseSpontaneously"]
    assert disclosed["basis"] == "SPONTANEOUS"
    revoked = run(
        world,
        "us-workflow",
        "RevokeRelease",
        {"id": disclosed["id"], "reason": "Disclosed in error.", "idempotencyKey": key()},
    )["revokeRelease"]
    assert revoked["revokedAt"] is not None


def test_the_read_operations_without_golden_responses_run(world: World) -> None:
    found = run(world, "uz-dashboard", "AuditTrail", {"first": 5})["auditTrail"]
    assert found["totalCount"] >= 1
    assert len(found["edges"]) <= 5
