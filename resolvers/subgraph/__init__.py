"""An administration's Apollo Federation v2 subgraph over its AdministrationSource."""

from resolvers.subgraph.context import SubgraphContext
from resolvers.subgraph.schema import SubgraphSchema, subgraph_schema

# Where a subgraph serves GraphQL, below its base URL.
GRAPHQL_PATH = "/graphql"

__all__ = ["GRAPHQL_PATH", "SubgraphContext", "SubgraphSchema", "subgraph_schema"]
