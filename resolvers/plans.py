"""Object plans: how to write one selection set over one object type, and the writer each plan
is given, generated as Python once per shape of plan (the idea of graphql-jit).

A plan's steps are its response keys in the selection's order (Step): a plain leaf, read from
the record's attribute and serialised; an object or a list of objects, written by the inner
plan; or `__typename`. Interpreting the steps for every record of a page costs a loop, a
branch on each step's kind and a call per field; the generated writer does, for one record,
only what its shape says: read the attributes, serialise them, build the dictionary.

Only a plan's shape is in the generated source: the attribute names, which come from our
schema and are checked to be identifiers, and the steps' flags. What an operation supplies,
its response keys (the caller's text), the serialisers and the inner writers, are arguments of
the generated factory, which the writer closes over; none of them is ever part of the source.
The factories are kept by shape, so an operation asked again compiles nothing.

A writer returns MISSING where graphql-core must decide (a null in a non-null field, a value
the type refuses, a record the type does not claim): the execution context then completes
that object by graphql-core's own path, errors included.
"""

import keyword
from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLString,
)

MISSING: Any = object()

# Distinct plan shapes kept compiled: an operation's shapes are few; a caller sending endless
# new selections only evicts the least used.
COMPILED_SHAPES = 512

Writer = Callable[[Any], Any]


class PlainField(NamedTuple):
    """How to read one plain field: the record's attribute, the field's leaf type and how
    a value of it is serialised."""

    attribute: str
    leaf: GraphQLLeafType
    non_null: bool
    is_list: bool
    items_non_null: bool
    coerce: Callable[[Any], Any]


def complete(plain: PlainField, value: Any) -> Any:
    """The serialised value, or MISSING where graphql-core's own path must decide."""
    if value is None:
        return MISSING if plain.non_null else None
    coerce = plain.coerce
    if not plain.is_list:
        coerced = coerce(value)
        return MISSING if coerced is None else coerced
    # A serialiser refuses an item by giving None.
    return write_list(coerce, value, plain.items_non_null, refused=None)


def write_list(write: Writer, value: Any, items_non_null: bool, refused: Any = MISSING) -> Any:
    """A list of objects, each written by `write`; MISSING where any item must go the
    general path (the whole list then does): a null item of a non-null list, or an item
    `write` gives `refused` for."""
    if isinstance(value, (str, bytes, dict)):
        return MISSING
    items: list[Any] = []
    for item in value:
        if item is None:
            if items_non_null:
                return MISSING
            items.append(None)
            continue
        written = write(item)
        if written is refused:
            return MISSING
        items.append(written)
    return items


class Step(NamedTuple):
    """One response key of a planned selection: a leaf (`leaf`), an object or a list of
    objects (`plan`), or `__typename` (neither); its value is the record's attribute, or
    what `call` gives for the record (MISSING: graphql-core must resolve it)."""

    key: str
    attribute: str
    leaf: PlainField | None
    plan: "ObjectPlan | None"
    non_null: bool = True
    is_list: bool = False
    items_non_null: bool = False
    call: Callable[[Any], Any] | None = None


# Leaf types whose serialiser returns a value of this exact class unchanged: the writer skips
# the call for such a value (graphql-core's `serialize_string`, `serialize_id` and
# `serialize_boolean` return a str, a str and a bool as they are).
UNCHANGED = {GraphQLString.name: "str", GraphQLID.name: "str", GraphQLBoolean.name: "bool"}
STANDARD_LEAVES = {GraphQLString.name: GraphQLString, GraphQLID.name: GraphQLID}
STANDARD_LEAVES[GraphQLBoolean.name] = GraphQLBoolean


def _unchanged_class(leaf: GraphQLLeafType) -> str | None:
    if STANDARD_LEAVES.get(leaf.name) is not leaf:
        return None  # a type of the same name that is not graphql-core's own
    return UNCHANGED[leaf.name]


class ObjectPlan:
    """How to write one selection set over one object type (Step). `write` returns MISSING
    where graphql-core must decide; it exists once the plan is compiled."""

    __slots__ = ("is_type_of", "steps", "type_name", "write")

    def __init__(self, object_type: GraphQLObjectType) -> None:
        self.type_name = object_type.name
        # Called as graphql-core would, without the resolve info no type of ours reads.
        self.is_type_of: Callable[[Any, Any], Any] | None = object_type.is_type_of
        self.steps: list[Step] = []
        self.write: Writer = _uncompiled

    def compile(self) -> bool:
        """Give the plan its writer (its inner plans are compiled first); False where a step's
        attribute is not a Python identifier, and the plan cannot be written."""
        if not all(_is_name(step.attribute) for step in self.steps):
            return False
        self.write = _factory_for(self)(*_arguments(self))
        return True


def _uncompiled(record: Any) -> Any:
    return MISSING


