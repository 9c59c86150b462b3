"""The reference dashboards' operations (`operations/*.graphql`) and the safelist built from
them.

Each file holds one operation, named as the file, with the fragments it uses. Its id is the
SHA-256 of the file's text exactly as stored (UTF-8, hex): what an APQ client sends as
`extensions.persistedQuery.sha256Hash` when it sends that text.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)

DEFAULT_OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "operations"
SUFFIX = ".graphql"
MANIFEST_FORMAT = "apollo-persisted-query-manifest"


class OperationsError(ValueError):
    """The operations directory does not hold what it should."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Operation:
    name: str
    # "query" or "mutation"
    kind: str
    body: str
    file: Path

    @property
    def id(self) -> str:
        return sha256_hex(self.body)

    @property
    def is_read(self) -> bool:
        return self.kind == "query"

    def document(self) -> DocumentNode:
        return parse(self.body)


def _operation(file: Path) -> Operation:
    body = file.read_text(encoding="utf-8")
    try:
        document = parse(body)
    except GraphQLError as exc:
        raise OperationsError(f"{file.name}: {exc.message}") from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise OperationsError(f"{file.name}: holds {len(operations)} operations; one per file")
    operation = operations[0]
    if operation.name is None or operation.name.value != file.stem:
        raise OperationsError(f"{file.name}: the operation must be named {file.stem}")
    return Operation(file.stem, operation.operation.value, body, file)


def load_operations(directory: Path = DEFAULT_OPERATIONS_DIR) -> list[Operation]:
    """Every operation of the directory, by name."""
    if not directory.is_dir():
        raise OperationsError(f"{directory} is not a directory of operations")
    found = [_operation(file) for file in sorted(directory.glob(f"*{SUFFIX}"))]
    if not found:
        raise OperationsError(f"{directory} holds no {SUFFIX} file")
    return found


def validation_errors(operation: Operation, schema: GraphQLSchema) -> list[str]:
    return [error.message for error in validate(schema, operation.document())]


@dataclass(frozen=True)
class Safelist:
    """The operations a gateway in safelist mode runs, by id."""

    by_id: dict[str, Operation]

    @classmethod
    def from_directory(cls, directory: Path = DEFAULT_OPERATIONS_DIR) -> "Safelist":
        return cls({operation.id: operation for operation in load_operations(directory)})

    def get(self, operation_id: str) -> Operation | None:
        return self.by_id.get(operation_id)

    def manifest(self) -> dict[str, Any]:
        """Apollo's persisted query manifest format, which its clients and routers read."""
        return {
            "format": MANIFEST_FORMAT,
            "version": 1,
            "operations": [
                {"id": op.id, "name": op.name, "type": op.kind, "body": op.body}
                for op in sorted(self.by_id.values(), key=lambda op: op.name)
            ],
        }
