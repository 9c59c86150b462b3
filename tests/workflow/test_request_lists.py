"""assistanceRequests(filter:) lists exactly what the stores hold: by direction, by status
(as the agreement sees it: an unconfirmed oral request past its period is LAPSED), and by
due date."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from auth.policy.procedures import effective_status
from store.models import AssistanceRequest
from store.models._base import as_utc
from store.models.domain import Administration, RequestStatus
from tests.workflow.support import (
    US,
    UZ,
    World,
    backdate,
    gid,
    reach,
    submit,
)

LIST = """
query Requests($filter: AssistanceRequestFilter, $after: String) {
  assistanceRequests(first: 7, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id status dueAt } }
  }
}"""


async def listed(world: World, client_id: str, filter: dict[str, Any]) -> tuple[set[str], int]:
    """Every request the filter lists, paged to the end (small pages), and the total count."""
    found: list[str] = []
    after: str | None = None
    while True:
        data = (await world.ok(client_id, LIST, {"filter": filter, "after": after}))[
            "assistanceRequests"
        ]
        found += [edge["node"]["id"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            assert len(found) == len(set(found)), "a page repeated a request"
            return set(found), int(data["totalCount"])
        after = data["pageInfo"]["endCursor"]


async def stored(world: World) -> list[dict[str, Any]]:
    """Every request of both stores, with its status as the agreement sees it now."""
    now = datetime.now(UTC)
    table = AssistanceRequest.__table__
    requests = []
    for owner in Administration:
        async with world.engines[owner].connect() as connection:
            rows = (await connection.execute(select(table))).mappings().all()
        for row in rows:
            status = effective_status(
                RequestStatus(row["status"]),
                bool(row["oral"]),
                row["confirmed_in_writing_at"],
                as_utc(row["submitted_at"]),
                now,
                world.agreement,
            )
            requests.append(
                {
                    "id": gid("AssistanceRequest", owner, row["id"]),
                    "requesting": row["requesting_administration"],
                    "requested": row["requested_administration"],
                    "status": status.value,
                    "due_at": as_utc(row["due_at"]),
                }
            )
    return requests


@pytest.fixture(scope="module")
async def requests_made(world: World) -> list[str]:
    """A few UZ requests to US beside the seeded ones, in several statuses, lapsed included."""
    made = [await reach(world, state) for state in ("SUBMITTED", "SUBMITTED", "LAPSED")]
    made.append(await reach(world, "ACCEPTED"))
    written_long_ago = str((await submit(world, oral=False))["id"])
    await backdate(world, written_long_ago, 400, due_too=True)
    made.append(written_long_ago)
    return made


CALLERS = {"us-dashboard": US, "uz-dashboard": UZ}
FILTERS = [
    pytest.param(client, direction, statuses, id=f"{client}-{direction}-{'-'.join(statuses)}")
    for client in CALLERS
    for direction, statuses in (
        ("INCOMING", ["SUBMITTED"]),
        ("INCOMING", ["LAPSED"]),
        ("INCOMING", ["ACCEPTED", "CONDITIONAL", "POSTPONED"]),
        ("OUTGOING", ["SUBMITTED"]),
        ("OUTGOING", []),
        ("INCOMING", []),
    )
]


@pytest.mark.parametrize(("client_id", "direction", "statuses"), FILTERS)
async def test_direction_and_status_list_exactly_the_stored_requests(
    world: World, requests_made: list[str], client_id: str, direction: str, statuses: list[str]
) -> None:
    caller = CALLERS[client_id].value
    side = "requested" if direction == "INCOMING" else "requesting"
    expected = {
        request["id"]
        for request in await stored(world)
        if request[side] == caller and (not statuses or request["status"] in statuses)
    }
    filter: dict[str, Any] = {"direction": direction}
    if statuses:
        filter["status"] = statuses
    found, total = await listed(world, client_id, filter)
    assert found == expected
    assert total == len(expected)


async def test_incoming_submitted_to_us_holds_the_new_requests(
    world: World, requests_made: list[str]
) -> None:
    found, _ = await listed(
        world, "us-dashboard", {"direction": "INCOMING", "status": ["SUBMITTED"]}
    )
    submitted, second, lapsed, accepted, written_long_ago = requests_made
    assert {submitted, second, written_long_ago} <= found
    assert not {lapsed, accepted} & found


async def test_due_before_filters_by_due_date(world: World, requests_made: list[str]) -> None:
    incoming = sorted(
        (request for request in await stored(world) if request["requested"] == "US"),
        key=lambda request: request["due_at"],
    )
    assert len({request["due_at"] for request in incoming}) >= 3
    for cut in (incoming[1]["due_at"], incoming[len(incoming) // 2]["due_at"]):
        for moment in (cut, cut + timedelta(microseconds=1)):
            expected = {request["id"] for request in incoming if request["due_at"] < moment}
            found, total = await listed(
                world,
                "us-dashboard",
                {"direction": "INCOMING", "dueBefore": moment.isoformat()},
            )
            assert found == expected, moment
            assert total == len(expected)


async def test_due_before_combines_with_status(world: World, requests_made: list[str]) -> None:
    moment = datetime.now(UTC) + timedelta(days=1)
    expected = {
        request["id"]
        for request in await stored(world)
        if request["requested"] == "US"
        and request["status"] == "SUBMITTED"
        and request["due_at"] < moment
    }
    found, _ = await listed(
        world,
        "us-dashboard",
        {"direction": "INCOMING", "status": ["SUBMITTED"], "dueBefore": moment.isoformat()},
    )
    assert found == expected
    # The one submitted long ago is overdue; those submitted today are not.
    assert requests_made[4] in found
    assert requests_made[0] not in found
