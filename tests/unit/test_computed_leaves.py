"""A scalar field whose resolver needs only its record (a subgraph's global ids) is written by
the object's plan, and the answer is graphql-core's own, errors included."""

from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.execution import PlainFieldsExecutionContext


@dataclass
class PartyRow:
    case_id: int
    role: str


@strawberry.type
class Party:
    role: str

    @strawberry.field
    @staticmethod
    def case_id(party: strawberry.Parent[PartyRow]) -> strawberry.ID:
        if party.case_id < 0:
            raise ValueError("no such case")
        return strawberry.ID(f"Case:{party.case_id}")

    @strawberry.field
    @staticmethod
    def code(party: strawberry.Parent[PartyRow]) -> str | None:
        return None if party.case_id == 2 else party.role.lower()


ROWS = [PartyRow(1, "BUYER"), PartyRow(2, "SELLER"), PartyRow(-1, "CARRIER")]
# What `parties` answers (a test may give fewer).
ANSWERED = {"parties": ROWS}


@strawberry.type
class Query:
    @strawberry.field
    def parties(self) -> list[Party]:
        return ANSWERED["parties"]  # type: ignore[return-value]


QUERY = "{ parties { role caseId code } }"


def _schema(planned: bool) -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)
    base = PlainFieldsExecutionContext if planned else StrawberryGraphQLCoreExecutionContext
    schema.execution_context_class = (
        base.for_schema(schema._schema) if planned else base  # type: ignore[attr-defined]
    )
    return schema


def test_computed_leaves_answer_as_graphql_core_does() -> None:
    planned = _schema(planned=True).execute_sync(QUERY)
    general = _schema(planned=False).execute_sync(QUERY)
    assert planned.data == general.data
    assert [(e.message, e.path) for e in planned.errors or []] == [
        (e.message, e.path) for e in general.errors or []
    ]
    assert planned.errors and planned.errors[0].path == ["parties", 2, "caseId"]


def test_a_page_of_computed_leaves_is_written_by_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ANSWERED, "parties", ROWS[:2])
    schema = _schema(planned=True)
    called: list[str] = []
    original = PlainFieldsExecutionContext.execute_field

    def counted(self: PlainFieldsExecutionContext, parent_type: Any, *args: Any) -> Any:
        called.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(PlainFieldsExecutionContext, "execute_field", counted)
    result = schema.execute_sync(QUERY)
    assert result.errors is None
    assert result.data == {
        "parties": [
            {"role": "BUYER", "caseId": "Case:1", "code": "buyer"},
            {"role": "SELLER", "caseId": "Case:2", "code": None},
        ]
    }
    # Only the root field went through graphql-core's per-field path.
    assert called == ["Query"]
