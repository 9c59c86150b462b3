"""The GraphQL vocabulary both schemas are built from: enums, inputs, and object types.

The exchange schema (resolvers.exchange) and every administration's subgraph
(resolvers.subgraph) declare a type once, here; the subgraph build adds its federation
directives and holder-named fields, the exchange its relations and interfaces.
"""
