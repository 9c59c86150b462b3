"""`cmaa secret cursor --out FILE`: the gateway's cursor-signing secret."""

import argparse
import os
import secrets
from pathlib import Path

from gateway.commands import CommandError
from gateway.commands.arguments import at_least

CURSOR_SECRET_BYTES = 32


def write_secret(path: Path, size: int) -> None:
    """`size` random bytes, hex-encoded, to a new file readable by its owner only; an existing
    file is never replaced (every worker and replica must keep signing cursors alike).

    Hex, because the gateway strips whitespace around the file's content: raw bytes could
    lose a random leading or trailing byte that happens to be whitespace."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CommandError(f"argument --out: {path} exists; it is not replaced") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(size) + "\n")
    os.chmod(path, 0o600)


def cursor_command(arguments: argparse.Namespace) -> int:
    write_secret(arguments.out, arguments.bytes)
    print(f"wrote {arguments.bytes} random bytes, hex-encoded, to {arguments.out} (owner-only)")
    print(f'name it in gateway.toml: cursor_secret_file = "{arguments.out}"')
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    secret = commands.add_parser("secret", help="make a secret the services need")
    kinds = secret.add_subparsers(dest="kind", required=True, metavar="KIND")
    cursor = kinds.add_parser(
        "cursor",
        help="the gateway's cursor-signing secret (gateway.toml cursor_secret_file)",
        description="Write random bytes from the operating system's CSPRNG, hex-encoded, "
        "to a new file of mode 0600. Refuses to overwrite: a new secret invalidates every "
        "cursor handed out.",
    )
    cursor.add_argument("--out", type=Path, required=True, help="the file to create")
    cursor.add_argument(
        "--bytes",
        type=at_least(CURSOR_SECRET_BYTES),
        default=CURSOR_SECRET_BYTES,
        help=f"how many (default and least: {CURSOR_SECRET_BYTES})",
    )
    cursor.set_defaults(handler=cursor_command)
