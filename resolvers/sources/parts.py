"""Which parts of an entity record a read must fill.

The gateway knows, from the operation it runs, which attributes of the entities it reads will
be used; a source may then leave the others unread. The remote source asks the owner's
subgraph only for those fields, so a partner's subgraph hands over, and spends time on, what
the caller asked for and nothing more. A source may always fill more (the in-process source
fills every part: a row is read whole anyway).

An attribute left unread holds UNREAD, which no GraphQL type can serialise: a wrong choice of
parts is an error in the answer, never a made-up value.
"""

from dataclasses import dataclass
from typing import Final


class Unread:
    """The value of an attribute a read was not asked to fill."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNREAD"

    def __str__(self) -> str:
        # GraphQL's String serialises any object that is not a builtin through str().
        raise TypeError("an attribute its read left unread")


UNREAD: Final = Unread()

# An entity record's attributes beyond its owner and id (always read), in record order.
ENTITY_PARTS: Final = (
    "kind",
    "conveyance_type",
    "name",
    "name_cyrillic",
    "name_key",
    "date_of_birth",
    "address",
    "country",
    "description",
    "personal_data_withheld",
    "identifiers",
    "created_at",
    "handling",
)
# A handling record's attributes beyond its owner (always read).
HANDLING_PARTS: Final = (
    "marking",
    "tlp",
    "permitted_uses",
    "consent_required_for",
    "conditions",
    "released_under",
    "expires_at",
    "consents",
)


@dataclass(frozen=True, slots=True)
class EntityParts:
    """The entity attributes to fill and, where `handling` is one, the handling attributes."""

    entity: frozenset[str]
    handling: frozenset[str]

    def __post_init__(self) -> None:
        unknown = (self.entity - set(ENTITY_PARTS)) | (self.handling - set(HANDLING_PARTS))
        if unknown:
            raise ValueError(f"not parts of an entity: {sorted(unknown)}")


EVERY_PART: Final = EntityParts(frozenset(ENTITY_PARTS), frozenset(HANDLING_PARTS))
