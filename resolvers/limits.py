"""Limits on what one operation may ask for, checked before anything resolves.

The operation text's size is checked before it is parsed (parsing holds the event loop, and a
comment costs no tokens); tokens are counted while parsing; depth, aliases, field selections,
directives and a cost computed from page sizes are counted before validation (fragments
expanded, with a budget so nested spreads cannot blow the walk up, and no fragment spread
inside itself), so an oversized operation is refused as such instead of costing graphql-core's
validation first, which gives up on one with an uncoded "Validation aborted.". Every refusal is
LIMIT_EXCEEDED.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
)
from strawberry.extensions import SchemaExtension

from resolvers.caching import BytesBoundedCache, document_bytes
from resolvers.errors import LimitExceeded
from store.agreement import Limits

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
# A list relation without `first` (a case's parties, its evidence) is costed at this many items.
UNPAGED_LIST_COST = 10
# Selections (fields, spreads, inline fragments) the walk visits per field the limit allows:
# an unvalidated document may spread fragments that select nothing, without end.
VISITS_PER_FIELD = 4
# Dashboards send the same few operations again and again: each is parsed once. Bounded in
# bytes: a hundred dashboard operations hold a few megabytes, the largest ones allowed ~3 MB.
PARSED_BYTES = 32 * 1024 * 1024
parsed_documents: BytesBoundedCache[tuple[str, int], DocumentNode] = BytesBoundedCache(
    PARSED_BYTES, lambda _key, document: document_bytes(document)
)


def is_too_long(query: str, max_bytes: int) -> bool:
    """Over `max_bytes` in UTF-8 (a character is at least one byte: a long text is not
    encoded to be counted)."""
    return len(query) > max_bytes or len(query.encode("utf-8", "surrogatepass")) > max_bytes


def parse_bounded(query: str, limits: Limits) -> DocumentNode:
    if is_too_long(query, limits.max_operation_bytes):
        raise LimitExceeded(
            f"The operation text is longer than {limits.max_operation_bytes} bytes.",
            limit="operation_bytes",
        ).as_graphql_error()
    max_tokens = limits.max_tokens
    try:
        return parsed_documents.get_or_make(
            (query, max_tokens),
            lambda: parse(query, max_tokens=max_tokens, no_location=False),
        )
    except GraphQLError as error:
        if "tokens" in error.message and "Parsing aborted" in error.message:
            raise LimitExceeded(
                f"The operation has more than {max_tokens} tokens.", limit="tokens"
            ).as_graphql_error() from None
        raise GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            extensions={"code": PARSE_FAILED},
        ) from None


class _Budget(Exception):
    pass


@dataclass
class Measure:
    """What one operation asks for."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    directives: int = 0
    cost: int = 0


class _Walker:
    def __init__(self, document: DocumentNode, variables: dict[str, Any], limits: Limits) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.limits = limits
        self.defaults: dict[str, int] = {}
        self.measure = Measure()
        self.visits = 0
        self.spreading: set[str] = set()

    def _page_size(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value, self.defaults.get(value.name.value))
                return given if isinstance(given, int) else self.limits.default_page_size
        return None

    def walk(self, selection_set: SelectionSetNode | None, depth: int, weight: int) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            self.visits += 1
            if self.visits > self.limits.max_fields * VISITS_PER_FIELD:
                raise _Budget
            self.measure.directives += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                self.measure.fields += 1
                if self.measure.fields > self.limits.max_fields:
                    raise _Budget
                if selection.alias is not None:
                    self.measure.aliases += 1
                self.measure.depth = max(self.measure.depth, depth)
                self.measure.cost += weight
                page = self._page_size(selection)
                inner = weight * page if page is not None else weight
                if (
                    page is None
                    and selection.selection_set
                    and selection.name.value
                    in (
                        "parties",
                        "evidence",
                        "custody",
                        "identifiers",
                        "records",
                        "matches",
                    )
                ):
                    inner = weight * UNPAGED_LIST_COST
                # Introspection's type references nest `ofType` to unwrap lists and non-nulls;
                # that chain is bounded by the schema, so it does not count as depth.
                nested = depth if selection.name.value == "ofType" else depth + 1
                self.walk(selection.selection_set, nested, inner)
            elif isinstance(selection, InlineFragmentNode):
                self.walk(selection.selection_set, depth, weight)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                # A cycle is validation's to report; the walk only must not follow it.
                if fragment is not None and name not in self.spreading:
                    self.spreading.add(name)
                    self.walk(fragment.selection_set, depth, weight)
                    self.spreading.discard(name)


def measure_operation(
    document: DocumentNode, operation_name: str | None, variables: dict[str, Any], limits: Limits
) -> LimitExceeded | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    walker = _Walker(document, variables, limits)
    try:
        for operation in chosen[:1]:
            walker.defaults = {
                definition.variable.name.value: int(definition.default_value.value)
                for definition in operation.variable_definitions or ()
                if isinstance(definition.default_value, IntValueNode)
            }
            walker.walk(operation.selection_set, 1, 1)
    except _Budget:
        return LimitExceeded(
            f"The operation selects more than {limits.max_fields} fields.", limit="fields"
        )
    measured = walker.measure
    checks: list[tuple[int, int, str, str]] = [
        (measured.depth, limits.max_depth, "depth", "is nested deeper than"),
        (measured.aliases, limits.max_aliases, "aliases", "uses more aliases than"),
        (measured.directives, limits.max_directives, "directives", "uses more directives than"),
        (measured.cost, limits.max_cost, "cost", "would cost more than"),
    ]
    for value, limit, name, sentence in checks:
        if value > limit:
            return LimitExceeded(f"The operation {sentence} {limit} ({name}).", limit=name)
    return None


def names_no_operation(query: str, operation_name: str | None, limits: Limits) -> bool:
    """A document of several operations with no operationName: GraphQL asks for a request
    error, rather than running the first one."""
    if operation_name is not None:
        return False
    try:
        document = parse_bounded(query, limits)
    except GraphQLError:
        return False  # the parse error is reported by the execution that follows
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return len(operations) > 1


def operation_limits(limits: Limits) -> Callable[[], SchemaExtension]:
    """An extension factory enforcing `limits` (extensions are made per request)."""

    class OperationLimits(SchemaExtension):
        measured = False

        def _refuse_if_exceeded(self) -> None:
            context = self.execution_context
            if context.graphql_document is None or self.measured:
                return
            self.measured = True
            exceeded = measure_operation(
                context.graphql_document, context.operation_name, context.variables or {}, limits
            )
            if exceeded is not None:
                raise exceeded.as_graphql_error()

        def on_parse(self) -> Iterator[None]:
            context = self.execution_context
            if context.graphql_document is None and context.query:
                context.graphql_document = parse_bounded(context.query, limits)
            yield

        def on_validate(self) -> Iterator[None]:
            # Before validation, and raised like the token limit above: the refusal stands
            # whatever other extensions do in this hook (CachedValidation sets the errors of its
            # own validation), and no validation work is spent on an oversized operation.
            self._refuse_if_exceeded()
            yield

        def on_execute(self) -> Iterator[None]:
            # Should validation ever be skipped, the limits still hold before anything runs.
            self._refuse_if_exceeded()
            yield

    return OperationLimits
