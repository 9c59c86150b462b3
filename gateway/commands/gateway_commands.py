"""`cmaa gateway --config FILE`: the distributed gateway over remote subgraphs."""

import argparse
import os
from pathlib import Path
from typing import Any, TypedDict

from gateway.commands import CommandError
from gateway.settings import load_configured_agreement
from store.agreement import ConfigurationError


class ServerOptions(TypedDict):
    """What uvicorn.run is given alike for one process and for several workers."""

    host: str
    port: int
    proxy_headers: bool
    server_header: bool
    log_level: str
    log_config: dict[str, Any]
    access_log: bool
    timeout_worker_healthcheck: int


def gateway_command(arguments: argparse.Namespace) -> int:
    import uvicorn

    from gateway.distributed import (
        CONFIG_VARIABLE,
        SECRET_VARIABLE,
        build_gateway_app,
        load_gateway_config,
        verifier_for,
    )
    from gateway.observability.logs import log_config
    from gateway.observability.metrics import prepare_multiprocess_dir
    from gateway.trust import UntrustedIssuer

    try:
        agreement = load_configured_agreement()
        config = load_gateway_config(arguments.config)
        verifier = verifier_for(config, agreement)
    except (ConfigurationError, UntrustedIssuer) as exc:
        raise CommandError(str(exc)) from None
    print(f"Gateway: {config.public_url}/graphql over", end=" ")
    print(", ".join(f"{a.value} at {url}" for a, url in sorted(config.sources.items())))
    common: ServerOptions = {
        "host": config.host,
        "port": config.port,
        "proxy_headers": True,
        "server_header": False,
        "log_level": "info",
        "log_config": log_config(),
        # Ours (gateway.observability.requests) carries the request id.
        "access_log": False,
        "timeout_worker_healthcheck": config.runtime.worker_healthcheck_seconds,
    }
    if config.workers == 1:
        uvicorn.run(build_gateway_app(config, agreement, verifier), **common)
        return 0
    # Workers build their own app from the same file and the same cursor secret, and add up
    # their metrics through files in one directory.
    os.environ[CONFIG_VARIABLE] = str(arguments.config.resolve())
    os.environ[SECRET_VARIABLE] = config.cursor_secret.hex()
    prepare_multiprocess_dir()
    uvicorn.run(
        "gateway.distributed:app_from_environment",
        factory=True,
        workers=config.workers,
        **common,
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    gateway = commands.add_parser(
        "gateway", help="serve the gateway over the administrations' remote subgraphs"
    )
    gateway.add_argument(
        "--config", type=Path, required=True, help="the gateway's TOML configuration file"
    )
    gateway.set_defaults(handler=gateway_command)
