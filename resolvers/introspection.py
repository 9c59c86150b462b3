"""The schema is told only to the clients named as trusted with it.

Any token holder of either administration, an undesignated one included, could otherwise read
the whole schema, by introspection or from validation errors a guess at a time (a name that
exists is answered differently from one that does not, and messages name the types involved:
a schema-recovery tool rebuilt most root fields that way). Partners build against the
published SDL (schema/); an explorer such as GraphiQL needs introspection and readable errors,
so its clients are named in configuration. A client is named `ADMINISTRATION:client_id`: the
administration is the one whose issuer signed the token, so a client of one administration
cannot pass for another's by its id alone.

For every other client, a document asking for the schema anywhere (an operation or a fragment,
under any alias) is refused with FORBIDDEN before validation (`__typename` tells nothing of the
schema and stays open), and an operation that does not validate, or whose variables do not fit
it, gets one fixed GRAPHQL_VALIDATION_FAILED error that names nothing and points nowhere.
"""

from collections.abc import Callable, Iterable, Iterator

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from auth.principal import Principal
from resolvers.errors import ExchangeError, Forbidden, OperationInvalid
from store.models.domain import Administration

SCHEMA_FIELDS = frozenset({"__schema", "__type"})
# A Federation subgraph also tells its whole SDL through `_service { sdl }`.
SUBGRAPH_SCHEMA_FIELDS = SCHEMA_FIELDS | {"_service"}
REFUSAL = "Introspection is open only to the clients trusted with it; use the published schema."
NOT_VALID = "The operation is not valid against the schema; check it against the published schema."


class UnknownClientName(ValueError):
    """A trusted client not written as ADMINISTRATION:client_id."""


def client_name(administration: Administration, client_id: str) -> str:
    return f"{administration.value}:{client_id}"


def client_names(values: Iterable[str]) -> frozenset[str]:
    """The trusted clients as configured, each checked to be ADMINISTRATION:client_id."""
    parties = {administration.value for administration in Administration}
    names = set()
    for value in values:
        administration, separator, client_id = str(value).partition(":")
        if not separator or administration not in parties or not client_id.strip():
            raise UnknownClientName(
                f"{value!r} is not ADMINISTRATION:client_id (e.g. US:us-graphiql), "
                f"ADMINISTRATION one of {', '.join(sorted(parties))}"
            )
        names.add(client_name(Administration(administration), client_id))
    return frozenset(names)


def asks_for_schema(document: DocumentNode, fields: frozenset[str]) -> bool:
    """Whether any definition of `document` selects one of `fields`, at any depth."""
    pending: list[SelectionSetNode] = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, ExecutableDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode) and selection.name.value in fields:
                return True
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return False


def introspection_for(
    trusted: frozenset[str], fields: frozenset[str] = SCHEMA_FIELDS
) -> Callable[[], SchemaExtension]:
    """An extension factory refusing `fields` to every client not in `trusted`."""

    class SchemaForTrustedClients(SchemaExtension):
        def _trusted(self) -> bool:
            principal: Principal | None = getattr(self.execution_context.context, "principal", None)
            return (
                principal is not None
                and client_name(principal.administration, principal.client_id) in trusted
            )

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            document, query = context.graphql_document, context.query or ""
            # The names in the text first: most operations ask for none, and skip the walk.
            if (
                document is not None
                and (not query or any(field in query for field in fields))
                and not self._trusted()
                and asks_for_schema(document, fields)
            ):
                raise Forbidden(REFUSAL).as_graphql_error()
            yield
            errors = context.pre_execution_errors
            if errors and not self._trusted():
                # In place: the result strawberry returns already holds this list (a copy of
                # the cached one: resolvers.validation).
                errors[:] = [_not_valid()]

        def on_execute(self) -> Iterator[None]:
            yield
            result = self.execution_context.result
            if result is None or not result.errors or self._trusted():
                return
            # Variables that do not fit the operation are reported by graphql-core before any
            # field runs, naming the types they should have been: those go as well.
            kept = [error for error in result.errors if _ours(error)]
            if len(kept) < len(result.errors):
                kept.append(_not_valid())
            result.errors = kept

    return SchemaForTrustedClients


def _not_valid() -> GraphQLError:
    return OperationInvalid(NOT_VALID).as_graphql_error()


def _ours(error: GraphQLError) -> bool:
    """An error located in the answer or coded by this service, not graphql-core's."""
    return (
        bool(error.path)
        or isinstance(error.original_error, ExchangeError)
        or bool((error.extensions or {}).get("code"))
    )
