"""Global IDs: opaque to callers, and carrying the type, the owner and the local id.

Decoding one tells the caller nothing it could not already see (its own request's id, or a
record released to it); an id the caller may not see resolves exactly like a random one.
"""

import binascii
from dataclasses import dataclass

from store.models.domain import Administration, RecordType

TYPE_NAMES = ("Case", "Entity", "Evidence", "AssistanceRequest", "Release", "Consent")
# The type name in the id of each kind of record a release or consent names.
TYPE_NAME_OF_RECORD = {
    RecordType.CASE.value: "Case",
    RecordType.ENTITY.value: "Entity",
    RecordType.EVIDENCE.value: "Evidence",
}


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


# The other direction, for decoding; and what each part of a decoded id may be.
_FROM_URL_SAFE = bytes.maketrans(b"-_", b"+/")
_TYPES = frozenset(TYPE_NAMES)
_OWNERS = {administration.value: administration for administration in Administration}
_LOCAL_DIGITS = 18


def id_parts(value: str) -> tuple[str, Administration, int] | None:
    """The type name, owner and local id an id names, or None for anything that is not one
    of our ids: "Type:OWNER:n", with a type of TYPE_NAMES, an administration's code and a
    local id of 1 to 18 digits without a leading zero."""
    if not value or len(value) > 64:
        return None
    try:
        padded = value.encode("ascii").translate(_FROM_URL_SAFE) + b"=" * (-len(value) % 4)
        raw = binascii.a2b_base64(padded).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, _, rest = raw.partition(":")
    owner, _, number = rest.partition(":")
    administration = _OWNERS.get(owner)
    if type_name not in _TYPES or administration is None:
        return None
    if not (0 < len(number) <= _LOCAL_DIGITS and number.isdigit() and number[0] != "0"):
        return None
    return type_name, administration, int(number)


def decode_global_id(value: str) -> GlobalId | None:
    """The id's parts (id_parts), or None for anything that is not one of our ids."""
    parts = id_parts(value)
    return None if parts is None else GlobalId(*parts)
