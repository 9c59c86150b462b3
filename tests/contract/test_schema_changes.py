"""`cmaa schema diff`: graphql-core's breaking and dangerous changes, plus the auth directives
it ignores; and the CI gate: no breaking change since the last release that CHANGELOG.md does
not record."""

import json
from pathlib import Path

import pytest

from gateway.cli import main
from resolvers.contracts.changelog import (
    ChangelogError,
    latest_release,
    recorded_breaking,
    unrecorded,
)
from resolvers.contracts.changes import Severity, coordinate_of, diff_sdl
from resolvers.contracts.sdl import AUTH_DIRECTIVE_DEFINITIONS, published_file, published_sdls
from tests.contract.conftest import ROOT

RELEASED_DIR = ROOT / "schema" / "released"
CHANGELOG = ROOT / "CHANGELOG.md"

BASE = (
    AUTH_DIRECTIVE_DEFINITIONS
    + """
type Query {
  cases: [Case!]! @requiresScopes(scopes: [["cases:read"]])
  viewer: String! @authenticated
  open: String
}

type Case @requiresScopes(scopes: [["cases:read"]]) {
  id: ID!
  parties: [String!]! @requiresScopes(scopes: [["entities:read", "pii:read"]])
  status: Status!
}

enum Status { OPEN CLOSED }
"""
)


def changed(old: str, new: str) -> dict[str, set[tuple[str, str]]]:
    found = diff_sdl(old, new)
    return {
        "breaking": {(c.kind, c.coordinate) for c in found.breaking},
        "dangerous": {(c.kind, c.coordinate) for c in found.dangerous},
    }


def test_no_change_is_no_change() -> None:
    assert diff_sdl(BASE, BASE).changes == ()


def test_a_removed_scope_requirement_is_breaking() -> None:
    new = BASE.replace(' @requiresScopes(scopes: [["cases:read"]])\n  viewer', "\n  viewer")
    assert changed(BASE, new)["breaking"] == {("SECURITY_REQUIREMENT_REMOVED", "Query.cases")}


def test_a_field_keeps_its_types_requirement() -> None:
    # Case.parties loses its own scopes but still needs Case's: weaker, not open.
    new = BASE.replace(' @requiresScopes(scopes: [["entities:read", "pii:read"]])', "", 1)
    assert changed(BASE, new)["breaking"] == {("SECURITY_REQUIREMENT_WEAKENED", "Case.parties")}


def test_a_removed_authenticated_is_breaking() -> None:
    new = BASE.replace("viewer: String! @authenticated", "viewer: String!")
    assert changed(BASE, new)["breaking"] == {("SECURITY_REQUIREMENT_REMOVED", "Query.viewer")}


@pytest.mark.parametrize(
    "weaker",
    [
        '[["entities:read"]]',  # fewer scopes in the alternative
        '[["entities:read", "pii:read"], ["public:read"]]',  # one more alternative
    ],
)
def test_a_weakened_scope_requirement_is_breaking(weaker: str) -> None:
    new = BASE.replace('[["entities:read", "pii:read"]]', weaker)
    assert changed(BASE, new)["breaking"] == {("SECURITY_REQUIREMENT_WEAKENED", "Case.parties")}


def test_scopes_replaced_by_authenticated_is_weaker() -> None:
    scoped = '[Case!]! @requiresScopes(scopes: [["cases:read"]])'
    new = BASE.replace(scoped, "[Case!]! @authenticated")
    assert changed(BASE, new)["breaking"] == {("SECURITY_REQUIREMENT_WEAKENED", "Query.cases")}


def test_a_type_losing_its_requirement_is_one_change_not_one_per_field() -> None:
    new = BASE.replace('type Case @requiresScopes(scopes: [["cases:read"]]) {', "type Case {")
    assert changed(BASE, new)["breaking"] == {("SECURITY_REQUIREMENT_REMOVED", "Case")}


