"""The code names the agreement's rules and scopes only as agreement.toml lists them.

`auth.policy.rules.Rule` and agreement.toml's `[[rules]]` hold the same ids, in the same order,
and `auth.policy.scopes.CATALOGUE` the same scopes as its `[scopes]`; no module of ours spells a
rule id or a scope as a literal of its own, so a rule or scope cannot be added, renamed or
dropped in one place only.
"""

import ast
import re
from pathlib import Path

import pytest

from auth.policy.rules import Refusal, Rule, refusal_of
from auth.policy.scopes import CATALOGUE
from store.agreement import load_agreement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("store", "auth", "resolvers", "gateway")
SCOPE = re.compile(r"^cmaa\.[a-z]+:[a-z]+$")
CATALOGUE_MODULE = ROOT / "auth" / "policy" / "scopes.py"
RULES_MODULE = ROOT / "auth" / "policy" / "rules.py"


def _package_modules() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def test_every_rule_of_the_code_is_in_the_agreement_and_back() -> None:
    listed = [rule.id for rule in load_agreement().rules]
    assert [rule.value for rule in Rule] == listed


def test_every_scope_of_the_code_is_in_the_agreement_and_back() -> None:
    assert list(CATALOGUE) == list(load_agreement().scopes)


def test_a_refusal_reads_as_its_rule_says() -> None:
    assert refusal_of(Rule.NOT_FOUND) is Refusal.NOT_FOUND
    assert {rule for rule in Rule if refusal_of(rule) is Refusal.FORBIDDEN} == {
        Rule.SCOPE,
        Rule.DESIGNATED,
        Rule.SOURCE_CONTROLS,
    }
    assert refusal_of(Rule.REQUEST_FORM) is Refusal.BAD_USER_INPUT
    # A partner's rule this side does not know is still input to correct, never a permit.
    assert refusal_of("SOMETHING_NEW") is Refusal.BAD_USER_INPUT


@pytest.mark.parametrize("path", _package_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_spells_a_scope_or_a_rule_of_its_own(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) else None
        if path != CATALOGUE_MODULE and isinstance(text, str) and SCOPE.match(text):
            found.append(f"line {node.lineno}: scope {text}")
        named = node.value if isinstance(node, ast.keyword) and node.arg == "rule" else None
        if path != RULES_MODULE and isinstance(named, ast.Constant) and named.value in set(Rule):
            found.append(f"line {node.lineno}: rule {named.value}")
    assert found == []
