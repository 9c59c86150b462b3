"""The agreement's procedures in the distributed form, as an operator runs it (the set-up of
test_gateway_command: two `cmaa subgraph` processes and `cmaa gateway --config FILE`): UZ
submits a request to US, US accepts it and answers it by releasing a case, and UZ sees the
case, released under that request, and its request answered."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.distributed.test_gateway_command import _token, world
from tests.support.settings import SUITE_SOURCE_TIMEOUT_SECONDS

__all__ = ["world"]

SUBMIT = """
mutation Submit($input: AssistanceRequestInput!, $key: String!) {
  submitAssistanceRequest(input: $input, idempotencyKey: $key) {
    id reference status requestingAdministration requestedAdministration
  }
}"""
DECIDE = """
mutation Decide($input: DecisionInput!, $key: String!) {
  decideAssistanceRequest(input: $input, idempotencyKey: $key) {
    decision { decision owner } request { id status }
  }
}"""
RESPOND = """
mutation Respond($input: ResponseInput!, $key: String!) {
  respondToAssistanceRequest(input: $input, idempotencyKey: $key) {
    release { id basis requestReference records { recordType id } } request { id status }
  }
}"""
CASES = "{ cases(first: 100) { edges { node { id owner } } } }"
CASE = """
query Case($id: ID!) {
  case(id: $id) {
    id owner reference
    handling { releasedUnder { basis requestReference purpose } }
  }
}"""
REQUEST = "query Request($id: ID!) { assistanceRequest(id: $id) { id reference status } }"


class Gateway:
    """The distributed gateway, called with one token per client (each used well within its
    lifetime)."""

    def __init__(self, world: dict[str, object]) -> None:
        self.world = world
        self.tokens: dict[str, str] = {}

    def ok(self, client_id: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The data of an operation, which must answer without error."""
        if client_id not in self.tokens:
            self.tokens[client_id] = _token(self.world, client_id)
        answer = httpx.post(
            f"{self.world['gateway']}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[client_id]}"},
            timeout=SUITE_SOURCE_TIMEOUT_SECONDS + 30,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert "errors" not in body, body
        return body["data"]

    def us_cases(self, client_id: str) -> set[str]:
        edges = self.ok(client_id, CASES)["cases"]["edges"]
        return {edge["node"]["id"] for edge in edges if edge["node"]["owner"] == "US"}


def test_uz_asks_us_answers_and_uz_sees_the_released_case(world: dict[str, object]) -> None:
    gateway = Gateway(world)
    unseen = sorted(gateway.us_cases("us-dashboard") - gateway.us_cases("uz-dashboard"))
    assert unseen, "every US case is released to UZ already"
    case_id = unseen[0]
    assert gateway.ok("uz-dashboard", CASE, {"id": case_id})["case"] is None

    request = gateway.ok(
        "uz-workflow",
        SUBMIT,
        {
            "input": {
                "requestedAdministration": "US",
                "matter": "Undervalued cotton yarn shipments",
                "assistanceType": "INFORMATION",
                "reasons": "Invoices suggest the declared values are a third of the market price.",
                "caseDescription": "Shipments from Tashkent to Newark declared far below value.",
                "legalProvisions": ["Customs Code of the Republic of Uzbekistan, art. 243"],
                "personsConcerned": [{"name": "Aziz Karimov", "address": "Tashkent"}],
            },
            "key": f"submit-{uuid.uuid4().hex}",
        },
    )["submitAssistanceRequest"]
    assert (request["requestingAdministration"], request["status"]) == ("UZ", "SUBMITTED")

    decided = gateway.ok(
        "us-workflow",
        DECIDE,
        {"input": {"requestId": request["id"], "decision": "ACCEPT"}, "key": uuid.uuid4().hex},
    )["decideAssistanceRequest"]
    assert decided == {
        "decision": {"decision": "ACCEPT", "owner": "US"},
        "request": {"id": request["id"], "status": "ACCEPTED"},
    }

    expires = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    answered = gateway.ok(
        "us-workflow",
        RESPOND,
        {
            "input": {
                "requestId": request["id"],
                "release": {
                    "records": [case_id],
                    "purpose": "Investigation of undervalued textile imports",
                    "permittedUses": ["INVESTIGATION"],
                    "expiresAt": expires,
                },
            },
            "key": uuid.uuid4().hex,
        },
    )["respondToAssistanceRequest"]
    assert answered["request"] == {"id": request["id"], "status": "ANSWERED"}
    assert answered["release"]["basis"] == "REQUEST"
    assert answered["release"]["requestReference"] == request["reference"]
    assert answered["release"]["records"] == [{"recordType": "CASE", "id": case_id}]

    seen = gateway.ok("uz-dashboard", CASE, {"id": case_id})["case"]
    assert seen["id"] == case_id
    assert seen["handling"]["releasedUnder"] == {
        "basis": "REQUEST",
        "requestReference": request["reference"],
        "purpose": "Investigation of undervalued textile imports",
    }
    held = gateway.ok("uz-dashboard", REQUEST, {"id": request["id"]})["assistanceRequest"]
    assert held == {"id": request["id"], "reference": request["reference"], "status": "ANSWERED"}
