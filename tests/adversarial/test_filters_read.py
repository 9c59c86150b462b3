"""A filter is a read: for every filter argument of every list field (found from the exchange
schema itself, so a filter added later is probed without editing this test) and every demo
identity, on both transports, filtering on data the caller may not read gives exactly the
answer that filtering on a value nobody holds gives.

What the caller may read is what the gateway answers it, unfiltered (every list, every leaf);
what is withheld is whatever the owners' stores hold beyond that (read here in plain SQL).
A filter argument whose type this test does not know how to probe fails the test: teach it.
"""

import itertools
import json
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

from resolvers.exchange.schema import build_exchange_schema
from store.identifiers import InvalidIdentifier, normalise_identifier
from store.names import normalise_name
from tests.adversarial.oracle import RELEASABLE, Caller, Oracle, encode_global_id
from tests.adversarial.remote import remote_gateway
from tests.adversarial.support import graphql
from tests.adversarial.world import AdversarialWorld

PAGING = frozenset({"first", "after"})
PAGE = 100
# Every leaf of a page costs: the unfiltered read goes in smaller pages.
FULL_READ_PAGE = 10
# Of each kind of withheld value, this many are tried per filter argument and identity.
PROBES = 4
# The demo's client identities, and its two people of each administration as principals of
# the same administration, designation and scopes (client credentials narrowed to them).
READS_WITHOUT_PII = (
    "cmaa.cases:read cmaa.entities:read cmaa.evidence:read cmaa.evidence:content "
    "cmaa.requests:read cmaa.audit:read"
)
IDENTITIES: tuple[tuple[str, str | None], ...] = tuple(
    identity
    for prefix in ("us", "uz")
    for identity in (
        (f"{prefix}-dashboard", None),
        (f"{prefix}-analyst", None),
        (f"{prefix}-undesignated", None),
        (f"{prefix}-workflow", None),
        # The designated analyst person reads as the dashboard does; the trainee person:
        (f"{prefix}-undesignated", READS_WITHOUT_PII),
        (f"{prefix}-analyst", "cmaa.cases:read"),  # cases without their parties
    )
)
# Text the stores hold that is worth hiding, by table and column.
TEXTS = {
    "cases": ("reference", "title", "summary"),
    "entities": ("name", "name_cyrillic", "address", "description"),
    "entity_identifiers": ("value",),
    "evidence": ("title", "description", "collected_by"),
    "assistance_requests": ("reference", "matter", "case_description"),
}
MOMENTS = {
    "cases": ("opened_at", "closed_at"),
    "assistance_requests": ("submitted_at", "due_at"),
    "evidence": ("collected_at",),
    "entities": ("created_at",),
}
NOBODY = "qq-nobody-holds-this-7f3a"
# Longer text is refused as input before any filter runs.
MAX_TEXT = 100


@dataclass(frozen=True)
class Argument:
    """One leaf of a list field's filter: root field, path of input fields, leaf type."""

    root: str
    argument: str
    path: tuple[str, ...]
    type_name: str
    is_list: bool
    composite: GraphQLInputObjectType | None = None


@dataclass
class Readable:
    """Everything one caller reads, unfiltered."""

    texts: list[str] = field(default_factory=list)
    name_keys: list[str] = field(default_factory=list)
    moments: set[datetime] = field(default_factory=set)
    identifiers: set[tuple[str, str]] = field(default_factory=set)  # (type, normalised)
    nodes: dict[str, set[str]] = field(default_factory=dict)  # root field → node keys

    def holds_text(self, value: str) -> bool:
        """Whether some text the caller reads contains `value`, as a text filter compares
        (case-folded) or as a name filter does (name keys, across scripts)."""
        if not hasattr(self, "_joined"):
            self._joined = "\x00".join(self.texts)
            self._joined_keys = "\x00".join(self.name_keys)
        key = normalise_name(value)
        return value.casefold() in self._joined or (bool(key) and key in self._joined_keys)


