"""The remote transport of AdministrationSource: GraphQL over HTTP to the owner's subgraph."""

from resolvers.sources.remote.credentials import NoForwardableToken, forwarding, token_for
from resolvers.sources.remote.source import RemoteSource

__all__ = ["NoForwardableToken", "RemoteSource", "forwarding", "token_for"]