def _is_name(attribute: str) -> bool:
    return attribute.isidentifier() and not keyword.iskeyword(attribute)


def _shape(plan: ObjectPlan) -> tuple[Any, ...]:
    """All that the plan's writer source depends on (and nothing of the operation's text)."""
    steps = tuple(
        (
            step.attribute,
            step.leaf is None and step.plan is None,
            None
            if step.leaf is None
            else (step.leaf.non_null, step.leaf.is_list, _unchanged_class(step.leaf.leaf)),
            step.non_null,
            step.is_list,
            step.items_non_null,
            step.call is not None,
        )
        for step in plan.steps
    )
    return (plan.is_type_of is not None, steps)


def _arguments(plan: ObjectPlan) -> list[Any]:
    """What this plan gives the factory, in the order of `_writer_source`'s parameters."""
    arguments: list[Any] = [MISSING, complete, write_list, plan.is_type_of, plan.type_name]
    for step in plan.steps:
        arguments.append(step.key)
        if step.leaf is not None:
            arguments.append(step.leaf if step.leaf.is_list else step.leaf.coerce)
            if step.call is not None:
                arguments.append(step.call)
        elif step.plan is not None:
            arguments.append(step.plan.write)
            if step.call is not None:
                arguments.append(step.call)
    return arguments


def _writer_source(plan: ObjectPlan) -> str:
    """The factory's source for the plan's shape (`_arguments` gives its arguments)."""
    parameters = ["MISSING", "complete", "write_list", "is_type_of", "type_name"]
    body: list[str] = []
    if plan.is_type_of is not None:
        body += ["if is_type_of(record, None) is not True:", "    return MISSING"]
    entries: list[str] = []
    for number, step in enumerate(plan.steps):
        key, value, serialise = f"k{number}", f"v{number}", f"s{number}"
        parameters.append(key)
        if step.leaf is None and step.plan is None:
            entries.append(f"{key}: type_name")
            continue
        entries.append(f"{key}: {value}")
        parameters.append(serialise)
        if step.call is None:
            read = [f"{value} = record.{step.attribute}"]
        else:
            call = f"c{number}"
            parameters.append(call)
            read = [f"{value} = {call}(record)", f"if {value} is MISSING:", "    return MISSING"]
        if step.leaf is not None:
            body += _leaf_lines(step.leaf, value, serialise, read)
            continue
        body += read
        written = (
            f"write_list({serialise}, {value}, {step.items_non_null})"
            if step.is_list
            else f"{serialise}({value})"
        )
        body += _unless_null(
            value,
            step.non_null,
            [f"{value} = {written}", f"if {value} is MISSING:", "    return MISSING"],
        )
    body.append("return {" + ", ".join(entries) + "}")
    lines = [f"def make({', '.join(parameters)}):", "    def write(record):"]
    lines += [f"        {line}" for line in body]
    lines.append("    return write")
    return "\n".join(lines) + "\n"


def _leaf_lines(leaf: PlainField, value: str, serialise: str, read: list[str]) -> list[str]:
    """A leaf's value, read by `read`, serialised."""
    if leaf.is_list:
        return [
            *read,
            f"{value} = complete({serialise}, {value})",
            f"if {value} is MISSING:",
            "    return MISSING",
        ]
    coerced = [f"{value} = {serialise}({value})", f"if {value} is None:", "    return MISSING"]
    unchanged = _unchanged_class(leaf.leaf)
    if unchanged is not None:
        coerced = [f"if {value}.__class__ is not {unchanged}:"] + [f"    {c}" for c in coerced]
    return [*read, *_unless_null(value, leaf.non_null, coerced)]


def _unless_null(value: str, non_null: bool, lines: list[str]) -> list[str]:
    """`lines` for a value that is not None; a None is MISSING in a non-null field and stays
    None in a nullable one."""
    if non_null:
        return [f"if {value} is None:", "    return MISSING", *lines]
    return [f"if {value} is not None:"] + [f"    {line}" for line in lines]


# The compiled factories, by the shape of plan they write (`_shape`).
_factories: dict[tuple[Any, ...], Callable[..., Writer]] = {}


def _factory_for(plan: ObjectPlan) -> Callable[..., Writer]:
    shape = _shape(plan)
    factory = _factories.get(shape)
    if factory is None:
        if len(_factories) >= COMPILED_SHAPES:
            # A caller sending endless new selections costs compiles, never memory.
            _factories.clear()
        factory = _factories[shape] = _factory(_writer_source(plan))
    return factory


def _factory(source: str) -> Callable[..., Writer]:
    namespace: dict[str, Any] = {"__builtins__": {"str": str, "bool": bool}}
    exec(compile(source, "<object plan writer>", "exec"), namespace)  # noqa: S102
    factory: Callable[..., Writer] = namespace["make"]
    return factory
