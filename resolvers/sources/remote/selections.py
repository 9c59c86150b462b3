"""What the remote transport asks an administration's subgraph for, derived from the records
it reads the answer back into: every field of a record, under its GraphQL name, and of each
record it holds. The subgraph's types declare the records' fields under those names
(resolvers.vocabulary.types); tests/unit/test_vocabulary.py holds the two equal."""

from dataclasses import Field, fields, is_dataclass
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from resolvers.sources.drafts import PartnerAction
from resolvers.sources.records import DecisionRecord, EntityLinkRecord, RequestRecord

# Records without a global id: the subgraph gives their number in the owner's store.
LOCAL_IDS = frozenset({DecisionRecord, EntityLinkRecord, PartnerAction})
# Attributes whose value is an object but not a record of ours: what is asked of it.
OBJECTS: dict[tuple[type, str], str] = {(RequestRecord, "persons_concerned"): "name address"}


def graphql_name(name: str) -> str:
    """A record's attribute as GraphQL names its field (strawberry's camelCase)."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def attributes(kind: Any) -> tuple[Field[Any], ...]:
    """The attributes of a record or a procedure (a dataclass)."""
    return fields(kind)


def field_key(kind: type, name: str) -> str:
    """The subgraph's name for the attribute `name` of `kind`."""
    return "localId" if name == "id" and kind in LOCAL_IDS else graphql_name(name)


def record_in(annotation: Any) -> type | None:
    """The record an attribute holds (alone, optional or as a tuple of them), if it holds one."""
    if isinstance(annotation, type) and is_dataclass(annotation):
        return annotation
    if get_origin(annotation) in (Union, UnionType, tuple):
        for argument in get_args(annotation):
            found = record_in(argument)
            if found is not None:
                return found
    return None


@cache
def selection(kind: type) -> str:
    """Every field of the record `kind`, its records' fields too, as the subgraph names them."""
    hints = get_type_hints(kind)
    asked = []
    for attribute in attributes(kind):
        key = field_key(kind, attribute.name)
        inner = OBJECTS.get((kind, attribute.name))
        record = record_in(hints[attribute.name])
        if inner is None and record is not None:
            inner = selection(record)
        asked.append(key if inner is None else f"{key} {{ {inner} }}")
    return " ".join(asked)
