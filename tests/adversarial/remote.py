"""The gateway over the remote transport, for the adversarial world: both administrations'
sources are their Federation subgraphs (already running in the world), which verify the
forwarded token themselves and apply their owner's policy again."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from starlette.applications import Starlette

from gateway.app import GatewayParts, gateway_routes, hardening
from resolvers.exchange.administrations import Administrations
from resolvers.sources.remote import RemoteSource
from tests.adversarial.world import AdversarialWorld, subgraph_verifier
from tests.support.servers import running_server


@contextmanager
def remote_gateway(world: AdversarialWorld) -> Iterator[str]:
    """A gateway on loopback whose two sources are the world's subgraphs; its base URL."""
    limits = world.agreement.limits
    administrations = Administrations(
        {
            administration: RemoteSource(administration, url, limits)
            for administration, url in world.subgraphs.items()
        },
        timeout_seconds=limits.source_timeout_seconds,
    )
    parts = GatewayParts(
        agreement=world.agreement,
        administrations=administrations,
        verifier=subgraph_verifier(world.agreement, world.credentials["issuers"]),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await administrations.aclose()

    app = Starlette(
        routes=gateway_routes(parts), middleware=hardening(parts, world.base_url), lifespan=lifespan
    )
    with running_server(app) as url:
        yield url
