"""Cursors of the merged lists: each source's position, bound to the list, the filter and the
caller's administration, and HMAC-signed with the gateway's secret (DESIGN.md §9)."""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from resolvers.errors import BadUserInput
from resolvers.sources.records import Position
from store.models.domain import Administration

VERSION = 1


@dataclass(frozen=True, slots=True)
class CursorScope:
    """What a cursor belongs to: a cursor of another list, filter or caller is refused."""

    list_name: str
    filter_digest: str
    caller: Administration


def filter_digest(filter_value: Any) -> str:
    canonical = orjson.dumps(filter_value, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:32]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _position(position: Position | None) -> list[Any] | None:
    return None if position is None else [position.sort_key.isoformat(), position.id]


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the cursor secret must be at least 32 bytes")
        self._secret = secret

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def encode(self, scope: CursorScope, positions: dict[Administration, Position | None]) -> str:
        body = {
            "v": VERSION,
            "l": scope.list_name,
            "f": scope.filter_digest,
            "c": scope.caller.value,
            "p": {owner.value: _position(at) for owner, at in sorted(positions.items())},
        }
        payload = orjson.dumps(body)
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, cursor: str, scope: CursorScope) -> dict[Administration, Position | None]:
        refused = BadUserInput("The cursor is not valid for this list.", field="after")
        if len(cursor) > 1024 or cursor.count(".") != 1:
            raise refused
        payload_text, mac_text = cursor.split(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            raise refused from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise refused
        try:
            body = orjson.loads(payload)
            if (body["v"], body["l"], body["f"], body["c"]) != (
                VERSION,
                scope.list_name,
                scope.filter_digest,
                scope.caller.value,
            ):
                raise refused
            return {
                Administration(owner): None
                if value is None
                else Position(datetime.fromisoformat(value[0]), int(value[1]))
                for owner, value in body["p"].items()
            }
        except (KeyError, TypeError, ValueError, IndexError):
            raise refused from None
