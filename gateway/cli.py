"""The `cmaa` command: one sub-command per module, each registering its own arguments."""

import argparse
import sys
from collections.abc import Callable, Sequence

from gateway.commands import (
    CommandError,
    audit_commands,
    auth_commands,
    gateway_commands,
    issuer_commands,
    schema_commands,
    secret_commands,
    store_commands,
    subgraph_commands,
)
from gateway.commands.arguments import USAGE_ERROR, CommandParser, failure_line

CommandModule = Callable[[argparse._SubParsersAction], None]

# Each module adds its sub-commands; the function it binds to `handler` returns an exit code.
COMMAND_MODULES: tuple[CommandModule, ...] = (
    store_commands.register,
    auth_commands.register,
    subgraph_commands.register,
    gateway_commands.register,
    schema_commands.register,
    audit_commands.register,
    issuer_commands.register,
    secret_commands.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="cmaa",
        description="CMAA exchange gateway: one GraphQL endpoint over two customs administrations.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_MODULES:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return int(arguments.handler(arguments) or 0)
    except KeyboardInterrupt:
        return 130
    except CommandError as exc:
        print(f"cmaa {arguments.command}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except Exception as exc:
        # The one place an argument that pointed at something unusable becomes one line.
        line = failure_line(exc, arguments)
        if line is None:
            raise
        print(f"cmaa {arguments.command}: {line}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