def test_a_requirement_moved_from_a_field_to_its_type_is_no_change() -> None:
    old = BASE.replace('type Case @requiresScopes(scopes: [["cases:read"]]) {', "type Case {")
    old = old.replace("  id: ID!\n", '  id: ID! @requiresScopes(scopes: [["cases:read"]])\n')
    old = old.replace(
        "  status: Status!\n", '  status: Status! @requiresScopes(scopes: [["cases:read"]])\n'
    )
    old = old.replace(
        '[["entities:read", "pii:read"]]', '[["entities:read", "pii:read", "cases:read"]]'
    )
    # The fields need what they needed; the type itself (and any field returning it) more.
    assert changed(old, BASE) == {
        "breaking": set(),
        "dangerous": {("SECURITY_REQUIREMENT_STRENGTHENED", "Case")},
    }


def test_a_stronger_requirement_is_dangerous_not_breaking() -> None:
    new = BASE.replace("open: String", 'open: String @requiresScopes(scopes: [["x"]])')
    new = new.replace('[["cases:read"]])\n  viewer', '[["cases:read", "more"]])\n  viewer')
    assert changed(BASE, new) == {
        "breaking": set(),
        "dangerous": {
            ("SECURITY_REQUIREMENT_STRENGTHENED", "Query.open"),
            ("SECURITY_REQUIREMENT_STRENGTHENED", "Query.cases"),
        },
    }


def test_graphql_cores_changes_come_with_their_coordinates() -> None:
    new = BASE.replace("enum Status { OPEN CLOSED }", "enum Status { OPEN CLOSED LAPSED }")
    new = new.replace("  open: String\n", "")
    new = new.replace("  status: Status!\n", "  status: Status\n")
    assert changed(BASE, new) == {
        "breaking": {("FIELD_REMOVED", "Query.open"), ("FIELD_CHANGED_KIND", "Case.status")},
        "dangerous": {("VALUE_ADDED_TO_ENUM", "Status.LAPSED")},
    }


@pytest.mark.parametrize(
    ("description", "coordinate"),
    [
        ("Case was removed.", "Case"),
        ("Standard scalar Float was removed because it is not referenced anymore.", "Float"),
        ("Case changed from an Object type to an Interface type.", "Case"),
        ("Case was removed from union type Record.", "Record"),
        ("Enum value Status.CLOSED was removed.", "Status.CLOSED"),
        ("A required field CaseFilter.text was added.", "CaseFilter.text"),
        ("Case no longer implements interface Node.", "Case"),
        ("Field Query.cases was removed.", "Query.cases"),
        ("Field Case.status changed type from Status! to String!.", "Case.status"),
        ("A required argument Query.cases(first:) was added.", "Query.cases(first:)"),
        ("Argument Query.cases(first:) was removed.", "Query.cases(first:)"),
        ("Argument Query.cases(first:) has changed type from Int to ID.", "Query.cases(first:)"),
        ("Directive @requiresScopes was removed.", "@requiresScopes"),
        ("Argument @requiresScopes(scopes:) was removed.", "@requiresScopes(scopes:)"),
        ("A required argument @auth(role:) was added.", "@auth(role:)"),
        ("Repeatable flag was removed from @key.", "@key"),
        ("FIELD_DEFINITION was removed from @requiresScopes.", "@requiresScopes"),
        ("Node added to interfaces implemented by Case.", "Case"),
        ("Query.cases(first:) has changed defaultValue from 10 to 20.", "Query.cases(first:)"),
    ],
)
def test_the_coordinate_of_each_kind_of_change(description: str, coordinate: str) -> None:
    assert coordinate_of(description) == coordinate


