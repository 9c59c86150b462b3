"""The generated writers of object plans (resolvers.plans): they write what graphql-core would,
leave to graphql-core what it must decide, and never put an operation's text in their source."""

from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
)

from resolvers import plans
from resolvers.plans import MISSING, ObjectPlan, PlainField, Step


@dataclass
class Party:
    role: Any
    active: Any = True


@dataclass
class Case:
    title: Any
    closed: Any
    count: Any
    tags: Any
    parties: Any


def _object_type(name: str, is_type_of: Any = None) -> GraphQLObjectType:
    return GraphQLObjectType(name, {"x": GraphQLField(GraphQLString)}, is_type_of=is_type_of)


def _leaf(attribute: str, leaf: Any, non_null: bool = True, is_list: bool = False) -> PlainField:
    return PlainField(attribute, leaf, non_null, is_list, True, leaf.serialize)


def _party_plan(role_key: str = "role") -> ObjectPlan:
    plan = ObjectPlan(_object_type("Party"))
    plan.steps.append(Step(role_key, "role", _leaf("role", GraphQLString), None))
    plan.steps.append(Step("active", "active", _leaf("active", GraphQLBoolean, False), None))
    assert plan.compile()
    return plan


def _case_plan(keys: tuple[str, ...] = ("title", "closed", "count", "tags")) -> ObjectPlan:
    plan = ObjectPlan(_object_type("Case", lambda record, _info: isinstance(record, Case)))
    plan.steps += [
        Step(keys[0], "title", _leaf("title", GraphQLString), None),
        Step(keys[1], "closed", _leaf("closed", GraphQLString, non_null=False), None),
        Step(keys[2], "count", _leaf("count", GraphQLInt), None),
        Step(keys[3], "tags", _leaf("tags", GraphQLString, is_list=True), None),
        Step("__typename", "__typename", None, None),
        Step("parties", "parties", None, _party_plan(), True, True, True),
    ]
    assert plan.compile()
    return plan


def test_a_writer_writes_the_selection_as_graphql_core_serialises_it() -> None:
    record = Case("Seizure", None, 3, ["a", 7], [Party("SUSPECT"), Party(5, None)])
    assert _case_plan().write(record) == {
        "title": "Seizure",
        "closed": None,
        "count": 3,
        "tags": ["a", "7"],
        "__typename": "Case",
        "parties": [{"role": "SUSPECT", "active": True}, {"role": "5", "active": None}],
    }


def _left_to_graphql_core(plan: ObjectPlan, record: Any) -> bool:
    """The execution context completes by graphql-core's path what a writer returns MISSING
    for, or raises on (a serialiser refusing a value)."""
    try:
        return plan.write(record) is MISSING
    except GraphQLError:
        return True


def test_what_graphql_core_must_decide_is_left_to_it() -> None:
    plan = _case_plan()
    good = Case("Seizure", None, 3, [], [])
    assert not _left_to_graphql_core(plan, good)
    # A null in a non-null field, a value the type refuses, a null item of a non-null list,
    # a record its type does not claim: graphql-core's path writes (and reports) these.
    assert _left_to_graphql_core(plan, Case(None, None, 3, [], []))
    assert _left_to_graphql_core(plan, Case("Seizure", None, 2**40, [], []))
    assert _left_to_graphql_core(plan, Case("Seizure", None, 3, [None], []))
    assert _left_to_graphql_core(plan, Case("Seizure", None, 3, [], [None]))
    assert _left_to_graphql_core(plan, Case("Seizure", None, 3, [], "parties"))
    assert _left_to_graphql_core(plan, Party("SUSPECT"))


def test_a_value_of_any_other_scalar_is_always_serialised() -> None:
    shouting = GraphQLScalarType("Shout", serialize=lambda value: str(value).upper())
    plan = ObjectPlan(_object_type("Party"))
    plan.steps.append(Step("role", "role", _leaf("role", shouting), None))
    assert plan.compile()
    assert plan.write(Party("suspect")) == {"role": "SUSPECT"}


def test_the_response_keys_are_never_part_of_the_generated_source() -> None:
    hostile = ('"}; import os; os._exit(1) #', "__import__('os')", "k0", "v0\n    return 1")
    plan = _case_plan(hostile)
    source = plans._writer_source(plan)
    for key in hostile[:2] + hostile[3:]:
        assert key not in source
    written = plan.write(Case("Seizure", "no", 3, [], []))
    assert list(written) == [*hostile, "__typename", "parties"]
    assert written[hostile[0]] == "Seizure"
    assert written[hostile[3]] == []


def test_plans_of_one_shape_share_one_compiled_factory_and_keep_their_own_keys() -> None:
    plans._factories.clear()
    first = _party_plan("role")
    second = _party_plan("partyRole")
    assert len(plans._factories) == 1
    assert first.write(Party("SUSPECT")) == {"role": "SUSPECT", "active": True}
    assert second.write(Party("SUSPECT")) == {"partyRole": "SUSPECT", "active": True}


def test_an_attribute_that_is_not_a_python_name_is_not_compiled() -> None:
    for attribute in ("not a name", "class", "role.__class__"):
        plan = ObjectPlan(_object_type("Party"))
        plan.steps.append(Step("role", attribute, _leaf(attribute, GraphQLString), None))
        assert plan.compile() is False
        assert _left_to_graphql_core(plan, Party("SUSPECT"))


def test_a_leaf_a_resolver_gives_is_written_from_its_call() -> None:
    """A scalar computed from the record alone (a global id from the owner and local id)
    is serialised like a plain one; a null in a non-null field, a value the type refuses, or
    a call that gives MISSING leaves the object to graphql-core."""

    def label(party: Party) -> Any:
        return party.role if party.role != "unknown" else MISSING

    plan = ObjectPlan(_object_type("Party"))
    plan.steps.append(Step("label", "label", _leaf("label", GraphQLString), None, call=label))
    plan.steps.append(
        Step(
            "roles",
            "roles",
            _leaf("roles", GraphQLString, is_list=True),
            None,
            call=lambda p: [p.role],
        )
    )
    assert plan.compile()
    assert plan.write(Party("BUYER")) == {"label": "BUYER", "roles": ["BUYER"]}
    assert plan.write(Party(None)) is MISSING
    assert plan.write(Party("unknown")) is MISSING
    # The serialiser's refusal reaches the execution context, which then takes graphql-core's
    # path (resolvers.execution), as for a plain field.
    with pytest.raises(GraphQLError):
        plan.write(Party({"not": "a string"}))


def test_a_failing_call_is_left_to_graphql_core() -> None:
    def broken(_party: Party) -> Any:
        raise LookupError("no such party")

    plan = ObjectPlan(_object_type("Party"))
    plan.steps.append(Step("label", "label", _leaf("label", GraphQLString), None, call=broken))
    assert plan.compile()
    # The execution context takes any exception as "graphql-core's path decides", and that
    # path reports the resolver's error at its field.
    with pytest.raises(LookupError):
        plan.write(Party("BUYER"))