def _unwrap(type_: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


def list_fields(schema: GraphQLSchema) -> dict[str, GraphQLField]:
    """Root fields answering a list (a connection or a list) that take any argument but paging."""
    found = {}
    query = schema.query_type
    assert query is not None
    for name, definition in query.fields.items():
        named, is_list = _unwrap(definition.type)
        connection = isinstance(named, GraphQLObjectType) and "edges" in named.fields
        if (connection or is_list) and set(definition.args) - PAGING:
            found[name] = definition
    return found


def filter_arguments(schema: GraphQLSchema) -> list[Argument]:
    found: list[Argument] = []

    def leaves(root: str, argument: str, type_: Any, path: tuple[str, ...]) -> None:
        named, is_list = _unwrap(type_)
        if isinstance(named, GraphQLInputObjectType) and not _is_identifier(named):
            for name, inner in named.fields.items():
                leaves(root, argument, inner.type, (*path, name))
            return
        composite = named if isinstance(named, GraphQLInputObjectType) else None
        found.append(Argument(root, argument, path, named.name, is_list, composite))

    for root, definition in list_fields(schema).items():
        for argument, given in definition.args.items():
            if argument not in PAGING:
                leaves(root, argument, given.type, ())
    return found


def _is_identifier(type_: GraphQLInputObjectType) -> bool:
    """An identifier is probed whole (type, value and issuing country together)."""
    return {"type", "value"} <= set(type_.fields)


def _node_key_selection(schema: GraphQLSchema, root: str) -> str:
    node = _node_type(schema, root)
    if "id" in node.fields:
        return "id"
    return " ".join(
        name
        for name, definition in node.fields.items()
        if isinstance(get_named_type(definition.type), GraphQLScalarType | GraphQLEnumType)
        and not isinstance(_unwrap(definition.type)[0], GraphQLObjectType)
    )


def _node_type(schema: GraphQLSchema, root: str) -> GraphQLObjectType:
    query = schema.query_type
    assert query is not None
    named, _ = _unwrap(query.fields[root].type)
    if "edges" in named.fields:
        edge, _ = _unwrap(named.fields["edges"].type)
        node, _ = _unwrap(edge.fields["node"].type)
        return node  # type: ignore[no-any-return]
    return named  # type: ignore[no-any-return]


def _leaves(type_: GraphQLObjectType, depth: int, seen: tuple[str, ...] = ()) -> str:
    """Every leaf of `type_`, and of the objects it holds down to `depth` levels."""
    parts = []
    for name, definition in type_.fields.items():
        if any(isinstance(given.type, GraphQLNonNull) for given in definition.args.values()):
            continue
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif isinstance(named, GraphQLObjectType) and depth > 0 and named.name not in seen:
            inner = _leaves(named, depth - 1, (*seen, type_.name))
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


def _collect(value: Any, readable: Readable, typename: str | None = None) -> None:
    if isinstance(value, dict):
        if {"type", "value"} <= set(value):
            try:
                identifier = normalise_identifier(
                    str(value["type"]), str(value["value"]), value.get("issuingCountry")
                )
                readable.identifiers.add((identifier.type.value, identifier.normalised))
            except InvalidIdentifier:
                pass
        for inner in value.values():
            _collect(inner, readable)
    elif isinstance(value, list):
        for inner in value:
            _collect(inner, readable)
    elif isinstance(value, str):
        readable.texts.append(value.casefold())
        readable.name_keys.append(normalise_name(value))
        moment = _moment(value)
        if moment is not None:
            readable.moments.add(moment)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
        if isinstance(moment, date) and not isinstance(moment, datetime):
            return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class Probe:
    url: str
    token: str
    http: httpx.Client

    def ask(
        self, root: str, selection: str, arguments: dict[str, Any], page: int = PAGE
    ) -> dict[str, Any]:
        """The whole answer of `root` with `arguments`, every page of it."""
        definition_args = ", ".join(f"${name}: {kind}" for name, (kind, _) in arguments.items())
        passed = ", ".join(f"{name}: ${name}" for name in arguments)
        declared = ", ".join(filter(None, (definition_args, "$after: String")))
        given = ", ".join(filter(None, ("after: $after", passed)))
        text = (
            f"query({declared}) {{ {root}(first: {page}, {given}) {{ totalCount "
            f"pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {selection} }} }} }} }}"
        )
        values = {name: value for name, (_, value) in arguments.items()}
        nodes: list[Any] = []
        after = None
        while True:
            body = graphql(self.http, self.url, self.token, text, {**values, "after": after}).json()
            errors = sorted(
                (str(e.get("path")), (e.get("extensions") or {}).get("code"))
                for e in body.get("errors") or []
            )
            found = (body.get("data") or {}).get(root)
            if found is None:
                return {"errors": errors}
            nodes += [edge["node"] for edge in found["edges"]]
            if not found["pageInfo"]["hasNextPage"]:
                answer = {"totalCount": found["totalCount"], "nodes": nodes}
                return {**answer, "errors": errors} if errors else answer
            after = found["pageInfo"]["endCursor"]


def _type_text(schema: GraphQLSchema, root: str, argument: str) -> str:
    query = schema.query_type
    assert query is not None
    return str(query.fields[root].args[argument].type)


def _nest(path: tuple[str, ...], value: Any) -> Any:
    for name in reversed(path):
        value = {name: value}
    return value


def _key(node: dict[str, Any]) -> str:
    return json.dumps(node, sort_keys=True)


def read_everything(schema: GraphQLSchema, probe: Probe) -> Readable:
    readable = Readable()
    query = schema.query_type
    assert query is not None
    for root, definition in query.fields.items():
        named, _ = _unwrap(definition.type)
        if not (isinstance(named, GraphQLObjectType) and "edges" in named.fields):
            continue
        if root == "auditTrail":
            # The caller's own log names records and clients, nothing of a record's data; it
            # grows with every partner read, so it is left out of what is read once.
            continue
        node = _node_type(schema, root)
        answer = probe.ask(root, _leaves(node, 2), {}, page=FULL_READ_PAGE)
        assert _refused_only(answer), (root, answer)
        _collect(answer.get("nodes", []), readable)
    for root in list_fields(schema):
        answer = probe.ask(root, _node_key_selection(schema, root), {})
        assert _refused_only(answer), (root, answer)
        readable.nodes[root] = {_key(node) for node in answer.get("nodes", [])}
    return readable


def _refused_only(answer: dict[str, Any]) -> bool:
    """An unfiltered read is answered, or refused for want of a scope: nothing else."""
    return "nodes" in answer or all(
        code == "UNAUTHORIZED_FIELD" for _, code in answer.get("errors", [])
    )


@dataclass(frozen=True)
class Held:
    """What the two stores hold, read in SQL: text, moments, identifiers, record ids."""

    texts: tuple[str, ...]
    moments: tuple[datetime, ...]
    identifiers: tuple[tuple[str, str, str | None], ...]
    records: tuple[tuple[str, str, int], ...]  # (type, owner, local id)

    @classmethod
    def of(cls, oracle: Oracle) -> "Held":
        texts: dict[str, None] = {}
        moments: dict[datetime, None] = {}
        identifiers: dict[tuple[str, str, str | None], None] = {}
        records: list[tuple[str, str, int]] = []
        for owner in ("US", "UZ"):
            for table, columns in TEXTS.items():
                for column in columns:
                    for (value,) in oracle.rows(owner, f"SELECT {column} FROM {table}"):
                        if isinstance(value, str) and 4 <= len(value.strip()) <= MAX_TEXT:
                            texts[value] = None
            for table, columns in MOMENTS.items():
                for column in columns:
                    for (value,) in oracle.rows(owner, f"SELECT {column} FROM {table}"):
                        moment = _moment(value) if value is not None else None
                        if moment is not None:
                            moments[moment] = None
            for row in oracle.rows(
                owner, "SELECT type, value, issuing_country FROM entity_identifiers"
            ):
                identifiers[(str(row[0]), str(row[1]), row[2])] = None
            for type_name, (table, _, _) in RELEASABLE.items():
                records += [
                    (type_name, owner, int(row[0]))
                    for row in oracle.rows(owner, f"SELECT id FROM {table} ORDER BY id")
                ]
        return cls(tuple(texts), tuple(moments), tuple(identifiers), tuple(records))


def _normalised(kind: str, value: str, country: str | None) -> tuple[str, str] | None:
    try:
        identifier = normalise_identifier(kind, value, country)
    except InvalidIdentifier:
        return None
    return identifier.type.value, identifier.normalised


def unheld_identifier(
    kind: str, value: str, country: str | None, held: set[tuple[str, str]]
) -> dict[str, Any]:
    """A valid identifier of the same type (and issuing country) that nobody holds: the value
    with one or two characters changed."""
    alphabet = string.digits + string.ascii_uppercase
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    for count in (1, 2):
        for chosen in itertools.combinations(positions, count):
            for replacement in itertools.product(alphabet, repeat=count):
                changed = list(value)
                for position, character in zip(chosen, replacement, strict=True):
                    if value[position].isdigit() != character.isdigit():
                        break
                    changed[position] = character
                else:
                    candidate = "".join(changed)
                    key = _normalised(kind, candidate, country)
                    if candidate != value and key is not None and key not in held:
                        return {"type": kind, "value": candidate, "issuingCountry": country}
    raise AssertionError(f"no unheld {kind} near a held one")


def _spread(values: list[Any], count: int) -> list[Any]:
    """`count` values spread over the list (the stores' order groups similar records)."""
    if len(values) <= count:
        return values
    step = len(values) / count
    return [values[int(i * step)] for i in range(count)]


def probes(
    argument: Argument,
    held: Held,
    readable: Readable,
    oracle: Oracle,
    caller: Caller,
) -> Iterator[tuple[str, Any, Any]]:
    """(what, a withheld value, a value nobody holds) for one filter argument."""
    every_identifier = {
        key
        for kind, value, country in held.identifiers
        if (key := _normalised(kind, value, country)) is not None
    }
    if argument.composite is not None:
        withheld = [
            (kind, value, country)
            for kind, value, country in held.identifiers
            if _normalised(kind, value, country) not in readable.identifiers
        ]
        for kind, value, country in _spread(withheld, PROBES):
            given = {"type": kind, "value": value, "issuingCountry": country}
            yield (
                f"{kind} {value}",
                given,
                unheld_identifier(kind, value, country, every_identifier),
            )
        return
    if argument.type_name == "String":
        withheld = [text for text in held.texts if not readable.holds_text(text)]
        for text in _spread(withheld, PROBES):
            if argument.is_list:
                yield text, [text], [NOBODY]
            else:
                yield text, text, NOBODY
        return
    if argument.type_name == "DateTime":
        tick = timedelta(microseconds=1)
        withheld = [
            moment
            for moment in held.moments
            if moment not in readable.moments
            and moment + tick not in readable.moments
            and moment + tick not in held.moments
        ]
        for moment in _spread(sorted(withheld), PROBES):
            yield moment.isoformat(), moment.isoformat(), (moment + tick).isoformat()
        return
    if argument.type_name == "ID":
        # Records the caller may not see, against an id of the same type nobody holds.
        by_type: dict[tuple[str, str], list[int]] = {}
        for type_name, owner, local_id in held.records:
            by_type.setdefault((type_name, owner), []).append(local_id)
        for (type_name, owner), ids in sorted(by_type.items()):
            hidden = sorted(set(ids) - oracle.visible(caller, type_name, owner, ids))
            missing = encode_global_id(type_name, owner, max(ids) + 1000)
            for local_id in _spread(hidden, 1):
                given = encode_global_id(type_name, owner, local_id)
                yield f"{type_name} {owner} {local_id}", given, missing
        return
    raise AssertionError(
        f"{argument.root}({argument.argument}: {'.'.join(argument.path)}) is a filter on "
        f"{argument.type_name}, which this test does not know how to probe: teach it"
    )


def enum_values(schema: GraphQLSchema, argument: Argument) -> list[Any]:
    named = schema.get_type(argument.type_name)
    assert isinstance(named, GraphQLEnumType), argument
    return [[name] if argument.is_list else name for name in named.values]


def check_identity(
    schema: GraphQLSchema,
    held: Held,
    oracle: Oracle,
    caller: Caller,
    probe: Probe,
) -> tuple[list[str], int]:
    readable = read_everything(schema, probe)
    problems: list[str] = []
    compared = 0
    for argument in filter_arguments(schema):
        kind = _type_text(schema, argument.root, argument.argument)
        selection = _node_key_selection(schema, argument.root)
        where = f"{argument.root}({argument.argument}.{'.'.join(argument.path)})"

        def ask(
            value: Any, argument: Argument = argument, kind: str = kind, selection: str = selection
        ) -> dict[str, Any]:
            given = {argument.argument: (kind, _nest(argument.path, value))}
            return probe.ask(argument.root, selection, given)

        if schema.get_type(argument.type_name) is not None and isinstance(
            schema.get_type(argument.type_name), GraphQLEnumType
        ):
            # A vocabulary, not data: each value still counts and finds only readable records.
            for value in enum_values(schema, argument):
                answer = ask(value)
                compared += 1
                if "nodes" not in answer:
                    continue
                keys = {_key(node) for node in answer["nodes"]}
                if not keys <= readable.nodes[argument.root]:
                    problems.append(f"{where} = {value}: finds records not read unfiltered")
                if answer["totalCount"] != len(answer["nodes"]):
                    problems.append(f"{where} = {value}: counts {answer['totalCount']}")
            continue
        for what, withheld, unheld in probes(argument, held, readable, oracle, caller):
            compared += 1
            got, expected = ask(withheld), ask(unheld)
            if got != expected:
                problems.append(f"{where} on withheld {what!r}: {got} but nobody's: {expected}")
    return problems, compared


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_exchange_schema()._schema


@pytest.fixture(scope="module")
def held(oracle: Oracle) -> Held:
    return Held.of(oracle)


def test_the_schema_has_filters_to_probe(schema: GraphQLSchema) -> None:
    """The walk finds the filters there are (so the property below is not vacuous)."""
    arguments = {(a.root, a.path) for a in filter_arguments(schema)}
    assert ("cases", ("identifier",)) in arguments
    assert ("cases", ("text",)) in arguments
    assert ("entities", ("name",)) in arguments
    assert ("entities", ("identifier",)) in arguments


@pytest.mark.parametrize("transport", ["in-process", "remote"])
def test_filtering_on_withheld_data_answers_like_filtering_on_nothing(
    transport: str,
    world: AdversarialWorld,
    oracle: Oracle,
    schema: GraphQLSchema,
    held: Held,
    http: httpx.Client,
) -> None:
    with remote_gateway(world) if transport == "remote" else _same(world.base_url) as url:
        problems: list[str] = []
        compared = 0
        for client_id, scope in IDENTITIES:
            caller = Caller.of(world.credentials, client_id)
            if scope is not None:
                caller = caller.narrowed(scope.split())
            probe = Probe(url, world.token(client_id, scope), http)
            found, count = check_identity(schema, held, oracle, caller, probe)
            compared += count
            problems += [f"{client_id} ({scope or 'all its scopes'}): {p}" for p in found]
    assert not problems, "\n".join(problems)
    # Every identity compared answers for every filter argument.
    assert compared >= len(IDENTITIES) * len(filter_arguments(schema)), compared


class _same:
    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *_: object) -> None:
        return None


