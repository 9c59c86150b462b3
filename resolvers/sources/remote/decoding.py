"""A subgraph's JSON back into the very records the in-process source builds.

Every value is checked for its type: an answer that does not fit is malformed, and the
source reports the administration unavailable rather than hand on something half-right.
"""

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from types import UnionType
from typing import Any, NamedTuple, TypeVar, Union, get_args, get_origin, get_type_hints

import orjson

from resolvers.sources.drafts import PartnerAction
from resolvers.sources.ids import decode_global_id, id_parts
from resolvers.sources.parts import EVERY_PART, UNREAD, EntityParts
from resolvers.sources.records import (
    CaseRecord,
    ConsentRecord,
    CustodyRecord,
    DecisionRecord,
    EntityLinkRecord,
    EntityRecord,
    EvidenceRecord,
    GrantedConsent,
    Handling,
    IdentifierRecord,
    PartyRecord,
    ReleaseItemRef,
    ReleaseRecord,
    ReleaseRef,
    RequestRecord,
)
from resolvers.sources.remote.selections import graphql_name, selection
from store.audit import LoggedEntry
from store.models.domain import Administration, RecordType

T = TypeVar("T")
Json = dict[str, Any]

RECORD_TYPE_OF_NAME = {
    "Case": RecordType.CASE.value,
    "Entity": RecordType.ENTITY.value,
    "Evidence": RecordType.EVIDENCE.value,
}


class Malformed(ValueError):
    """The answer is not what the subgraph's schema promises."""


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Malformed("expected a string")
    return value


def maybe(read: Callable[[Any], T], value: Any) -> T | None:
    return None if value is None else read(value)


def whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed("expected a whole number")
    return value


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Malformed("expected true or false")
    return value


def moment(value: Any) -> datetime:
    parsed = datetime.fromisoformat(text(value))
    if parsed.tzinfo is None:
        raise Malformed("expected a moment with its offset")
    return parsed.astimezone(UTC)


def day(value: Any) -> date:
    return date.fromisoformat(text(value))


ADMINISTRATIONS = {administration.value: administration for administration in Administration}


def administration(value: Any) -> Administration:
    found = ADMINISTRATIONS.get(text(value))
    if found is None:
        raise Malformed("expected an administration")
    return found


def obj(value: Any) -> Json:
    if not isinstance(value, dict):
        raise Malformed("expected an object")
    return value


