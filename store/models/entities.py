"""Persons, organizations, conveyances, transport equipment and shipments, and their identifiers."""

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models._base import timestamp


class Entity(SQLModel, table=True):
    __tablename__ = "entities"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    conveyance_type: str | None = Field(default=None, max_length=16)
    name: str = Field(max_length=300)
    name_cyrillic: str | None = Field(default=None, max_length=300)
    # The matching key of store.names.normalise_name, equal for Latin and Cyrillic spellings.
    name_key: str = Field(max_length=300, index=True)
    # Personal data of natural persons: released only with a PII release and the PII scope.
    date_of_birth: date | None = None
    address: str | None = Field(default=None, max_length=400)
    country: str | None = Field(default=None, max_length=2)
    description: str = Field(default="")
    marking: str = Field(max_length=120)
    tlp: str = Field(max_length=8)
    created_at: datetime = timestamp(default_now=True)


class EntityIdentifier(SQLModel, table=True):
    __tablename__ = "entity_identifiers"
    __table_args__ = (
        UniqueConstraint("entity_id", "type", "normalised"),
        Index("ix_entity_identifiers_match", "type", "normalised"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity_id: int = Field(foreign_key="entities.id", index=True, ondelete="CASCADE")
    type: str = Field(max_length=32)
    value: str = Field(max_length=64)
    normalised: str = Field(max_length=64)
    issuing_country: str | None = Field(default=None, max_length=2)


class EntityLink(SQLModel, table=True):
    """A confirmed match between an own entity and one in the partner's store."""

    __tablename__ = "entity_links"
    __table_args__ = (UniqueConstraint("entity_id", "partner_administration", "partner_entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_id: int = Field(foreign_key="entities.id", index=True, ondelete="CASCADE")
    partner_administration: str = Field(max_length=2)
    partner_entity_id: int
    reason: str
    confirmed_by: str = Field(max_length=200)
    confirmed_at: datetime = timestamp()
