"""Golden responses: each read operation of operations/, run on the plan's demo data through a
real gateway as four callers (a US dashboard, a UZ dashboard, a UZ analyst without
cmaa.pii:read, an undesignated UZ caller), answers exactly what tests/contract/golden/ holds."""

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.golden import (
    GoldenPlan,
    golden_differences,
    golden_path,
    golden_text,
    write_golden,
)
from tests.contract.conftest import GOLDEN_DIR, World

PLAN = GoldenPlan.load(GOLDEN_DIR)
UPDATE = "if the change is intended, run `cmaa schema golden --update` and commit the result"


def test_every_read_operation_has_golden_responses_or_a_reason_not_to(world: World) -> None:
    planned = PLAN.golden_operations(list(world.operations.values()))
    assert {operation.name for operation in planned} >= {
        "CaseList",
        "CaseDetail",
        "EntitySearch",
        "RequestsDue",
        "Releases",
    }
    assert all(reason.strip() for reason in PLAN.skip.values())
    assert PLAN.callers == ("us-dashboard", "uz-dashboard", "uz-analyst", "uz-undesignated")


def test_the_responses_match_the_committed_golden_files(world: World) -> None:
    differences = golden_differences(GOLDEN_DIR, world.golden)
    assert not differences, "golden responses differ:\n" + "\n".join(differences) + "\n" + UPDATE


@pytest.mark.parametrize("caller", PLAN.callers)
def test_no_golden_response_carries_an_unexpected_error(caller: str) -> None:
    for operation in PLAN.variables:
        body = json.loads(golden_path(GOLDEN_DIR, operation, caller).read_text(encoding="utf-8"))
        assert "data" in body, (operation, caller)
        assert golden_text(body) == golden_path(GOLDEN_DIR, operation, caller).read_text(
            encoding="utf-8"
        )
        for error in body.get("errors") or []:
            assert error["extensions"]["code"] != "INTERNAL", (operation, caller, error)


def is_person(party: dict[str, Any]) -> bool:
    return bool(party["entity"]["kind"] == "PERSON")


def test_the_callers_see_what_the_agreement_lets_them(world: World) -> None:
    """A few facts the golden files hold, said outright."""
    golden = world.golden
    detail = {caller: golden[("CaseDetail", caller)]["data"]["case"] for caller in PLAN.callers}
    assert detail["us-dashboard"]["owner"] == "US"
    # The undesignated caller cannot tell the released US case from one that does not exist.
    assert detail["uz-undesignated"] is None
    # A UZ dashboard sees the released parts only; the analyst the same, without personal data.
    assert len(detail["uz-dashboard"]["parties"]) < len(detail["us-dashboard"]["parties"])
    assert [p["entity"]["id"] for p in detail["uz-analyst"]["parties"]] == [
        p["entity"]["id"] for p in detail["uz-dashboard"]["parties"]
    ]
    people = [p["entity"] for p in detail["uz-analyst"]["parties"] if is_person(p)]
    assert people and all(person["personalDataWithheld"] for person in people)
    assert all(person["name"] is None for person in people)
    shown = [p["entity"] for p in detail["uz-dashboard"]["parties"] if is_person(p)]
    assert all(person["name"] for person in shown)

    cases = {caller: golden[("CaseList", caller)]["data"]["cases"] for caller in PLAN.callers}
    owners = {c: {edge["node"]["owner"] for edge in found["edges"]} for c, found in cases.items()}
    assert owners["uz-dashboard"] == {"US", "UZ"}
    assert owners["uz-undesignated"] == {"UZ"}
    assert cases["uz-undesignated"]["totalCount"] < cases["uz-dashboard"]["totalCount"]


def test_writing_and_comparing_golden_files(tmp_path: Path) -> None:
    responses = {
        ("CaseList", "us-dashboard"): {"data": {"cases": {"totalCount": 2}}},
        ("CaseList", "uz-analyst"): {"data": {"cases": {"totalCount": 1}}},
    }
    stale = tmp_path / "Retired" / "us-dashboard.json"
    stale.parent.mkdir()
    stale.write_text("{}\n")
    assert golden_differences(tmp_path, responses) == [
        "CaseList/us-dashboard.json is missing",
        "CaseList/uz-analyst.json is missing",
        "Retired/us-dashboard.json answers no planned operation",
    ]
    write_golden(tmp_path, responses)
    assert golden_differences(tmp_path, responses) == []
    assert not stale.parent.exists()
    changed = {**responses, ("CaseList", "uz-analyst"): {"data": {"cases": {"totalCount": 3}}}}
    assert golden_differences(tmp_path, changed) == ["CaseList/uz-analyst.json differs"]