def items(value: Any, read: Callable[[Any], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise Malformed("expected a list")
    return tuple(read(item) for item in value)


def texts(value: Any) -> tuple[str, ...]:
    if value.__class__ is list:  # JSON's lists and strings, checked without a call each
        for item in value:
            if item.__class__ is not str:
                break
        else:
            return tuple(value)
    return items(value, text)


def local_id(value: Any, type_name: str, owner: Administration | None = None) -> int:
    """The local id of a global id that must name a `type_name` (of `owner`, if given)."""
    parts = id_parts(text(value))
    if parts is None or parts[0] != type_name:
        raise Malformed(f"expected the id of a {type_name}")
    if owner is not None and parts[1] is not owner:
        raise Malformed("the id names a record of the other administration")
    return parts[2]


# How a field of each annotation a record uses is read; a record's other fields are given.
READERS: dict[Any, Callable[[Any], Any]] = {
    str: text,
    int: whole,
    bool: flag,
    datetime: moment,
    date: day,
    Administration: administration,
    tuple[str, ...]: texts,
}
NONE = type(None)


@cache
def _reader(kind: type, name: str) -> tuple[str, Callable[[Any], Any]]:
    """The subgraph's key for the attribute `name` of `kind`, and how its value is read: the
    subgraph's types declare the records' fields under their GraphQL names
    (resolvers.vocabulary.types), so one rule reads them all."""
    annotation = get_type_hints(kind)[name]
    if annotation in READERS:
        return graphql_name(name), READERS[annotation]
    arguments = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType) and len(arguments) == 2 and NONE in arguments:
        inner = READERS[next(argument for argument in arguments if argument is not NONE)]
        return graphql_name(name), lambda value: maybe(inner, value)
    raise TypeError(f"{kind.__name__}.{name}: no reader for {annotation}")


@cache
def _readers(
    kind: type, given: frozenset[str]
) -> tuple[tuple[str, str, Callable[[Any], Any]], ...]:
    """(attribute, key, read) of each field of `kind` but those `given`."""
    dataclass: Any = kind  # every record is a dataclass
    return tuple(
        (field.name, *_reader(dataclass, field.name))
        for field in fields(dataclass)
        if field.name not in given
    )


def record(kind: type[T], value: Json, **given: Any) -> T:
    """A `kind` read from the subgraph's `value`, field by field; `given` are the fields read
    otherwise (ids, the owner, nested records)."""
    attributes = dict(given)
    hashable: Any = kind  # a class (the checker does not take a generic one for hashable)
    for attribute, key, read in _readers(hashable, frozenset(given)):
        attributes[attribute] = read(value[key])
    return kind(**attributes)


def release_ref(value: Json, owner: Administration) -> ReleaseRef:
    return record(ReleaseRef, value, id=local_id(value["id"], "Release", owner))


def consent(value: Json, owner: Administration) -> GrantedConsent:
    return record(GrantedConsent, value, id=local_id(value["id"], "Consent", owner))


class Field(NamedTuple):
    """A subgraph field of a record: its name, how its value becomes the record's attribute
    (given the record's owner), and the record it holds, if it holds one."""

    key: str
    read: Callable[[Any, Administration], Any]
    holds: type | None = None

    @property
    def asked(self) -> str:
        """The field as an operation asks for it: a record's, with every field of that."""
        return self.key if self.holds is None else f"{self.key} {{ {selection(self.holds)} }}"


def _plain(read: Callable[[Any], Any]) -> Callable[[Any, Administration], Any]:
    return lambda value, _owner: read(value)


def _optional(read: Callable[[Any], Any]) -> Callable[[Any, Administration], Any]:
    return lambda value, _owner: maybe(read, value)


# The most common fields' reads, without a call to a reader each.
def _text(value: Any, _owner: Administration) -> str:
    return value if value.__class__ is str else text(value)


def _optional_text(value: Any, _owner: Administration) -> str | None:
    return value if value is None or value.__class__ is str else text(value)


def _texts(value: Any, _owner: Administration) -> tuple[str, ...]:
    return texts(value)


def _released_under(value: Any, owner: Administration) -> ReleaseRef | None:
    return None if value is None else release_ref(obj(value), owner)


def _consents(value: Any, owner: Administration) -> tuple[GrantedConsent, ...]:
    return items(value, lambda item: consent(obj(item), owner))


# A handling's attributes beyond its owner (resolvers.sources.parts.HANDLING_PARTS).
HANDLING_FIELDS: dict[str, Field] = {
    "marking": Field("marking", _text),
    "tlp": Field("tlp", _text),
    "permitted_uses": Field("permittedUses", _texts),
    "consent_required_for": Field("consentRequiredFor", _texts),
    "conditions": Field("conditions", _texts),
    "released_under": Field("releasedUnder", _released_under, ReleaseRef),
    "expires_at": Field("expiresAt", _optional(moment)),
    "consents": Field("consents", _consents, GrantedConsent),
}


# How a record's parts are read: the attributes left UNREAD, and (attribute, key, read) of
# those read.
Reading = tuple[dict[str, Any], tuple[tuple[str, str, Callable[[Any, Administration], Any]], ...]]


def _reading(fields: dict[str, Field], parts: frozenset[str]) -> Reading:
    unread = {attribute: UNREAD for attribute in fields if attribute not in parts}
    read = tuple(
        (attribute, field.key, field.read)
        for attribute, field in fields.items()
        if attribute in parts
    )
    return unread, read


@lru_cache(maxsize=64)
def _handling_reading(parts: frozenset[str]) -> Reading:
    return _reading(HANDLING_FIELDS, parts)


def _read_parts(value: Json, owner: Administration, reading: Reading) -> dict[str, Any]:
    """Each attribute of the reading's parts read from its field; the others UNREAD."""
    unread, read = reading
    attributes = dict(unread)
    for attribute, key, read_one in read:
        attributes[attribute] = read_one(value[key], owner)
    return attributes


def handling(value: Any, parts: frozenset[str] = EVERY_PART.handling) -> Handling:
    value = obj(value)
    owner = administration(value["owner"])
    return Handling(owner=owner, **_read_parts(value, owner, _handling_reading(parts)))


def case(value: Any, owner: Administration) -> CaseRecord:
    value = obj(value)
    return record(
        CaseRecord,
        value,
        owner=_owner(value, owner),
        id=local_id(value["id"], "Case", owner),
        handling=handling(value["handling"]),
    )


def party(value: Any, owner: Administration) -> PartyRecord:
    value = obj(value)
    case_owner = administration(value["caseOwner"])
    entity_owner = administration(value["entityOwner"])
    if case_owner is not owner:
        raise Malformed("a party link of the other administration's case")
    return PartyRecord(
        case_owner=case_owner,
        case_id=local_id(value["caseId"], "Case", case_owner),
        entity_owner=entity_owner,
        entity_id=local_id(value["entityId"], "Entity", entity_owner),
        role=text(value["role"]),
    )


def identifier(value: Any) -> IdentifierRecord:
    return record(IdentifierRecord, obj(value))


def _identifiers(value: Any, _owner: Administration) -> tuple[IdentifierRecord, ...]:
    return items(value, identifier)


# An entity's attributes beyond its owner and id (resolvers.sources.parts.ENTITY_PARTS), but
# its handling, which is read with its own parts.
ENTITY_FIELDS: dict[str, Field] = {
    "kind": Field("kind", _text),
    "conveyance_type": Field("conveyanceType", _optional_text),
    "name": Field("name", _optional_text),
    "name_cyrillic": Field("nameCyrillic", _optional_text),
    "name_key": Field("nameKey", _optional_text),
    "date_of_birth": Field("dateOfBirth", _optional(day)),
    "address": Field("address", _optional_text),
    "country": Field("country", _optional_text),
    "description": Field("description", _text),
    "personal_data_withheld": Field("personalDataWithheld", _plain(flag)),
    "identifiers": Field("identifiers", _identifiers, IdentifierRecord),
    "created_at": Field("createdAt", _plain(moment)),
}


@lru_cache(maxsize=64)
def _entity_reading(parts: frozenset[str]) -> Reading:
    return _reading(ENTITY_FIELDS, parts)


def entity(value: Any, owner: Administration, parts: EntityParts = EVERY_PART) -> EntityRecord:
    """The entity, with the attributes outside `parts` UNREAD (the operation did not ask)."""
    value = obj(value)
    owner = _owner(value, owner)
    # UNREAD stands where the operation did not ask, as for the other parts.
    read: Any = (
        handling(value["handling"], parts.handling) if "handling" in parts.entity else UNREAD
    )
    return EntityRecord(
        owner=owner,
        id=local_id(value["id"], "Entity", owner),
        **_read_parts(value, owner, _entity_reading(parts.entity)),
        handling=read,
    )


def custody(value: Any) -> CustodyRecord:
    return record(CustodyRecord, obj(value))


def evidence(value: Any, owner: Administration) -> EvidenceRecord:
    value = obj(value)
    case_owner = administration(value["caseOwner"])
    return record(
        EvidenceRecord,
        value,
        owner=_owner(value, owner),
        id=local_id(value["id"], "Evidence", owner),
        case_id=local_id(value["caseId"], "Case", case_owner),
        custody=items(value["custody"], custody),
        handling=handling(value["handling"]),
    )


def person_concerned(value: Any) -> dict[str, Any]:
    value = obj(value)
    return {"name": text(value["name"]), "address": maybe(text, value["address"])}


def request(value: Any, owner: Administration) -> RequestRecord:
    value = obj(value)
    persons = value["personsConcerned"]
    case_id = value["caseId"]
    return record(
        RequestRecord,
        value,
        owner=_owner(value, owner),
        id=local_id(value["id"], "AssistanceRequest", owner),
        persons_concerned=None if persons is None else items(persons, person_concerned),
        case_id=None if case_id is None else local_id(case_id, "Case", owner),
    )


def release_item(value: Any, owner: Administration) -> ReleaseItemRef:
    value = obj(value)
    record_type = text(value["recordType"])
    decoded = decode_global_id(text(value["recordId"]))
    if (
        decoded is None
        or decoded.owner is not owner
        or RECORD_TYPE_OF_NAME.get(decoded.type_name) != record_type
    ):
        raise Malformed("a release item that is not the owner's record of its type")
    return ReleaseItemRef(record_type=record_type, record_id=decoded.local_id)


def release(value: Any, owner: Administration) -> ReleaseRecord:
    value = obj(value)
    return record(
        ReleaseRecord,
        value,
        owner=_owner(value, owner),
        id=local_id(value["id"], "Release", owner),
        items=items(value["items"], lambda item: release_item(item, owner)),
    )


def audit_entry(value: Any, owner: Administration) -> LoggedEntry:
    value = obj(value)
    try:
        detail = orjson.loads(text(value["detail"]))
    except orjson.JSONDecodeError:
        raise Malformed("expected a JSON object") from None
    return record(
        LoggedEntry,
        value,
        owner=_owner(value, owner),
        actor_administration=administration(value["actorAdministration"]).value,
        release_ids=items(value["releaseIds"], lambda item: local_id(item, "Release", owner)),
        detail=obj(detail),
    )


def _owner(value: Json, owner: Administration) -> Administration:
    # Each subgraph serves its own administration's records and nothing else.
    if administration(value["owner"]) is not owner:
        raise Malformed("a record of the other administration")
    return owner


# -- what the agreement's procedures return -------------------------------------------------

PARTNER_ACTION_KINDS = frozenset(("DECISION", "RELEASE"))


def positive(value: Any) -> int:
    """A local id (of a decision or a link: records that have no global id)."""
    number = whole(value)
    if number < 1:
        raise Malformed("expected a local id")
    return number


def decision(value: Any, owner: Administration) -> DecisionRecord:
    value = obj(value)
    return record(DecisionRecord, value, owner=_owner(value, owner), id=positive(value["localId"]))


def partner_action(value: Any) -> PartnerAction:
    value = obj(value)
    kind = text(value["kind"])
    if kind not in PARTNER_ACTION_KINDS:
        raise Malformed("expected a decision or a release")
    return PartnerAction(kind, positive(value["localId"]), text(value["newStatus"]))


def consent_request(value: Any, owner: Administration) -> ConsentRecord:
    value = obj(value)
    return record(
        ConsentRecord,
        value,
        owner=_owner(value, owner),
        id=local_id(value["id"], "Consent", owner),
        items=items(value["items"], lambda item: release_item(item, owner)),
    )


def entity_link(value: Any, owner: Administration) -> EntityLinkRecord:
    value = obj(value)
    partner = administration(value["partnerAdministration"])
    return record(
        EntityLinkRecord,
        value,
        owner=_owner(value, owner),
        id=positive(value["localId"]),
        entity_id=local_id(value["entityId"], "Entity", owner),
        partner_entity_id=local_id(value["partnerEntityId"], "Entity", partner),
    )


# What each record a procedure answers with is read by; an answer of several is read field
# for field (resolvers.sources.base.DecisionOutcome).
ANSWERS: dict[type, Callable[[Any, Administration], Any]] = {
    RequestRecord: request,
    ReleaseRecord: release,
    ConsentRecord: consent_request,
    EvidenceRecord: evidence,
    DecisionRecord: decision,
    EntityLinkRecord: entity_link,
    PartnerAction: lambda value, _owner: partner_action(value),
}


def answer(kind: type, value: Any, owner: Administration) -> Any:
    """A procedure's answer of type `kind`, from the subgraph's `value`."""
    if kind in ANSWERS:
        return ANSWERS[kind](value, owner)
    value = obj(value)
    hints = get_type_hints(kind)
    attributes: Any = kind  # a dataclass of records, as every answer of several is
    return kind(
        **{
            field.name: answer(hints[field.name], value[graphql_name(field.name)], owner)
            for field in fields(attributes)
        }
    )
