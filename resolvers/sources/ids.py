"""Global IDs: opaque to callers, and carrying the type, the owner and the local id.

Decoding one tells the caller nothing it could not already see (its own request's id, or a
record released to it); an id the caller may not see resolves exactly like a random one.
"""

import base64
import binascii
import re
from dataclasses import dataclass

from store.models.domain import Administration, RecordType

TYPE_NAMES = ("Case", "Entity", "Evidence", "AssistanceRequest", "Release", "Consent")
# The type name in the id of each kind of record a release or consent names.
TYPE_NAME_OF_RECORD = {
    RecordType.CASE.value: "Case",
    RecordType.ENTITY.value: "Entity",
    RecordType.EVIDENCE.value: "Evidence",
}
_GLOBAL_ID = re.compile(r"^(?P<type>[A-Za-z]+):(?P<owner>US|UZ):(?P<id>[1-9][0-9]{0,17})$")


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    owner: Administration
    local_id: int

    def encode(self) -> str:
        return global_id(self.type_name, self.owner, self.local_id)


# base64's URL-safe alphabet: "+" and "/" become "-" and "_".
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def global_id(type_name: str, owner: Administration, local_id: int) -> str:
    """The id of a record (every record of an answer has one: a direct encoding, no object)."""
    raw = f"{type_name}:{owner._value_}:{local_id}".encode()
    encoded = binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE)
    return encoded.rstrip(b"=").decode("ascii")


def decode_global_id(value: str) -> GlobalId | None:
    """The id's parts, or None for anything that is not one of our ids."""
    if not value or len(value) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    match = _GLOBAL_ID.match(raw)
    if match is None or match["type"] not in TYPE_NAMES:
        return None
    return GlobalId(match["type"], Administration(match["owner"]), int(match["id"]))
