"""Holder-named root fields: each administration's own records under a name only it serves.

Both subgraphs serve the same root fields (`cases`, `entities`, `submitAssistanceRequest`, …)
over their own store, so the same name means two different lists or two different procedures.
A query planner in front of both takes a @shareable root field for one list it may fetch from
either subgraph, or split between them; so the shared names are @inaccessible to a router, and
each root field has a twin named after its holder (`usCases`, `uzSubmitAssistanceRequest`),
which only the holder's subgraph serves. Our gateway calls each subgraph directly and keeps
using the shared names.
"""

from copy import copy

from strawberry.federation.schema_directives import Inaccessible, Shareable
from strawberry.types.field import StrawberryField

from store.models.domain import Administration

ROOT_TYPES = frozenset(("Query", "Mutation"))
FEDERATION_FIELDS = frozenset(("_entities", "_service"))


def holder_field_name(holder: Administration, graphql_name: str) -> str:
    """`cases` held by the US → `usCases`."""
    return f"{holder.value.lower()}{graphql_name[0].upper()}{graphql_name[1:]}"


def is_shared_root_field(type_name: str, field: StrawberryField) -> bool:
    return (
        type_name in ROOT_TYPES
        and field.python_name not in FEDERATION_FIELDS
        and any(isinstance(directive, Shareable) for directive in field.directives)
    )


def holder_twin(
    holder: Administration, field: StrawberryField, graphql_name: str
) -> StrawberryField:
    """The shared root field `field` (GraphQL name `graphql_name`) under `holder`'s name: the
    same arguments, resolver and scopes, neither shared nor hidden from routers."""
    twin = copy(field)
    name = holder_field_name(holder, graphql_name)
    twin.python_name = f"{holder.value.lower()}_{field.python_name}"
    twin.graphql_name = name
    twin.description = f"{field.description} Served by {holder.value}'s subgraph alone."
    twin.directives = [
        directive
        for directive in field.directives
        if not isinstance(directive, (Shareable, Inaccessible))
    ]
    return twin
