"""The remote transport of AdministrationSource: GraphQL over HTTP to the owner's subgraph."""

from resolvers.sources.remote.source import RemoteSource

__all__ = ["RemoteSource"]
