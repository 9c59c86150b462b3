"""Both administrations' subgraphs compose into one supergraph under Apollo's own composition.

The SDLs are printed from the schemas the subgraph apps serve (what `_service { sdl }`
returns) and composed by `@apollo/composition` in node (compose.mjs). Needs Node.js and this
folder's npm packages (`bash .ci/install-node-packages`): skipped without them, failed where
CMAA_REQUIRE_TOOLS=1 (CI).
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLField, build_schema
from strawberry.printer import print_schema

from auth.verification import TokenVerifier
from gateway.subgraph import create_subgraph_app
from store.agreement import load_agreement
from store.database import create_engine
from store.models.domain import Administration
from tests.support.tools import node_with_packages

HERE = Path(__file__).resolve().parent
# Hints that two subgraphs define one thing differently: none may appear.
CONFLICT_HINT_PREFIXES = ("INCONSISTENT_", "DEFINED_IN_SOME_")


PACKAGES = ("@apollo/composition", "@apollo/query-planner", "graphql")


def _node() -> str:
    return node_with_packages(HERE, PACKAGES)


@pytest.fixture(scope="module")
def composer() -> Path:
    _node()
    return HERE / "compose.mjs"


def served_sdl(administration: Administration, directory: Path) -> str:
    agreement = load_agreement()
    engine = create_engine(f"sqlite+aiosqlite:///{directory / 'unused.sqlite3'}")
    verifier = TokenVerifier([], audience=agreement.tokens.audience, leeway_seconds=0)
    app = create_subgraph_app(administration, engine, verifier, agreement)
    return print_schema(app.state.schema)


def run_node(script: Path, *arguments: str) -> dict:
    """The JSON a script of this folder prints."""
    finished = subprocess.run(
        [_node(), str(script), *arguments],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def compose(composer: Path, sdls: dict[str, str], directory: Path) -> dict:
    arguments = []
    for name, sdl in sdls.items():
        file = directory / f"{name}.graphql"
        file.write_text(sdl, encoding="utf-8")
        arguments.append(f"{name}={file}")
    return run_node(composer, *arguments)


def test_the_two_subgraphs_compose_without_errors_or_conflicts(
    composer: Path, tmp_path: Path
) -> None:
    sdls = {
        administration.value.lower(): served_sdl(administration, tmp_path)
        for administration in Administration
    }
    report = compose(composer, sdls, tmp_path)

    assert report["errors"] == []
    conflicts = [
        hint for hint in report["hints"] if str(hint["code"]).startswith(CONFLICT_HINT_PREFIXES)
    ]
    assert conflicts == []
    supergraph = report["supergraph"]
    for root_field in ("usCases(", "uzEntities(", "usAssistanceRequests(", "uzReleases("):
        assert root_field in supergraph
    assert "@requiresScopes" in supergraph and "@authenticated" in supergraph


def test_the_check_catches_a_conflict(composer: Path, tmp_path: Path) -> None:
    """Without @shareable on one side, two subgraphs resolving `cases` must not compose."""
    us = served_sdl(Administration.US, tmp_path)
    uz = us.replace(
        '@inaccessible @requiresScopes(scopes: [["cmaa.cases:read"]]) @shareable\n',
        '@inaccessible @requiresScopes(scopes: [["cmaa.cases:read"]])\n',
        1,
    )
    assert uz != us
    report = compose(composer, {"us": us, "uz": uz}, tmp_path)
    assert report["errors"]


HOLDER_CASES = """
query {{
  {field}(first: 5) {{
    edges {{ node {{ id parties {{ role {partner}Entity {{ entity {{ name }} }} }} }} }}
  }}
}}
"""


@pytest.mark.parametrize("holder", list(Administration))
def test_a_router_fetches_a_partner_held_entity_from_the_partners_subgraph(
    composer: Path, tmp_path: Path, holder: Administration
) -> None:
    """Apollo's own query planner, over the supergraph of both subgraphs: the holder-named
    cases go to the holder's subgraph alone, and the partner's entities among their parties
    are then fetched from the partner's subgraph through `_entities`."""
    sdls = {
        administration.value.lower(): served_sdl(administration, tmp_path)
        for administration in Administration
    }
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(compose(composer, sdls, tmp_path)["supergraph"], encoding="utf-8")
    own, partner = holder.value.lower(), holder.partner.value.lower()
    operation = tmp_path / "operation.graphql"
    operation.write_text(HOLDER_CASES.format(field=f"{own}Cases", partner=partner))
    plan = run_node(HERE / "plan.mjs", str(supergraph), str(operation))[str(operation)]
    fetches = re.findall(r'Fetch\(service: "(\w+)"\)', plan)
    assert fetches == [own, partner], plan
    partner_fetch = plan[plan.index(f'Fetch(service: "{partner}")') :]
    reference = f"{holder.partner.value.capitalize()}Entity"
    assert f"... on {reference}" in partner_fetch and "entity" in partner_fetch, plan
    assert "Sequence" in plan and "Flatten" in plan, plan


def _root_operation(kind: str, name: str, field: GraphQLField) -> str:
    """The smallest operation over one root field: every argument a variable, `__typename`."""
    variables = ", ".join(f"${argument}: {value.type}" for argument, value in field.args.items())
    arguments = ", ".join(f"{argument}: ${argument}" for argument in field.args)
    return (
        f"{kind} Probe{f'({variables})' if variables else ''} "
        f"{{ {name}{f'({arguments})' if arguments else ''} {{ __typename }} }}"
    )


def test_a_router_plans_no_root_field_across_both_subgraphs(composer: Path, tmp_path: Path) -> None:
    """Every root field a router can plan goes to one subgraph, its holder's; the shared
    names (each subgraph's own records or procedures) cannot be planned at all."""
    sdls = {
        administration.value.lower(): served_sdl(administration, tmp_path)
        for administration in Administration
    }
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(compose(composer, sdls, tmp_path)["supergraph"], encoding="utf-8")
    expected: dict[str, str | None] = {}
    for service, sdl in sdls.items():
        schema = build_schema(sdl, assume_valid_sdl=True)
        for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
            assert root is not None
            for name, field in root.fields.items():
                if name in ("_entities", "_service"):
                    continue
                file = tmp_path / f"{service}-{kind}-{name}.graphql"
                file.write_text(_root_operation(kind, name, field), encoding="utf-8")
                # A holder-named field goes to its holder; a shared one is not planned.
                holder = name[:2] if name[:2] in sdls and name[2:3].isupper() else None
                expected[str(file)] = holder
    assert sum(holder is not None for holder in expected.values()) >= 40
    plans = run_node(HERE / "plan.mjs", str(supergraph), *expected)
    for file, holder in expected.items():
        plan = plans[file]
        if holder is None:
            assert isinstance(plan, dict) and "Cannot query field" in plan["error"], (file, plan)
        else:
            assert isinstance(plan, str), (file, plan)
            assert re.findall(r'Fetch\(service: "(\w+)"\)', plan) == [holder], (file, plan)
