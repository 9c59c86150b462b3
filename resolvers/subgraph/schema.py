"""The subgraph schema: a Federation 2 rendering of the AdministrationSource interface.

`_entities` resolves references in batches: one source call per entity type per request,
whatever the number of representations, and an entity with only the attributes the operation
selects (resolvers.selection). Each representation is read under the owner's policy like any
other read; one the caller may not see, of the other administration, or of nothing at all
resolves to null, identically.

Each administration's schema is the same but for what only the holder serves: the entity
references by holder (UsEntity, UzEntity), of which the holder's subgraph gives its own an
`entity` and the other's only the key, so a Federation router fetches a partner's entity from
the partner's subgraph; and every root field under its holder's name (`usCases`,
`uzSubmitAssistanceRequest`), which a router in front of both subgraphs sends to the holder.
The shared root fields (`cases`) are each subgraph's own records, which a supergraph of both
cannot tell apart: they are @inaccessible to routers (resolvers.subgraph.holders).
"""

import asyncio
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import federation
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from resolvers.errors import BadUserInput
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.selection import SelectedParts
from resolvers.subgraph.context import SubgraphContext
from resolvers.subgraph.holders import ROOT_TYPES, holder_twin, is_shared_root_field
from resolvers.subgraph.mutations import Mutation, ProcedureQuery
from resolvers.subgraph.query import Query
from resolvers.subgraph.scalars import SCALAR_MAP
from resolvers.subgraph.types import (
    ENTITY_REFERENCES,
    AssistanceRequest,
    Case,
    Entity,
    Evidence,
    reference_type_name,
)
from resolvers.text_inputs import TextInputs
from resolvers.validation import CachedValidation
from store.models.domain import Administration

ENTITY_TYPES = (Case, Entity, Evidence, AssistanceRequest, *ENTITY_REFERENCES.values())
RECORD_TYPE_NAMES = frozenset(("Case", "Entity", "Evidence", "AssistanceRequest"))


def held_fields(holder: Administration) -> frozenset[tuple[str, str]]:
    """(type, field) of the shared types that only `holder`'s subgraph resolves: its entity
    references' record. (Its holder-named root fields are added to its schema alone.)"""
    return frozenset(((reference_type_name(holder), "entity"),))


REFERENCE_TYPES = {reference_type_name(holder): kind for holder, kind in ENTITY_REFERENCES.items()}
# Far above what a gateway asks at once (a page times its fan-out), far below the body limit.
MAX_REPRESENTATIONS = 2000
# @requiresScopes and @authenticated arrived in Federation 2.5; nothing newer is needed.
FEDERATION_VERSION = "2.5"
# The reads of query.py and the procedures' own read (overdueOriginals), as one Query type.
SUBGRAPH_QUERY = merge_types("Query", (Query, ProcedureQuery))


def _reference(representation: Any) -> tuple[str, str] | Any:
    """The (type name, key) of a record the representation asks for; else what it resolves
    to: an error, a reference of an entity by holder (its key alone), or None."""
    if not isinstance(representation, dict):
        return BadUserInput("A representation is an object.", field="representations")
    type_name = representation.get("__typename")
    if type_name not in RECORD_TYPE_NAMES and type_name not in REFERENCE_TYPES:
        return BadUserInput("A representation names an unknown type.", field="representations")
    key = representation.get("id")
    if not isinstance(key, str):
        return None
    if type_name in REFERENCE_TYPES:
        # Only the key: its `entity` is read (under policy) if and when it is asked for.
        return REFERENCE_TYPES[type_name](id=strawberry.ID(key))
    return (type_name, key)


async def _read(context: SubgraphContext, type_name: str, keys: list[str]) -> list[Any]:
    """The records of one type among `keys`; where the read fails, the failure stands in for
    each of them (graphql-core reports an error at each one's place in the list)."""
    try:
        return await context.read_references(type_name, keys)
    except Exception as failure:  # each item reports it, as when each was loaded on its own
        return [failure] * len(keys)


class SubgraphSchema(federation.Schema):
    def __init__(self, administration: Administration, **kwargs: Any) -> None:
        self.administration = administration
        # What only the other administration's subgraph serves (see the module's docstring).
        self._not_served = frozenset(
            held
            for holder in Administration
            if holder is not administration
            for held in held_fields(holder)
        )
        super().__init__(**kwargs)

    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        fields = super().get_fields(type_definition)
        name = type_definition.name
        served = [f for f in fields if (name, f.python_name) not in self._not_served]
        if name not in ROOT_TYPES:
            return served
        graphql_name = self.config.name_converter.get_graphql_name
        return served + [
            holder_twin(self.administration, f, graphql_name(f))
            for f in served
            if is_shared_root_field(name, f)
        ]

    # strawberry makes `_entities` of this method whatever it is; as a coroutine, the field is
    # resolved asynchronously, which its stub's synchronous signature does not foresee.
    async def entities_resolver(  # type: ignore[override]
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Each representation's record, in order: one source call per record type asked for
        (the types' calls at once), each record read under the owner's policy."""
        if len(representations) > MAX_REPRESENTATIONS:
            raise BadUserInput(
                f"At most {MAX_REPRESENTATIONS} representations at a time.",
                field="representations",
            )
        context: SubgraphContext = info.context
        answers: list[Any] = []
        wanted: dict[str, tuple[list[int], list[str]]] = {}
        for representation in representations:
            reference = _reference(representation)
            if isinstance(reference, tuple):
                type_name, key = reference
                places, keys = wanted.setdefault(type_name, ([], []))
                places.append(len(answers))
                keys.append(key)
                reference = None
            answers.append(reference)
        read = await asyncio.gather(
            *(_read(context, type_name, keys) for type_name, (_, keys) in wanted.items())
        )
        for (places, _), found in zip(wanted.values(), read, strict=True):
            for place, record in zip(places, found, strict=True):
                answers[place] = record
        return answers

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Not here: the HTTP endpoint logs each unexpected error once, where it masks it."""


def subgraph_schema(
    administration: Administration, extensions: tuple[Any, ...] = ()
) -> SubgraphSchema:
    """`administration`'s schema; `extensions` (classes or factories) run before validation is
    cached."""
    schema = SubgraphSchema(
        administration,
        query=SUBGRAPH_QUERY,
        mutation=Mutation,
        types=ENTITY_TYPES,
        extensions=(*extensions, TextInputs, CachedValidation, SelectedParts),
        config=StrawberryConfig(scalar_map=SCALAR_MAP, disable_field_suggestions=True),
        federation_version=FEDERATION_VERSION,
    )
    schema.execution_context_class = PlainFieldsExecutionContext.for_schema(schema._schema)
    return schema
