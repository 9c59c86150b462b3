"""CHANGELOG.md's record of breaking changes, and the released schemas they are measured from.

The convention (CHANGELOG.md says it too): under the `## Unreleased` heading, a list item that
starts with `Breaking:` records, for every schema this project publishes, the breaking changes
at each schema coordinate it names in backticks: `- Breaking: `Case.parties` now requires
cmaa.cases:read as well.` A release moves those items under its own heading and copies the
schemas to `schema/released/vN/`.
"""

import re
from collections.abc import Iterable
from pathlib import Path

from resolvers.contracts.changes import SchemaChange

UNRELEASED_HEADING = re.compile(r"^##\s+\[?Unreleased\]?\s*$", re.IGNORECASE)
BREAKING_ITEM = re.compile(r"^\s*[-*]\s+(?:\*\*)?Breaking(?:\*\*)?\s*:", re.IGNORECASE)
CODE_SPAN = re.compile(r"`([^`]+)`")
RELEASE_DIRECTORY = re.compile(r"^v(\d+)$")


class ChangelogError(ValueError):
    pass


def unreleased_section(text: str) -> list[str]:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if UNRELEASED_HEADING.match(line):
            section = []
            for following in lines[index + 1 :]:
                if following.startswith("## "):
                    break
                section.append(following)
            return section
    raise ChangelogError("CHANGELOG.md has no `## Unreleased` heading")


def recorded_breaking(text: str) -> set[str]:
    """The coordinates the Unreleased section records breaking changes at."""
    recorded: set[str] = set()
    for line in unreleased_section(text):
        if BREAKING_ITEM.match(line):
            recorded.update(span.strip() for span in CODE_SPAN.findall(line))
    return recorded


def unrecorded(changes: Iterable[SchemaChange], changelog_text: str) -> list[SchemaChange]:
    recorded = recorded_breaking(changelog_text)
    return [change for change in changes if change.coordinate not in recorded]


def latest_release(released: Path) -> Path:
    """The newest `vN` directory under `released`."""
    versions = (
        [
            (int(found.group(1)), child)
            for child in released.iterdir()
            if child.is_dir() and (found := RELEASE_DIRECTORY.match(child.name))
        ]
        if released.is_dir()
        else []
    )
    if not versions:
        raise ChangelogError(f"{released} holds no release (a vN directory)")
    return max(versions)[1]
