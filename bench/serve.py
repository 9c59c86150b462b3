"""The servers a benchmark run starts, each in a process of its own, all with the same uvicorn
settings (`UVICORN`): loopback, one worker, no access log.

    python -m bench.serve embedded --stores FILE --public-url URL --port P
    python -m bench.serve plain    --body FILE --port P
    python -m bench.serve subgraph --stores FILE --administration US --identity URL --port P
    python -m bench.serve gateway  --config FILE

The agreement is read from CMAA_AGREEMENT (the benchmark's copy, rate limit raised).
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# The one set of uvicorn settings every server of a run is served with (the gateway's commands
# add proxy headers and an access log; both are left out here, for every server alike).
UVICORN: dict[str, Any] = {
    "host": "127.0.0.1",
    "log_level": "warning",
    "access_log": False,
    "server_header": False,
    "lifespan": "on",
}


def plain_app(body: bytes) -> Starlette:
    """The physical limit: the same JSON bytes the gateway answers, precomputed."""

    async def graphql(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


def _stores(path: Path) -> Any:
    from bench.world import Stores
    from store.models.domain import Administration

    document = json.loads(path.read_text(encoding="utf-8"))
    return Stores(
        Path(document["data_dir"]),
        {Administration(key): url for key, url in document["urls"].items()},
    )


def embedded_app(stores_file: Path, public_url: str) -> Starlette:
    from gateway.demo import build_demo_app
    from gateway.settings import load_configured_agreement

    return build_demo_app(_stores(stores_file), public_url, load_configured_agreement())


def subgraph_app(stores_file: Path, administration: str, identity: str) -> Starlette:
    from auth.revocations import StoreRevocations
    from auth.verification import TokenVerifier
    from gateway.settings import load_configured_agreement
    from gateway.subgraph import create_subgraph_app
    from gateway.trust import trusted_issuers
    from store.database import create_engine
    from store.models.domain import Administration

    owner = Administration(administration)
    agreement = load_configured_agreement()
    engine = create_engine(_stores(stores_file).url(owner))
    jwks = {
        f"{identity}/oauth/{a.value.lower()}": f"{identity}/oauth/{a.value.lower()}/jwks"
        for a in Administration
    }
    verifier = TokenVerifier(
        trusted_issuers(agreement, jwks, {owner: StoreRevocations(engine)}),
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
    )
    # Item 3 composes the supergraph from each subgraph's `_service { sdl }`, asked with its
    # caller's token: that client may introspect.
    from bench.items import PEER_CALLER
    from resolvers.introspection import client_names

    return create_subgraph_app(
        owner,
        engine,
        verifier,
        agreement,
        introspection_clients=client_names([f"{Administration.UZ.value}:{PEER_CALLER}"]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("kind", choices=["embedded", "plain", "subgraph", "gateway"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--stores", type=Path)
    parser.add_argument("--public-url")
    parser.add_argument("--body", type=Path)
    parser.add_argument("--administration")
    parser.add_argument("--identity")
    parser.add_argument("--config", type=Path)
    arguments = parser.parse_args(argv)
    port = arguments.port
    if arguments.kind == "plain":
        app = plain_app(arguments.body.read_bytes())
    elif arguments.kind == "embedded":
        app = embedded_app(arguments.stores, arguments.public_url)
    elif arguments.kind == "subgraph":
        app = subgraph_app(arguments.stores, arguments.administration, arguments.identity)
    else:
        from gateway.distributed import build_gateway_app, load_gateway_config, verifier_for
        from gateway.settings import load_configured_agreement

        agreement = load_configured_agreement()
        config = load_gateway_config(arguments.config)
        app = build_gateway_app(config, agreement, verifier_for(config, agreement))
        port = config.port
    uvicorn.run(app, port=port, **UVICORN)
    return 0


if __name__ == "__main__":
    sys.exit(main())
