"""Our schemas' execution context: graphql-core's, with a fast path for plain fields.

Used by the exchange schema and by each administration's subgraph. A list of 50 cases with
their handling and parties is some 3,500 field values, and most are plain attributes of
records: a scalar or an enum that no resolver, extension, argument or directive touches.
graphql-core builds a resolve-info object for each, calls strawberry's default resolver
through two wrappers and completes the value through the general path; here such a field is
read and serialised directly (DESIGN.md §9, "Speed"). Anything else, and any value the fast
path cannot complete (a null in a non-null field, a value its type refuses), takes
graphql-core's own path, so results and errors are exactly the general path's.

An object whose selection holds only such fields, and objects and lists of objects that hold
only such fields in turn (a case's parties with their entities and handling, say), is written
by a plan made once per operation for that selection (resolvers.plans): the record's attributes
are read straight into the answer's dictionary, in the selection's order, by a writer generated
for the plan's shape, without graphql-core's per-field work. Whatever the plan cannot write as
graphql-core would, it leaves to
graphql-core's path for that object, which then writes it, errors included, as it always has.

A field that reads from a source for each record of a list (a case's parties) may declare a
batch load (`batched`): where a list's records, or the objects one plain field below its items
(a connection's edges' nodes), are about to be completed and the operation selects that field
on them, as graphql-core decides (fragments, @skip and @include), the field's values are
loaded for all of them at once first; each record's resolver then answers from what was
loaded, without a future or a task of its own. The same loaders read under the same policy,
and the same reads are audited; only when they run changes.

graphql-core also looks for an `@stream` directive on every list it completes; a schema that
does not define `@stream` cannot be asked for it, so that look-up is skipped.

Every operation executes with a ledger of its partner reads (resolvers.sources.ledger): when
its data is complete, each owner's entries are appended to that owner's audit
chain, and only then is the result built. If an append fails, the operation's data is
withheld: the caller gets an error and no data.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.pyutils import Undefined
from strawberry.federation.schema_directives import RequiresScopes
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from resolvers.authorization import ScopeGuard
from resolvers.errors import SourceUnavailableError
from resolvers.plans import MISSING, ObjectPlan, PlainField, Step, complete, write_list
from resolvers.sources.ledger import CURRENT_LEDGER, AuditUnrecorded, ReadLedger

log = logging.getLogger(__name__)

# The key, in a strawberry field's metadata, of its batch load (`batched`).
BATCH_LOAD = "cmaa.batch_load"
BATCH_LOADED = "cmaa.batch_loaded"
# A batch load: given records of the field's type and the operation's context, it loads the
# field's values for all of them where the resolver will find them.
BatchLoad = Callable[[Sequence[Any], Any], Awaitable[None]]
# What a batch load left for one record: given the operation's context and the record, its
# value, or None where it was not loaded.
BatchLoaded = Callable[[Any, Any], Any]


def batched(load: BatchLoad, loaded: BatchLoaded) -> dict[str, Any]:
    """The metadata of a field whose values `load` loads for a whole list of records at once,
    and `loaded` reads back for one record. A plan writes such a field from what was loaded
    where the field's guards let the caller read it; the batch load must then load exactly
    what the field's resolver would answer."""
    return {BATCH_LOAD: load, BATCH_LOADED: loaded}


class Batch(NamedTuple):
    """A batch load to run before a list is completed, over the record that `via` (attribute
    names) leads to from each item of the list: () for the item itself."""

    via: tuple[str, ...]
    load: BatchLoad


def _enum_coercion(enum: GraphQLEnumType) -> Callable[[Any], Any]:
    """An enum value's name by one dictionary look-up. strawberry's enum type compares the
    value with each of its values in turn (reading `Enum.value`, a descriptor, each time);
    the first name whose value equals it is the one graphql-core and strawberry give, and
    the one kept here. A value not found takes the type's own path (and its error)."""
    names: dict[Any, str] = {}
    for name, enum_value in enum.values.items():
        value = (
            name if enum_value.value is None or enum_value.value is Undefined else enum_value.value
        )
        names.setdefault(value, name)
    wrapped = getattr(enum, "wrapped_cls", None)
    slow = enum.coerce_output_value

    def coerce(value: Any) -> Any:
        key = value._value_ if wrapped is not None and isinstance(value, wrapped) else value
        try:
            name = names.get(key)
        except TypeError:  # unhashable: the type's own path decides
            name = None
        return name if name is not None else slow(value)

    return coerce


