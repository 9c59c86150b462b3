"""The exchange schema: one GraphQL API over both administrations."""

import warnings

import strawberry
from strawberry.schema.config import StrawberryConfig

from resolvers.exchange.query import Query
from resolvers.exchange.types import AssistanceRequest, Case, Entity, Evidence, Release
from resolvers.reporting import ReportedErrors


def build_exchange_schema(extensions: tuple[type, ...] = ()) -> strawberry.Schema:
    with warnings.catch_warnings():
        # @requiresScopes is Apollo Federation's directive; the exchange schema prints it so
        # partners see each field's scope, without being a subgraph itself.
        warnings.filterwarnings("ignore", message="Federation directive found in schema")
        return strawberry.Schema(
            query=Query,
            types=[Case, Entity, Evidence, AssistanceRequest, Release],
            extensions=[ReportedErrors, *extensions],
            config=StrawberryConfig(disable_field_suggestions=True),
        )
