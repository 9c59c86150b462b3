"""Scalars beyond GraphQL's own, registered through the schema's scalar map."""

from typing import Any, NewType

import strawberry

# GraphQL's Int stops at 2^31 - 1: an evidence file (a disk image, a video) can be larger.
Long = NewType("Long", int)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a Long is a whole number")
    return value


SCALAR_MAP: dict[object, Any] = {
    Long: strawberry.scalar(
        name="Long",
        description="A whole number of up to 53 bits, as a JSON number.",
        serialize=_whole,
        parse_value=_whole,
    )
}