def _unwrap(graphql_type: Any) -> tuple[Any, bool]:
    if isinstance(graphql_type, GraphQLNonNull):
        return graphql_type.of_type, True
    return graphql_type, False


def _leaf(field: Any, attribute: str) -> PlainField | None:
    """How the field's value is serialised where its type is a scalar or an enum, or a list
    of them; None for any other type."""
    outer, non_null = _unwrap(field.type)
    is_list = isinstance(outer, GraphQLList)
    items_non_null = False
    if is_list:
        outer, items_non_null = _unwrap(outer.of_type)
    if not isinstance(outer, (GraphQLScalarType, GraphQLEnumType)):
        return None
    coerce = (
        _enum_coercion(outer) if isinstance(outer, GraphQLEnumType) else outer.coerce_output_value
    )
    return PlainField(attribute, outer, non_null, is_list, items_non_null, coerce)


def _plain_field(field: Any) -> PlainField | None:
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if field.args or definition.permission_classes or definition.directives:
        return None
    return _leaf(field, definition.python_name)


def plain_fields(schema: GraphQLSchema) -> dict[tuple[str, str], PlainField]:
    """Every plain leaf field of the schema's object types, by (type name, field name)."""
    found: dict[tuple[str, str], PlainField] = {}
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            plain = _plain_field(field)
            if plain is not None:
                found[(type_name, field_name)] = plain
    return found


def _is_plain_object_field(field: Any) -> bool:
    """A field that returns its record's attribute as it is, an object or a list of them."""
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return False
    return not (field.args or definition.permission_classes or definition.directives)


def _computed(field: Any) -> Callable[[Any], Any] | None:
    """A field whose resolver needs nothing but its record (a method of the type taking only
    `self`, or a function taking only its `strawberry.Parent`; sync, with no arguments,
    extensions, permissions or directives): the call that gives its value; None for any
    other field."""
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        return None
    resolver = definition.base_resolver
    if field.args or definition.extensions or definition.permission_classes:
        return None
    if definition.directives or resolver.is_async or resolver.info_parameter:
        return None
    if resolver.root_parameter or len(resolver.signature.parameters) != 1:
        return None
    if resolver.self_parameter is not None:
        return lambda record: resolver(record)
    parent = resolver.parent_parameter
    if parent is None:
        return None
    return lambda record: resolver(**{parent.name: record})


def _batch_load(field: Any) -> BatchLoad | None:
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.metadata:
        return None
    load: BatchLoad | None = definition.metadata.get(BATCH_LOAD)
    return load


