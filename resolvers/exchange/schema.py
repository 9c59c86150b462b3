"""The exchange schema: one GraphQL API over both administrations."""

import warnings
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from resolvers.exchange.mutations import Mutation
from resolvers.exchange.query import Query
from resolvers.exchange.types import AssistanceRequest, Case, Entity, Evidence, Release
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.reporting import ReportedErrors
from resolvers.selection import SelectedParts
from resolvers.text_inputs import TextInputs
from resolvers.validation import CachedValidation


class ExchangeSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Errors are logged where they are formatted for the caller (gateway.http.errors):
        unexpected ones with their traceback, expected ones (coded refusals) not at all."""


# Extensions are given as classes or factories, made anew for each request.
Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


def build_exchange_schema(extensions: tuple[Extension, ...] = ()) -> strawberry.Schema:
    with warnings.catch_warnings():
        # @requiresScopes is Apollo Federation's directive; the exchange schema prints it so
        # partners see each field's scope, without being a subgraph itself.
        warnings.filterwarnings("ignore", message="Federation directive found in schema")
        schema = ExchangeSchema(
            query=Query,
            mutation=Mutation,
            types=[Case, Entity, Evidence, AssistanceRequest, Release],
            extensions=[
                ReportedErrors,
                SelectedParts,
                TextInputs,
                *extensions,
                CachedValidation,
            ],
            config=StrawberryConfig(disable_field_suggestions=True),
        )
    schema.execution_context_class = PlainFieldsExecutionContext.for_schema(schema._schema)
    return schema