# -- the command ---------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_schema_diff_exits_non_zero_on_a_breaking_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.graphql", BASE)
    open_viewer = BASE.replace("viewer: String! @authenticated", "viewer: String!")
    weakened = write(tmp_path / "new.graphql", open_viewer)
    assert main(["schema", "diff", str(old), str(weakened)]) == 1
    printed = capsys.readouterr().out
    assert "BREAKING" in printed and "SECURITY_REQUIREMENT_REMOVED" in printed
    assert "Query.viewer" in printed

    assert main(["schema", "diff", "--json", str(old), str(weakened)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report == [
        {
            "schema": "new.graphql",
            "severity": "BREAKING",
            "kind": "SECURITY_REQUIREMENT_REMOVED",
            "coordinate": "Query.viewer",
            "description": "Query.viewer required @authenticated; now none.",
        }
    ]


def test_schema_diff_exits_zero_without_a_breaking_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write(tmp_path / "old.graphql", BASE)
    added = write(tmp_path / "new.graphql", BASE.replace("OPEN CLOSED", "OPEN CLOSED LAPSED"))
    assert main(["schema", "diff", str(old), str(added)]) == 0
    assert "DANGEROUS" in capsys.readouterr().out
    assert main(["schema", "diff", str(old), str(old)]) == 0


def test_schema_diff_compares_two_schema_directories(tmp_path: Path) -> None:
    assert main(["schema", "diff", str(latest_release(RELEASED_DIR)), str(ROOT / "schema")]) in (
        0,
        1,
    )
    (tmp_path / "a").mkdir()
    assert main(["schema", "diff", str(tmp_path / "a"), str(tmp_path / "missing.graphql")]) == 2


def test_schema_diff_refuses_what_is_not_a_schema(tmp_path: Path) -> None:
    old = write(tmp_path / "old.graphql", BASE)
    broken = write(tmp_path / "broken.graphql", "type Query {")
    assert main(["schema", "diff", str(old), str(broken)]) == 2


# -- CHANGELOG.md and the released schemas ----------------------------------------------------

CHANGELOG_TEXT = """# Changelog

## Unreleased

- Breaking: `Case.parties` now also requires `cmaa.cases:read`.
- Added `Query.open` (not a breaking item: `Query.viewer` is not recorded by it).

## v1

- Breaking: `Query.cases` (an older release's record does not count).
"""


def test_a_breaking_item_under_unreleased_records_the_coordinates_it_names() -> None:
    assert recorded_breaking(CHANGELOG_TEXT) == {"Case.parties", "cmaa.cases:read"}
    found = diff_sdl(
        BASE,
        BASE.replace(' @requiresScopes(scopes: [["entities:read", "pii:read"]])', "", 1)
        .replace("viewer: String! @authenticated", "viewer: String!")
        .replace(' @requiresScopes(scopes: [["cases:read"]])\n  viewer', "\n  viewer"),
    )
    assert {c.coordinate for c in unrecorded(found.breaking, CHANGELOG_TEXT)} == {
        "Query.viewer",
        "Query.cases",
    }
    with pytest.raises(ChangelogError):
        recorded_breaking("# Changelog\n\n## v1\n")


def test_no_breaking_change_since_the_last_release_goes_unrecorded() -> None:
    """The CI gate: a breaking change against schema/released/ needs a CHANGELOG.md entry."""
    release = latest_release(RELEASED_DIR)
    changelog = CHANGELOG.read_text(encoding="utf-8")
    missing = []
    for file_name, sdl in published_sdls().items():
        released = published_file(release, file_name).read_text(encoding="utf-8")
        found = diff_sdl(released, sdl)
        assert all(c.severity is Severity.BREAKING for c in found.breaking)
        missing += [f"{file_name}: {c.line()}" for c in unrecorded(found.breaking, changelog)]
    assert not missing, (
        f"breaking changes since {release.name} that CHANGELOG.md does not record (add a "
        "`- Breaking:` item naming each coordinate under `## Unreleased`):\n" + "\n".join(missing)
    )


def test_schema_check_is_the_same_gate(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schema", "check", "--released", str(RELEASED_DIR), "--changelog", str(CHANGELOG)])
    assert code == 0, capsys.readouterr()


def test_schema_check_fails_on_an_unrecorded_breaking_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = tmp_path / "released" / "v2"
    release.mkdir(parents=True)
    for file_name, sdl in published_sdls().items():
        # A release with one more field than the code: the code removed it.
        extra = sdl.replace("type Query {\n", "type Query {\n  retired: String\n", 1)
        write(release / file_name, extra)
    (tmp_path / "released" / "v1").mkdir()
    changelog = write(tmp_path / "CHANGELOG.md", "# Changelog\n\n## Unreleased\n")
    arguments = ["schema", "check", "--released", str(tmp_path / "released")]
    assert main([*arguments, "--changelog", str(changelog)]) == 1
    assert "Query.retired" in capsys.readouterr().out
    write(changelog, "# Changelog\n\n## Unreleased\n\n- Breaking: `Query.retired` is gone.\n")
    assert main([*arguments, "--changelog", str(changelog)]) == 0