def _records_via(items: Sequence[Any], via: tuple[str, ...]) -> list[Any]:
    records = []
    for item in items:
        for attribute in via:
            item = getattr(item, attribute, None)
        if item is not None:
            records.append(item)
    return records


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # Filled per schema by `for_schema`; a schema's fields never change once it is built.
    _plain: dict[tuple[str, str], PlainField] = {}  # noqa: RUF012
    _streams: bool = True

    @classmethod
    def for_schema(cls, schema: GraphQLSchema) -> type["PlainFieldsExecutionContext"]:
        return type(
            cls.__name__,
            (cls,),
            {
                "_plain": plain_fields(schema),
                "_streams": schema.get_directive("stream") is not None,
            },
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # strawberry always passes a manager; only one that holds middleware wraps resolvers.
        self._fast = manager is None or not manager.middlewares
        # This operation's object plans, by (type, identity of the field list) as graphql-core
        # memoizes its sub-fields (the list is kept alive, so its id is not reused); None
        # where a selection cannot be planned.
        self._plans: dict[tuple[str, int], tuple[Any, ObjectPlan | None]] = {}
        # The batch loads of the lists of this operation, keyed as the plans are.
        self._batches: dict[tuple[str, int], tuple[Any, tuple[Batch, ...]]] = {}

    def _plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> ObjectPlan | None:
        key = (object_type.name, id(field_details_list))
        known = self._plans.get(key)
        if known is not None:
            return known[1]
        plan = self._make_plan(object_type, field_details_list)
        self._plans[key] = (field_details_list, plan)
        return plan

    def _make_plan(
        self, object_type: GraphQLObjectType, field_details_list: Any
    ) -> ObjectPlan | None:
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return None
        plan = ObjectPlan(object_type)
        for key, details in grouped_field_set.items():
            name = details[0].node.name.value
            if name == "__typename":
                plan.steps.append(Step(key, name, None, None))
                continue
            leaf = self._plain.get((object_type.name, name))
            if leaf is not None:
                plan.steps.append(Step(key, leaf.attribute, leaf, None))
                continue
            field = object_type.fields.get(name)
            if field is None:
                return None
            call = (
                None if _is_plain_object_field(field) else _computed(field) or self._loaded(field)
            )
            if call is None and not _is_plain_object_field(field):
                return None
            attribute = field.extensions["strawberry-definition"].python_name
            computed_leaf = None if call is None else _leaf(field, attribute)
            if computed_leaf is not None:
                # A scalar a resolver gives from the record alone (a global id, say).
                plan.steps.append(Step(key, attribute, computed_leaf, None, call=call))
                continue
            outer, non_null = _unwrap(field.type)
            is_list = isinstance(outer, GraphQLList)
            items_non_null = False
            if is_list:
                outer, items_non_null = _unwrap(outer.of_type)
            if not isinstance(outer, GraphQLObjectType):
                return None
            inner = self._plan(outer, details)
            if inner is None:
                return None
            plan.steps.append(
                Step(key, attribute, None, inner, non_null, is_list, items_non_null, call)
            )
        return plan if plan.compile() else None

    def _permitted(self, definition: StrawberryField) -> bool:
        """Whether every guard of the field lets this operation's caller read it: the one
        decision both a batch load and a plan take for a guarded field (the guards'
        own, resolvers.authorization.ScopeGuard); any other extension counts as a refusal."""
        principal = getattr(self.context_value, "principal", None)
        if principal is None:
            return False
        return all(
            isinstance(guard, ScopeGuard) and guard.permits(principal)
            for guard in definition.extensions
        )

    def _loaded(self, field: Any) -> Callable[[Any], Any] | None:
        """For a batched field whose every guard lets this operation's caller read it: the
        call that gives a record's value as its batch load left it, or MISSING where it is
        not loaded (graphql-core's path then resolves the record, guards and all)."""
        definition = field.extensions.get("strawberry-definition")
        if not isinstance(definition, StrawberryField) or not definition.metadata:
            return None
        loaded: BatchLoaded | None = definition.metadata.get(BATCH_LOADED)
        if loaded is None or field.args:
            return None
        # A scope's directive only prints it: the guard below enforces it.
        if not all(isinstance(directive, RequiresScopes) for directive in definition.directives):
            return None
        if not self._permitted(definition):
            return None
        context = self.context_value

        def call(record: Any) -> Any:
            value = loaded(context, record)
            return MISSING if value is None else value

        return call

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._fast and not self._streams:
            plan = self._plan(return_type, field_details_list)
            if plan is not None:
                try:
                    written = plan.write(result)
                except Exception:  # the general path reports it, as graphql-core does
                    written = MISSING
                if written is not MISSING:
                    return written
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def _batches_of(
        self, item_type: GraphQLObjectType, field_details_list: Any
    ) -> tuple[Batch, ...]:
        key = (item_type.name, id(field_details_list))
        known = self._batches.get(key)
        if known is not None:
            return known[1]
        found: list[Batch] = []
        if not self._find_batches(item_type, field_details_list, (), found):
            found.clear()
        self._batches[key] = (field_details_list, tuple(found))
        return self._batches[key][1]

    def _find_batches(
        self,
        object_type: GraphQLObjectType,
        field_details_list: Any,
        via: tuple[str, ...],
        found: list[Batch],
    ) -> bool:
        """Add the batch loads of the fields the operation selects on `object_type` and, one
        level down, on the objects its plain object fields hold. False where such a level also
        selects a field that resolves on its own, asynchronously: its loads would wait for the
        batch, where they now go out with it, so such a list is not batched."""
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return False
        for details in grouped_field_set.values():
            field = object_type.fields.get(details[0].node.name.value)
            if field is None:
                continue
            definition = field.extensions.get("strawberry-definition")
            load = _batch_load(field)
            if load is not None:
                # What the field's guard would refuse is not read ahead of it.
                if self._permitted(definition):
                    found.append(Batch(via, load))
                continue
            resolver = getattr(definition, "base_resolver", None)
            if resolver is not None and resolver.is_async:
                return False
            outer, _ = _unwrap(field.type)
            if not via and isinstance(outer, GraphQLObjectType) and _is_plain_object_field(field):
                attribute = definition.python_name
                if not self._find_batches(outer, details, (attribute,), found):
                    return False
        return True

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        item_type, items_non_null = _unwrap(return_type.of_type)
        if isinstance(item_type, GraphQLObjectType) and isinstance(result, list):
            batches = self._batches_of(item_type, field_details_list) if result else ()
            if batches:
                return self._complete_loaded(
                    batches, return_type, field_details_list, info, path, result, position_context
                )
            written = self._written_list(item_type, items_non_null, field_details_list, result)
            if written is not MISSING:
                return written
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _written_list(
        self,
        item_type: GraphQLObjectType,
        items_non_null: bool,
        field_details_list: Any,
        items: list[Any],
    ) -> Any:
        """The list written item by item by its items' plan; MISSING where graphql-core must
        complete it (an item the plan cannot write: the whole list goes the general path)."""
        if not self._fast or self._streams:
            return MISSING
        plan = self._plan(item_type, field_details_list)
        if plan is None:
            return MISSING
        try:
            return write_list(plan.write, items, items_non_null)
        except Exception:  # the general path reports it, as graphql-core does
            return MISSING

    async def _complete_loaded(
        self,
        batches: tuple[Batch, ...],
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: list[Any],
        position_context: Any,
    ) -> Any:
        """Run the list's batch loads, then complete it as graphql-core would."""
        for batch in batches:
            records = _records_via(result, batch.via)
            if not records:
                continue
            try:
                await batch.load(records, self.context_value)
            except Exception:
                # Nothing is lost: each record's resolver loads its own value, and the general
                # path reports whatever goes wrong there, at that record's path.
                log.exception("a batch load failed; the list's records load one by one")
        item_type, items_non_null = _unwrap(return_type.of_type)
        written = self._written_list(item_type, items_non_null, field_details_list, result)
        if written is not MISSING:
            return written
        completed = super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )
        return await completed if self.is_awaitable(completed) else completed

    def get_stream_usage(self, field_details_list: Any, path: Any) -> Any:
        if not self._streams:
            return None
        return super().get_stream_usage(field_details_list, path)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        plain = self._plain.get((parent_type.name, field_details_list[0].node.name.value))
        if plain is not None and self._fast:
            try:
                completed = complete(plain, getattr(source, plain.attribute))
            except Exception:  # the general path reports it, as graphql-core does
                completed = MISSING
            if completed is not MISSING:
                return completed
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def execute_root_grouped_field_set(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        position_context: Any,
    ) -> Any:
        """The operation's fields, executed with a ledger of its partner reads, which are
        appended to their owners' audit chains before the data is returned."""
        ledger = ReadLedger()
        token = CURRENT_LEDGER.set(ledger)
        try:
            data = super().execute_root_grouped_field_set(
                root_type, root_value, grouped_field_set, serially, position_context
            )
        except BaseException:
            CURRENT_LEDGER.reset(token)
            raise
        if not self.is_awaitable(data):
            CURRENT_LEDGER.reset(token)
            if ledger.pending:  # every read is awaited: a completed operation has none left
                raise _withheld(AuditUnrecorded(()))
            return data
        return self._recorded(data, ledger, token)

    async def _recorded(self, data: Awaitable[Any], ledger: ReadLedger, token: Any) -> Any:
        try:
            completed = await data
        finally:
            CURRENT_LEDGER.reset(token)
        if ledger.pending:
            try:
                await ledger.append_all()
            except AuditUnrecorded as failure:
                raise _withheld(failure) from None
        return completed


def _withheld(failure: AuditUnrecorded) -> GraphQLError:
    """The error that replaces an answer whose reads its owners' logs did not take: the answer
    is not sent (graphql-core's execute_operation turns this into data null)."""
    administration = failure.administrations[0].value if failure.administrations else "partner"
    return GraphQLError(
        f"The {administration} administration's data is unavailable right now; "
        "no data was returned. Try again shortly.",
        extensions={"code": SourceUnavailableError.code, "administration": administration},
    )
