"""Cursors of the subgraph's lists: a source Position, as base64url JSON.

They are not signed: the owner's policy is applied again on every call, so a forged position
only pages through what the caller may see anyway. The remote source writes them the same way.
"""

import base64
import binascii
from datetime import UTC, datetime

import orjson

from resolvers.sources.records import Position

MAX_CURSOR_LENGTH = 200
MAX_LOCAL_ID = 2**63 - 1


def encode_cursor(position: Position) -> str:
    raw = orjson.dumps([position.sort_key.isoformat(), position.id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class BadCursor(ValueError):
    """A cursor no list gave out; the schema reports it on the argument that carried it."""


def decode_cursor(cursor: str) -> Position:
    refused = BadCursor(cursor)
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise refused
    try:
        sort_key, record_id = orjson.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        moment = datetime.fromisoformat(sort_key)
    except (binascii.Error, orjson.JSONDecodeError, TypeError, ValueError):
        raise refused from None
    if moment.tzinfo is None or isinstance(record_id, bool) or not isinstance(record_id, int):
        raise refused
    if not 0 <= record_id <= MAX_LOCAL_ID:
        raise refused
    # Stores compare in UTC; SQLite compares the written-out fields, so the offset must be 0.
    return Position(sort_key=moment.astimezone(UTC), id=record_id)
