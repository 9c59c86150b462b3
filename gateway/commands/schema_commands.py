"""`cmaa schema ...`: the published contract: SDL, breaking changes, manifest, golden responses.

    cmaa schema export [--out DIR]        write exchange.graphql and the subgraph-*.graphql
    cmaa schema diff OLD NEW [--json]     breaking and dangerous changes; exit 1 on breaking
    cmaa schema check                     breaking changes since the last release that
                                          CHANGELOG.md does not record; exit 1 if any
    cmaa schema manifest [--out FILE]     the persisted query manifest of operations/
    cmaa schema golden [--update]         compare (or rewrite) the golden responses

Paths default to the checkout's layout, relative to the current directory.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from gateway.commands import CommandError
from gateway.golden import (
    ContractError,
    collect_golden,
    golden_differences,
    write_golden,
)
from gateway.settings import load_configured_agreement
from resolvers.contracts.changelog import ChangelogError, latest_release, unrecorded
from resolvers.contracts.changes import SchemaChange, SchemaDiff, diff_sdl
from resolvers.contracts.operations import OperationsError, Safelist
from resolvers.contracts.sdl import PUBLISHED, published_file, published_sdls
from store.agreement import AgreementError

DEFAULT_SCHEMA_DIR = Path("schema")
DEFAULT_RELEASED_DIR = DEFAULT_SCHEMA_DIR / "released"
DEFAULT_CHANGELOG = Path("CHANGELOG.md")
DEFAULT_OPERATIONS_DIR = Path("operations")
DEFAULT_GOLDEN_DIR = Path("tests") / "contract" / "golden"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None


def _pairs(old: Path, new: Path) -> list[tuple[str, str, str]]:
    """(label, old SDL, new SDL): two files, or two directories' published files."""
    if old.is_dir() != new.is_dir():
        raise CommandError("give two SDL files or two directories")
    if not old.is_dir():
        return [(new.name, _read(old), _read(new))]
    pairs = [
        (name, _read(published_file(old, name)), _read(published_file(new, name)))
        for name in PUBLISHED
        if published_file(old, name).is_file() or published_file(new, name).is_file()
    ]
    if not pairs:
        raise CommandError(f"neither {old} nor {new} holds {' or '.join(PUBLISHED)}")
    return pairs


def _diff(label: str, old_sdl: str, new_sdl: str) -> SchemaDiff:
    try:
        return diff_sdl(old_sdl, new_sdl)
    except Exception as exc:  # a GraphQLError or TypeError from an SDL that does not build
        raise CommandError(f"{label}: not a schema: {exc}") from None


def _print_changes(label: str, changes: tuple[SchemaChange, ...] | list[SchemaChange]) -> None:
    for change in changes:
        print(f"{label}: {change.line()}")


def export_command(arguments: argparse.Namespace) -> int:
    out: Path = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    for name, sdl in published_sdls().items():
        (out / name).write_text(sdl, encoding="utf-8")
        print(f"wrote {out / name}")
    return 0


def diff_command(arguments: argparse.Namespace) -> int:
    report = []
    breaking = 0
    for label, old_sdl, new_sdl in _pairs(arguments.old, arguments.new):
        found = _diff(label, old_sdl, new_sdl)
        breaking += len(found.breaking)
        report += [{"schema": label, **change.as_json()} for change in found.changes]
        if not arguments.json:
            _print_changes(label, found.changes)
    if arguments.json:
        print(json.dumps(report, indent=2))
    elif not report:
        print("no breaking or dangerous change")
    return 1 if breaking else 0


def check_command(arguments: argparse.Namespace) -> int:
    try:
        release = latest_release(arguments.released)
        changelog = _read(arguments.changelog)
        missing: list[tuple[str, SchemaChange]] = []
        for name, sdl in published_sdls().items():
            found = _diff(name, _read(published_file(release, name)), sdl)
            missing += [(name, change) for change in unrecorded(found.breaking, changelog)]
    except ChangelogError as exc:
        raise CommandError(str(exc)) from None
    for name, change in missing:
        print(f"{name}: {change.line()}")
    if missing:
        print(
            f"{len(missing)} breaking change(s) since {release.name} not recorded in "
            f"{arguments.changelog}: add a `- Breaking: ` item naming each `coordinate` under "
            "`## Unreleased`",
            file=sys.stderr,
        )
        return 1
    print(f"no unrecorded breaking change since {release.name}")
    return 0


def manifest_command(arguments: argparse.Namespace) -> int:
    try:
        manifest = Safelist.from_directory(arguments.operations).manifest()
    except OperationsError as exc:
        raise CommandError(str(exc)) from None
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    if arguments.out is None:
        sys.stdout.write(text)
    else:
        arguments.out.write_text(text, encoding="utf-8")
        print(f"wrote {arguments.out} ({len(manifest['operations'])} operations)")
    return 0


def golden_command(arguments: argparse.Namespace) -> int:
    try:
        agreement = load_configured_agreement()
        with tempfile.TemporaryDirectory(prefix="cmaa-golden-") as directory:
            responses = collect_golden(
                Path(directory), agreement, arguments.golden_dir, arguments.operations
            )
    except (AgreementError, ContractError, OperationsError) as exc:
        raise CommandError(str(exc)) from None
    if arguments.update:
        written = write_golden(arguments.golden_dir, responses)
        print(f"wrote {len(written)} golden responses to {arguments.golden_dir}")
        return 0
    differences = golden_differences(arguments.golden_dir, responses)
    for line in differences:
        print(line)
    if differences:
        print("the golden responses differ: `cmaa schema golden --update` rewrites them")
        return 1
    print(f"{len(responses)} golden responses match")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    schema = commands.add_parser(
        "schema", help="the published contract: SDL, breaking changes, manifest, golden responses"
    )
    actions = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")

    export = actions.add_parser("export", help="write the published SDL files")
    export.add_argument(
        "--out", type=Path, default=DEFAULT_SCHEMA_DIR, help="directory (default: schema/)"
    )
    export.set_defaults(handler=export_command)

    diff = actions.add_parser(
        "diff", help="breaking and dangerous changes from OLD to NEW (exit 1 on breaking)"
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="an SDL file or a schema directory")
    diff.add_argument("new", type=Path, metavar="NEW", help="an SDL file or a schema directory")
    diff.add_argument("--json", action="store_true", help="print the changes as JSON")
    diff.set_defaults(handler=diff_command)

    check = actions.add_parser(
        "check", help="breaking changes since the last release must be recorded in CHANGELOG.md"
    )
    check.add_argument("--released", type=Path, default=DEFAULT_RELEASED_DIR)
    check.add_argument("--changelog", type=Path, default=DEFAULT_CHANGELOG)
    check.set_defaults(handler=check_command)

    manifest = actions.add_parser(
        "manifest", help="the persisted query manifest (safelist) of the operations"
    )
    manifest.add_argument("--operations", type=Path, default=DEFAULT_OPERATIONS_DIR)
    manifest.add_argument("--out", type=Path, help="file to write (default: standard output)")
    manifest.set_defaults(handler=manifest_command)

    golden = actions.add_parser(
        "golden", help="run the read operations on the demo data; compare or rewrite the goldens"
    )
    golden.add_argument("--update", action="store_true", help="rewrite the golden responses")
    golden.add_argument("--golden-dir", type=Path, default=DEFAULT_GOLDEN_DIR)
    golden.add_argument("--operations", type=Path, default=DEFAULT_OPERATIONS_DIR)
    golden.set_defaults(handler=golden_command)
