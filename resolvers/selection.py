"""Which parts of the entities it reads an operation uses (resolvers.sources.parts), in the
exchange schema and in each administration's subgraph alike.

An entity read by id (a case's parties, `entity`, `node`; a subgraph's `_entities` and its
entity references) is read with the attributes some
field of the operation reads, on any `Entity` anywhere in its document; its handling with the
attributes any `Handling` field reads. A field that needs the whole record (`matches`
compares identifiers and name keys), a field this module does not know, and any mutation read
every part. Reads that fill fewer attributes than a field needs would be an error, not a
wrong value (resolvers.sources.parts.UNREAD).
"""

import sys
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.field import StrawberryField

from resolvers.caching import BytesBoundedCache
from resolvers.sources.parts import ENTITY_PARTS, EVERY_PART, HANDLING_PARTS, EntityParts

# Fields every record has, read whatever the parts: its global id and owner.
ALWAYS_READ = frozenset(("__typename", "node_id", "owner"))
# The operations whose parts are remembered (dashboards send a few, again and again), charged
# their text and a set of a few names each.
REMEMBERED_BYTES = 4 * 1024 * 1024
PARTS_BYTES = 1024


class _Selected(Visitor):
    """Every (parent type, field) the document selects."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: set[tuple[str, str]] = set()
        self.mutation = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self.mutation = self.mutation or node.operation is not OperationType.QUERY

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.fields.add((parent.name, node.name.value))


def _attribute(schema: GraphQLSchema, type_name: str, field_name: str) -> str | None:
    """The record attribute a field reads: its Python name; None if it runs other code."""
    if field_name == "__typename":
        return "__typename"
    owner = schema.type_map[type_name]
    if not isinstance(owner, GraphQLObjectType):
        return None
    field = owner.fields[field_name]
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    if type_name == "Handling":
        # Its one resolver (releasedUnder) builds the reference from the same-named attribute.
        return definition.python_name
    return definition.python_name if definition.is_basic_field else None


def entity_parts(schema: GraphQLSchema, document: DocumentNode) -> EntityParts:
    selected = _Selected(TypeInfo(schema))
    visit(document, TypeInfoVisitor(selected.type_info, selected))
    if selected.mutation:
        return EVERY_PART
    entity: set[str] = set()
    handling: set[str] = set()
    for type_name, field_name in selected.fields:
        if type_name not in ("Entity", "Handling"):
            continue
        attribute = _attribute(schema, type_name, field_name)
        known = ENTITY_PARTS if type_name == "Entity" else HANDLING_PARTS
        if attribute in ALWAYS_READ:
            continue
        if attribute is None or attribute not in known:
            return EVERY_PART
        (entity if type_name == "Entity" else handling).add(attribute)
    return EntityParts(frozenset(entity), frozenset(handling))


remembered: BytesBoundedCache[tuple[GraphQLSchema, str], EntityParts] = BytesBoundedCache(
    REMEMBERED_BYTES, lambda key, _parts: sys.getsizeof(key[1]) + PARTS_BYTES
)


class SelectedParts(SchemaExtension):
    """Puts the operation's entity parts in the request's context, before it executes."""

    def on_execute(self) -> Any:
        execution = self.execution_context
        context, query, document = execution.context, execution.query, execution.graphql_document
        if hasattr(context, "entity_parts") and query and document is not None:
            schema = execution.schema._schema
            context.entity_parts = remembered.get_or_make(
                (schema, query), lambda: entity_parts(schema, document)
            )
        yield
