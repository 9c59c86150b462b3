"""Random valid operations over the exchange schema, made from the schema itself (every root
field, argument, input and type it has, so a field added later is attacked too), and a checker
that walks each response along the operation that produced it.

An operation is drawn as a plan (fields, aliases, inline fragments and named fragments) and
rendered to text. Every selection set of an object carries `__typename`, its `id` and, for an
entity, its `kind`, so the checker can tell whose record each object is and whether it is a
natural person; the other fields are drawn at random. Arguments come from pools of real and
unreal values (ids of released, unreleased and missing records of both administrations, other
callers' cursors, persons' names and identifiers), so the operations probe the release policy
rather than the argument parser.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
)
from hypothesis import strategies as st

from tests.adversarial.oracle import (
    RECORD_TYPES,
    Caller,
    Oracle,
    decode_global_id,
)

PERSONAL_FIELDS = ("name", "nameCyrillic", "dateOfBirth", "address", "identifiers")
# Fields drawn more often than the others, so that operations reach records and personal
# data rather than the agreement's title: type → fields.
FAVOURED = {
    "Entity": PERSONAL_FIELDS,
    "AssistanceRequest": ("personsConcerned",),
    "Case": ("parties", "evidence"),
    "Evidence": ("case",),
    "CaseParty": ("entity",),
    "EntityMatch": ("entity",),
}
MAX_DEPTH = 7
Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass
class Field:
    key: str  # the response key: the alias, or the name
    name: str
    children: list["Selection"] = field(default_factory=list)


@dataclass
class Fragment:
    on: str
    children: list["Selection"] = field(default_factory=list)


Selection = Field | Fragment


@dataclass
class Operation:
    text: str
    variables: dict[str, Any]
    root: list[Selection]

    def body(self) -> dict[str, Any]:
        return {"query": self.text, "variables": self.variables}


@dataclass
class Pools:
    """Argument values: ids, strings, identifiers (type, value) and cursors."""

    ids: list[str]
    strings: list[str]
    identifiers: list[tuple[str, str]]
    cursors: list[str]
    datetimes: list[str] = field(
        default_factory=lambda: [
            "2019-01-01T00:00:00Z",
            "2023-06-30T12:00:00+05:00",
            "2025-01-01T00:00:00",
            "2030-12-31T23:59:59Z",
        ]
    )
    dates: list[str] = field(default_factory=lambda: ["1970-01-01", "1985-07-14", "2001-12-31"])


def _literal(value: Any) -> str:
    # JSON strings (ASCII, escaped) are valid GraphQL strings.
    return json.dumps(value, ensure_ascii=True)


class _Builder:
    def __init__(self, draw: Draw, schema: GraphQLSchema, pools: Pools) -> None:
        self.draw, self.schema, self.pools = draw, schema, pools
        self.fragments: list[str] = []
        self.variables: dict[str, tuple[str, Any]] = {}
        self.aliases = 0
        # Response path → what answers it (name, arguments, type): two selections with one
        # response key merge, so they must be the same field, or the operation is invalid.
        self.registry: dict[tuple[str, ...], str] = {}

    # -- values ------------------------------------------------------------------------------

    def _scalar(self, name: str, argument: str) -> Any:
        draw, pools = self.draw, self.pools
        if name == "ID":
            return draw(st.sampled_from(pools.ids))
        if name == "Int":
            if argument == "first":
                # Now and then out of range: a refused list root takes all of `data` with it.
                if draw(st.integers(0, 9)) == 0:
                    return draw(st.sampled_from([0, -1, 101, 100_000]))
                return draw(st.sampled_from([1, 3, 5, 10, 10, 20, 20, 50]))
            return draw(st.integers(-2, 50))
        if name == "Float":
            return draw(st.floats(-1, 1, allow_nan=False))
        if name == "Boolean":
            return draw(st.booleans())
        if name == "DateTime":
            return draw(st.sampled_from(pools.datetimes))
        if name == "Date":
            return draw(st.sampled_from(pools.dates))
        if argument == "after":
            return draw(st.sampled_from(pools.cursors))
        return draw(st.sampled_from(pools.strings))

    def value(self, type_: Any, argument: str, depth: int = 0) -> tuple[str, Any]:
        """A GraphQL literal of `type_` and the same value as JSON."""
        if isinstance(type_, GraphQLNonNull):
            return self.value(type_.of_type, argument, depth)
        if isinstance(type_, GraphQLList):
            count = self.draw(st.integers(0 if depth else 1, 3))
            items = [self.value(type_.of_type, argument, depth + 1) for _ in range(count)]
            return "[" + ", ".join(t for t, _ in items) + "]", [v for _, v in items]
        if isinstance(type_, GraphQLEnumType):
            name = self.draw(st.sampled_from(sorted(type_.values)))
            return name, name
        if isinstance(type_, GraphQLInputObjectType):
            if type_.name == "IdentifierInput":
                kind, value = self.draw(st.sampled_from(self.pools.identifiers))
                # `type` is the IdentifierType enum: its value is written as a name.
                return f"{{type: {kind}, value: {_literal(value)}}}", {
                    "type": kind,
                    "value": value,
                }
            parts, values = [], {}
            for name, input_field in sorted(type_.fields.items()):
                required = isinstance(input_field.type, GraphQLNonNull)
                if not required and (depth > 2 or not self.draw(st.booleans())):
                    continue
                text, value = self.value(input_field.type, name, depth + 1)
                parts.append(f"{name}: {text}")
                values[name] = value
            return "{" + ", ".join(parts) + "}", values
        value = self._scalar(get_named_type(type_).name, argument)
        return _literal(value), value

    def arguments(self, definition: Any) -> str:
        parts = []
        for name, argument in sorted(definition.args.items()):
            required = (
                isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
            )
            # Out of ten: how often an optional argument is given.
            chance = {"first": 8, "after": 1}.get(name, 3)
            if not required and self.draw(st.integers(0, 9)) >= chance:
                continue
            text, value = self.value(argument.type, name)
            if get_named_type(argument.type).name == "ID" and self.draw(st.booleans()):
                variable = f"v{len(self.variables)}"
                self.variables[variable] = (str(argument.type), value)
                text = f"${variable}"
            parts.append(f"{name}: {text}")
        return f"({', '.join(parts)})" if parts else ""

    # -- selections --------------------------------------------------------------------------

    def _key(self, path: tuple[str, ...], name: str, signature: str, aliased: bool) -> str:
        key = name
        if aliased or self.registry.get((*path, name), signature) != signature:
            self.aliases += 1
            key = f"a{self.aliases}"
        self.registry[(*path, key)] = signature
        return key

    def field(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        name: str,
        path: tuple[str, ...],
        depth: int,
        aliased: bool = False,
    ) -> tuple[str, Field]:
        definition = parent.fields[name] if name != "__typename" else None
        arguments = self.arguments(definition) if definition is not None else ""
        return_type = str(definition.type) if definition is not None else "String!"
        # A field with arguments gets an alias of its own: no other selection merges with it.
        key = self._key(path, name, f"{name}{arguments}:{return_type}", aliased or bool(arguments))
        head = name if key == name else f"{key}: {name}"
        selected = Field(key, name)
        if definition is not None and not is_leaf_type(get_named_type(definition.type)):
            text, selected.children = self.selection_set(
                get_named_type(definition.type), (*path, key), depth + 1
            )
            return f"{head}{arguments} {{ {text} }}", selected
        return f"{head}{arguments}", selected

    def selection_set(
        self, type_: Any, path: tuple[str, ...], depth: int
    ) -> tuple[str, list[Selection]]:
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            return self._abstract(type_, path, depth)
        return self._object(type_, path, depth)

    def _forced(self, type_: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
        names = ["__typename"]
        if "id" in type_.fields:
            names.append("id")
        if type_.name == "Entity":
            names.append("kind")
        # A connection's records, and an edge's.
        if type_.name.endswith("Connection") and "edges" in type_.fields:
            names.append("edges")
        if type_.name.endswith("Edge") and "node" in type_.fields:
            names.append("node")
        return names

    def _abstract(
        self, type_: Any, path: tuple[str, ...], depth: int
    ) -> tuple[str, list[Selection]]:
        parts, plan = [], []
        forced = self._forced(type_) if isinstance(type_, GraphQLInterfaceType) else ["__typename"]
        for name in forced:
            text, selected = self.field(type_, name, path, depth)
            parts.append(text)
            plan.append(selected)
        possible = sorted(self.schema.get_possible_types(type_), key=lambda t: t.name)
        chosen = self.draw(st.lists(st.sampled_from(possible), min_size=1, max_size=3, unique=True))
        for concrete in chosen:
            text, fragment = self._fragment(concrete, concrete.name, path, depth)
            parts.append(text)
            plan.append(fragment)
        return " ".join(parts), plan

    def _fragment(
        self, type_: GraphQLObjectType, condition: str, path: tuple[str, ...], depth: int
    ) -> tuple[str, Fragment]:
        text, children = self._object(type_, path, depth, condition)
        fragment = Fragment(condition, children)
        if self.draw(st.booleans()):
            return f"... on {condition} {{ {text} }}", fragment
        name = f"F{len(self.fragments)}"
        self.fragments.append(f"fragment {name} on {condition} {{ {text} }}")
        return f"...{name}", fragment

    def _object(
        self, type_: GraphQLObjectType, path: tuple[str, ...], depth: int, condition: str = ""
    ) -> tuple[str, list[Selection]]:
        # Inside a fragment on an interface only the interface's fields may be selected.
        on = self.schema.get_type(condition) if condition else type_
        assert isinstance(on, GraphQLObjectType | GraphQLInterfaceType)
        parts, plan = [], []
        forced = self._forced(on)
        for name in forced:
            text, selected = self.field(on, name, path, depth)
            parts.append(text)
            plan.append(selected)
        others = sorted(name for name in on.fields if name not in forced)
        if depth >= MAX_DEPTH:
            others = [n for n in others if is_leaf_type(get_named_type(on.fields[n].type))]
        if not others:
            return " ".join(parts), plan
        favoured = [n for n in FAVOURED.get(on.name, ()) if n in others]
        chosen = self.draw(st.lists(st.sampled_from(others), min_size=0, max_size=3, unique=True))
        if favoured:
            chosen += [
                n
                for n in self.draw(st.lists(st.sampled_from(favoured), max_size=3, unique=True))
                if n not in chosen
            ]
        for name in chosen:
            roll = self.draw(st.integers(0, 9))
            if roll == 0 and not condition:
                # The same field again, through a fragment on the type or an interface of it.
                conditions = [type_.name, *(i.name for i in type_.interfaces)]
                target = self.draw(st.sampled_from(conditions))
                text, fragment = self._fragment(type_, target, path, depth)
                parts.append(text)
                plan.append(fragment)
                continue
            text, selected = self.field(on, name, path, depth, aliased=roll == 1)
            parts.append(text)
            plan.append(selected)
        return " ".join(parts), plan


@st.composite
def operations(draw: Draw, schema: GraphQLSchema, pools: Pools) -> Operation:
    """One valid query (or, now and then, mutation) over the schema."""
    builder = _Builder(draw, schema, pools)
    mutation = schema.mutation_type is not None and draw(st.integers(0, 9)) == 0
    root = schema.mutation_type if mutation else schema.query_type
    assert root is not None
    # Lists of records come up four times as often as the fields that answer nothing but the
    # caller or the agreement, records by id twice as often.
    names = sorted(root.fields)

    def weight(name: str) -> int:
        answered = get_named_type(root.fields[name].type).name
        if answered.endswith("Connection"):
            return 4
        return 1 if answered in ("Viewer", "Agreement") else 2

    weighted = [name for name in names for _ in range(weight(name))]
    chosen = draw(
        st.lists(st.sampled_from(weighted), min_size=1, max_size=1 if mutation else 3, unique=True)
    )
    parts, plan = [], []
    for name in chosen:
        text, selected = builder.field(root, name, (), 1, aliased=len(chosen) > 1)
        parts.append(text)
        plan.append(selected)
    definitions = ", ".join(f"${name}: {kind}" for name, (kind, _) in builder.variables.items())
    head = ("mutation" if mutation else "query") + (f"({definitions})" if definitions else "")
    text = " ".join([f"{head} {{ {' '.join(parts)} }}", *builder.fragments])
    variables = {name: value for name, (_, value) in builder.variables.items()}
    return Operation(text, variables, [Fragment(root.name, plan)])


# -- the checker ---------------------------------------------------------------------------


@dataclass
class Seen:
    """What one response shows: records (type, owner, local id, path), and the personal data
    it carries for entities and requests."""

    records: list[tuple[str, str, int, str]] = field(default_factory=list)
    entity_data: list[tuple[str, int, str, str, Any]] = field(default_factory=list)
    persons_concerned: list[tuple[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _applies(schema: GraphQLSchema, condition: str, runtime: str) -> bool:
    if condition == runtime:
        return True
    abstract = schema.get_type(condition)
    concrete = schema.get_type(runtime)
    if isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType) and isinstance(
        concrete, GraphQLObjectType
    ):
        return schema.is_sub_type(abstract, concrete)
    return False


def _fields(schema: GraphQLSchema, selections: list[Selection], runtime: str) -> Iterator[Field]:
    for selection in selections:
        if isinstance(selection, Field):
            yield selection
        elif _applies(schema, selection.on, runtime):
            yield from _fields(schema, selection.children, runtime)


def walk(
    schema: GraphQLSchema,
    value: Any,
    selections: list[Selection],
    path: str,
    seen: Seen,
    runtime: str | None = None,
) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            walk(schema, item, selections, f"{path}[{index}]", seen, runtime)
        return
    if not isinstance(value, dict):
        seen.problems.append(f"{path}: an object was expected, got {value!r}")
        return
    runtime = value.get("__typename", runtime)
    if not isinstance(runtime, str):
        seen.problems.append(f"{path}: no __typename")
        return
    fields = list(_fields(schema, selections, runtime))
    by_name: dict[str, list[Field]] = {}
    for selected in fields:
        by_name.setdefault(selected.name, []).append(selected)
    global_id = next((value[f.key] for f in by_name.get("id", ()) if f.key in value), None)
    if runtime in RECORD_TYPES and isinstance(global_id, str):
        decoded = decode_global_id(global_id)
        if decoded is None or decoded[0] != runtime:
            seen.problems.append(f"{path}: a {runtime} with the id {global_id!r}")
        else:
            seen.records.append((runtime, decoded[1], decoded[2], path))
            if runtime == "Entity":
                kind = next((value[f.key] for f in by_name.get("kind", ()) if f.key in value), None)
                for name in PERSONAL_FIELDS:
                    for selected in by_name.get(name, ()):
                        if kind == "PERSON" and selected.key in value:
                            entry = (decoded[1], decoded[2], path, name, value[selected.key])
                            seen.entity_data.append(entry)
    if runtime == "ReleasedRecord" and isinstance(global_id, str):
        decoded = decode_global_id(global_id)
        if decoded is not None:
            seen.records.append(("ReleasedRecord", decoded[1], decoded[2], path))
    if runtime == "AssistanceRequest":
        for selected in by_name.get("personsConcerned", ()):
            if selected.key in value:
                seen.persons_concerned.append((path, value[selected.key]))
    for selected in fields:
        if selected.children and selected.key in value:
            walk(schema, value[selected.key], selected.children, f"{path}.{selected.key}", seen)


def violations(oracle: Oracle, caller: Caller, seen: Seen) -> list[str]:
    """Everything the response shows that the agreement does not let the caller see."""
    found = list(seen.problems)
    wanted: dict[tuple[str, str], set[int]] = {}
    for type_name, owner, local_id, _path in seen.records:
        if type_name == "ReleasedRecord":
            continue
        wanted.setdefault((type_name, owner), set()).add(local_id)
    allowed = {
        key: oracle.visible(caller, key[0], key[1], ids) if key[1] in oracle.paths else set()
        for key, ids in wanted.items()
    }
    for type_name, owner, local_id, path in seen.records:
        if type_name == "ReleasedRecord":
            # Only a release's owner reads it, and a release lists only its owner's records.
            if owner != caller.administration:
                found.append(f"{path}: a release lists {owner}:{local_id}")
        elif local_id not in allowed[(type_name, owner)]:
            found.append(f"{path}: {type_name} {owner}:{local_id} is not the caller's to see")
    persons: dict[str, set[int]] = {}
    for owner, local_id, _path, _name, _value in seen.entity_data:
        persons.setdefault(owner, set()).add(local_id)
    readable = {
        owner: oracle.personal_data_readable(caller, owner, ids) for owner, ids in persons.items()
    }
    for owner, local_id, path, name, value in seen.entity_data:
        withheld = value is None or value == []
        if local_id not in readable[owner] and not withheld:
            found.append(f"{path}.{name}: personal data of person {owner}:{local_id}: {value!r}")
    if not caller.pii:
        for path, value in seen.persons_concerned:
            if value is not None:
                found.append(f"{path}.personsConcerned without cmaa.pii:read: {value!r}")
    return found