PROBE_KEYS = 100
MATCH_CANDIDATES = """
query($probe: MatchProbe!) { matchCandidates(probe: $probe) { id } }
"""


@pytest.mark.parametrize(
    "client_id", ["us-analyst", "uz-analyst", "us-undesignated", "uz-dashboard"]
)
def test_the_subgraphs_match_probe_finds_no_withheld_person(
    client_id: str, world: AdversarialWorld, oracle: Oracle, http: httpx.Client
) -> None:
    """The subgraph's own search (what `Entity.matches` asks the other administration), asked
    directly: a withheld person's identifiers and name keys find what nothing finds."""
    caller = Caller.of(world.credentials, client_id)
    probed = 0
    for owner, url in ((a.value, u) for a, u in world.subgraphs.items()):
        persons = [
            row[0] for row in oracle.rows(owner, "SELECT id FROM entities WHERE kind = 'PERSON'")
        ]
        visible = oracle.visible(caller, "Entity", owner, persons)
        withheld = sorted(
            set(persons) - (visible & oracle.personal_data_readable(caller, owner, persons))
        )
        if not withheld:
            continue  # a caller's own persons, all readable to it
        probed += 1
        marks = ",".join("?" * len(withheld))
        identifiers = oracle.rows(
            owner,
            f"SELECT type, normalised FROM entity_identifiers WHERE entity_id IN ({marks})",
            *withheld,
        )
        keys = oracle.rows(owner, f"SELECT name_key FROM entities WHERE id IN ({marks})", *withheld)
        # As many as one probe takes (resolvers.subgraph.inputs.MAX_PROBE_KEYS).
        probe = {
            "identifiers": [{"type": k, "normalised": v} for k, v in identifiers][:PROBE_KEYS],
            "nameKeys": [key for (key,) in keys if key][:PROBE_KEYS],
        }
        assert probe["identifiers"] and probe["nameKeys"]
        token = world.token(client_id)
        found = graphql(http, url, token, MATCH_CANDIDATES, {"probe": probe}).json()
        nothing = {
            "identifiers": [{"type": "PASSPORT", "normalised": "QQ0000000"}],
            "nameKeys": [NOBODY],
        }
        expected = graphql(http, url, token, MATCH_CANDIDATES, {"probe": nothing}).json()
        assert "errors" not in found, found
        assert found == expected, (client_id, owner, found)
    assert probed, client_id
