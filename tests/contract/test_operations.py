"""operations/: the reference dashboards' operations, each valid against the published schema
and the code's, one named operation per file; and the manifest built from them."""

import json
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, build_schema, parse

from gateway.cli import main
from resolvers.contracts.operations import (
    Operation,
    OperationsError,
    Safelist,
    load_operations,
    sha256_hex,
    validation_errors,
)
from resolvers.contracts.sdl import EXCHANGE_FILE
from resolvers.exchange.schema import build_exchange_schema
from tests.contract.conftest import OPERATIONS_DIR, ROOT

OPERATIONS = load_operations(OPERATIONS_DIR)

# What the reference dashboards do: operation → the root fields it must select.
REFERENCE = {
    "CaseList": {"cases"},
    "CaseDetail": {"case"},
    "EntitySearch": {"entities"},
    "RequestsDue": {"assistanceRequests"},
    "Releases": {"releases"},
    "AuditTrail": {"auditTrail"},
    "SubmitAssistanceRequest": {"submitAssistanceRequest"},
    "DecideAssistanceRequest": {"decideAssistanceRequest"},
    "RespondToAssistanceRequest": {"respondToAssistanceRequest"},
    "RequestConsent": {"requestConsent"},
    "DecideConsent": {"decideConsent"},
}


def root_fields(body: str) -> set[str]:
    document = parse(body)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return {selection.name.value for selection in operation.selection_set.selections}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_each_operation_is_valid_against_the_code_and_the_published_schema(
    operation: Operation,
) -> None:
    assert validation_errors(operation, build_exchange_schema()._schema) == []
    published = build_schema((ROOT / "schema" / EXCHANGE_FILE).read_text(encoding="utf-8"))
    assert validation_errors(operation, published) == []


def test_the_reference_dashboards_operations_are_all_there() -> None:
    by_name = {operation.name: operation for operation in OPERATIONS}
    for name, fields in REFERENCE.items():
        assert name in by_name, f"operations/{name}.graphql is missing"
        assert fields <= root_fields(by_name[name].body), name
    case_list = by_name["CaseList"].body
    assert "$filter: CaseFilter" in case_list
    detail = by_name["CaseDetail"].body
    assert all(field in detail for field in ("parties", "evidence", "handling", "custody"))
    assert "matches" in by_name["EntitySearch"].body
    assert "dueBefore: $dueBefore" in by_name["RequestsDue"].body


def test_operation_names_and_ids_are_unique() -> None:
    assert len({operation.name for operation in OPERATIONS}) == len(OPERATIONS)
    assert len({operation.id for operation in OPERATIONS}) == len(OPERATIONS)


def test_a_file_must_hold_one_operation_named_as_the_file(tmp_path: Path) -> None:
    (tmp_path / "Cases.graphql").write_text("query Other { viewer { subject } }\n")
    with pytest.raises(OperationsError, match="must be named Cases"):
        load_operations(tmp_path)
    (tmp_path / "Cases.graphql").write_text("query Cases { a } query B { b }\n")
    with pytest.raises(OperationsError, match="2 operations"):
        load_operations(tmp_path)
    with pytest.raises(OperationsError, match="not a directory"):
        load_operations(tmp_path / "missing")


def test_the_manifest_is_apollos_persisted_query_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "manifest.json"
    assert main(["schema", "manifest", "--operations", str(OPERATIONS_DIR), "--out", str(out)]) == 0
    manifest = json.loads(out.read_text(encoding="utf-8"))
    assert manifest["format"] == "apollo-persisted-query-manifest"
    assert manifest["version"] == 1
    assert manifest == Safelist.from_directory(OPERATIONS_DIR).manifest()
    for entry in manifest["operations"]:
        file_text = (OPERATIONS_DIR / f"{entry['name']}.graphql").read_text(encoding="utf-8")
        assert entry["body"] == file_text
        assert entry["id"] == sha256_hex(file_text)
        assert entry["type"] in ("query", "mutation")
