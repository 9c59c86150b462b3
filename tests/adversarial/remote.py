"""The gateway over the remote transport, for the adversarial world: `cmaa gateway`'s app with
both administrations' sources being their Federation subgraphs (already running in the
world), which verify the forwarded token themselves and apply their owner's policy again."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.distributed import GatewayConfig, build_gateway_app
from tests.adversarial.world import AdversarialWorld, subgraph_verifier
from tests.support.servers import running_server


@contextmanager
def remote_gateway(world: AdversarialWorld) -> Iterator[str]:
    """A distributed gateway on loopback over the world's subgraphs; its base URL."""
    config = GatewayConfig(
        host="127.0.0.1",
        port=0,
        public_url=world.base_url,
        cors_origins=(),
        cursor_secret=secrets.token_bytes(32),
        sources=dict(world.subgraphs),
        issuer_jwks={},
        workers=1,
        source=Path("adversarial-world.toml"),
        graphiql=False,
    )
    verifier = subgraph_verifier(world.agreement, world.credentials["issuers"])
    with running_server(build_gateway_app(config, world.agreement, verifier)) as url:
        yield url
