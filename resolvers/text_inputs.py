"""Text a caller sends holds no control characters, in any argument of any field.

A NUL or an escape in a filter, a name or a reason is never what a person meant: stores and
drivers treat such characters each their own way (SQLite's LIKE took "\\u0000" to match
every visible case), and logs and partners' screens would carry them on. Checked once, here,
for every argument of the operation, literal or variable, before anything resolves; the
refusal is BAD_USER_INPUT naming the input at fault (e.g. `filter.text`).
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from resolvers.errors import BadUserInput

# C0 and C1 controls and DEL, but tab, line feed and carriage return, which prose may hold.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _in_json(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if CONTROL.search(value) else None
    if isinstance(value, list):
        items: Iterator[tuple[str, Any]] = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    elif isinstance(value, dict):
        items = ((f"{path}.{key}", v) for key, v in value.items())
    else:
        return None
    found = (_in_json(inner, at) for at, inner in items)
    return next((at for at in found if at is not None), None)


class _Arguments(Visitor):
    def __init__(self, variables: Mapping[str, Any], defaults: Mapping[str, ValueNode]) -> None:
        super().__init__()
        self.variables, self.defaults = variables, defaults
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> Any:
        self.found = self._in_value(node.value, node.name.value)
        return Visitor.BREAK if self.found is not None else Visitor.SKIP

    def _in_value(self, node: ValueNode, path: str) -> str | None:
        if isinstance(node, StringValueNode):
            return path if CONTROL.search(node.value) else None
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return _in_json(self.variables[name], path)
            default = self.defaults.get(name)
            return None if default is None else self._in_value(default, path)
        if isinstance(node, ListValueNode):
            items = ((f"{path}[{i}]", v) for i, v in enumerate(node.values))
        elif isinstance(node, ObjectValueNode):
            items = ((f"{path}.{f.name.value}", f.value) for f in node.fields)
        else:
            return None
        return next(
            (found for at, v in items if (found := self._in_value(v, at)) is not None), None
        )


def control_character_at(document: DocumentNode, variables: Mapping[str, Any]) -> str | None:
    """The first argument (as a path into it) whose text holds a control character."""
    defaults = {
        definition.variable.name.value: definition.default_value
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    arguments = _Arguments(variables, defaults)
    visit(document, arguments)
    return arguments.found


class TextInputs(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            field = control_character_at(context.graphql_document, context.variables or {})
            if field is not None:
                raise BadUserInput(
                    "Text may not hold control characters.", field=field
                ).as_graphql_error()
        yield
