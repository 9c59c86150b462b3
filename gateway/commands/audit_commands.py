"""`cmaa audit checkpoint | cosign | verify`: signed checkpoints of the audit logs, and the
check of a whole log against its chain and its checkpoints.

- A checkpoint is the owner's JWS (RS256, its authorization server's current signing key)
  over (log, size, hash of the last entry, Merkle tree root over every entry hash, time),
  kept in the owner's store with the entry hashes it covers. The checkpointer
  (gateway/audit_exchange.py) makes them on the agreement's cadence; this command, now.
- A cosignature is the partner's JWS over that checkpoint (its claims and the very signature),
  kept in BOTH stores: in the partner's as its witness of what the owner's log was (which the
  owner cannot change), and in the owner's next to the checkpoint. Neither side can then
  rewrite history unnoticed: the owner would have to change the partner's store too, and the
  partner cannot sign for the owner.
- `verify` recomputes every entry's hash, compares the head row with the log, checks every
  checkpoint's and cosignature's signature (against the signer's keys in its store, or the
  key recorded with the signature when it has since been rotated out: its kid is its RFC 7638
  thumbprint), and that the log still holds, at each checkpoint's size, the hash it signed.
  Where it does not, the kept entry hashes that still fold to the signed root (the owner's,
  or the partner's witness copy) name the first entry rewritten. It exits 1 naming the first
  bad entry.
"""

import argparse
from collections.abc import Callable
from pathlib import Path

from gateway.commands.arguments import existing_database_url
from gateway.settings import DEFAULT_DATA_DIR


def _lazily(name: str) -> Callable[[argparse.Namespace], int]:
    """The action `name` of gateway.audit_checks, imported when it runs: the stores' models,
    the signing keys and the Merkle tree are not loaded for `cmaa --help`."""

    def run(arguments: argparse.Namespace) -> int:
        from gateway import audit_checks

        action: Callable[[argparse.Namespace], int] = getattr(audit_checks, name)
        return action(arguments)

    return run


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"directory of the demo's SQLite stores (default: ./{DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--database-url",
        type=existing_database_url,
        help="the administration's store by URL instead (sqlite+aiosqlite:///FILE or "
        "postgresql+asyncpg://...)",
    )


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser(
        "audit",
        help="sign, countersign and verify the administrations' audit logs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    checkpoint = actions.add_parser(
        "checkpoint",
        help="sign the log's size and head hash, now, with the administration's key",
        description="Check the administration's log, then sign (log, size, hash of the last "
        "entry, time) with its authorization server's current signing key and keep the "
        "checkpoint in its store. Prints the checkpoint as JSON.",
    )
    checkpoint.add_argument("--administration", choices=["US", "UZ"], required=True)
    _store_options(checkpoint)
    checkpoint.set_defaults(handler=_lazily("checkpoint_command"))

    cosign = actions.add_parser(
        "cosign",
        help="countersign the partner's latest checkpoint, after checking the partner's log",
        description="As --administration (the cosigner), read the partner's latest checkpoint "
        "from the partner's store, check its signature and that the partner's log matches it "
        "(and every checkpoint of it this administration cosigned before), and countersign "
        "it with this administration's current signing key. The cosignature is kept in this "
        "administration's store, as its witness of the partner's log, and delivered to the "
        "partner's store next to the checkpoint (if that store refuses the write, it is kept "
        "here only). Prints the cosignature as JSON.",
    )
    cosign.add_argument(
        "--administration", choices=["US", "UZ"], required=True, help="who countersigns"
    )
    _store_options(cosign)
    cosign.add_argument(
        "--from-data-dir",
        type=Path,
        help="directory holding the partner's demo store (default: --data-dir)",
    )
    cosign.add_argument(
        "--from-database-url",
        type=existing_database_url,
        help="the partner's store by URL instead",
    )
    cosign.set_defaults(handler=_lazily("cosign_command"))

    verify = actions.add_parser(
        "verify",
        help="check whole logs against their chains, checkpoints and cosignatures",
        description="Recompute every entry's hash, compare the head with the log, and check "
        "every checkpoint and cosignature (signature, and the hash the log holds at its "
        "size). With --data-dir, both demo stores' logs, each also against the cosignatures "
        "the other keeps; with --database-url, that store's log (add --partner-database-url "
        "to use the partner's witnesses and keys too). Exits 1 naming the first bad entry.",
    )
    verify.add_argument(
        "--administration",
        choices=["US", "UZ"],
        help="whose log (default: both in --data-dir; the store's own with --database-url)",
    )
    _store_options(verify)
    verify.add_argument(
        "--partner-database-url",
        type=existing_database_url,
        help="the partner's store, with --database-url",
    )
    verify.set_defaults(handler=_lazily("verify_command"))
