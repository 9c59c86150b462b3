"""An administration's Apollo Federation v2 subgraph over its AdministrationSource."""

from resolvers.sources.remote.wire import GRAPHQL_PATH
from resolvers.subgraph.context import SubgraphContext
from resolvers.subgraph.schema import SubgraphSchema, subgraph_schema

__all__ = ["GRAPHQL_PATH", "SubgraphContext", "SubgraphSchema", "subgraph_schema"]
