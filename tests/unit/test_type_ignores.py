"""The type checker checks the package, not a list of exceptions to it: at most a handful of
`# type: ignore` comments may silence it anywhere in `gateway/`, `resolvers/`, `auth/` and
`store/` (mypy, run by `.ci/run`, also reports any that silence nothing).

Comments are found with `tokenize`, so the words inside a string or a docstring do not count.
"""

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "resolvers", "auth", "store")
MOST = 10
# What mypy reads as an ignore: `type: ignore`, with or without codes, anywhere in a comment.
IGNORE = re.compile(r"#.*\btype:\s*ignore\b")


def ignores_in(source: str) -> list[int]:
    """The lines of `source` whose comment silences the type checker."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [
        token.start[0]
        for token in tokens
        if token.type == tokenize.COMMENT and IGNORE.match(token.string)
    ]


def test_ignores_are_found_in_comments_only() -> None:
    source = (
        'x = "# type: ignore"  # type: ignore[assignment]\n'
        '"""# type: ignore in a docstring"""\n'
        "y = 1  # noqa: E501  # type:ignore\n"
        "z = 2  # a plain comment\n"
    )
    assert ignores_in(source) == [1, 3]


def test_the_package_holds_at_most_a_handful_of_type_ignores() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in ignores_in(path.read_text(encoding="utf-8"))
    ]
    assert len(found) <= MOST, (
        f"{len(found)} `# type: ignore` comments (at most {MOST}); type these instead:\n"
        + "\n".join(found)
    )
