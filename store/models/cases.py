"""Cases, the offences they concern, and the parties to them."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models._base import json_list, timestamp


class Case(SQLModel, table=True):
    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=300)
    status: str = Field(max_length=32, index=True)
    opened_at: datetime = timestamp(index=True)
    closed_at: datetime | None = timestamp(nullable=True)
    summary: str = Field(default="")
    legal_provisions: list[str] = json_list()
    marking: str = Field(max_length=120)
    tlp: str = Field(max_length=8)
    created_at: datetime = timestamp(default_now=True)


class CaseOffence(SQLModel, table=True):
    """One row per offence type of a case, so filters are plain indexed SQL on both databases."""

    __tablename__ = "case_offences"

    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    offence_type: str = Field(max_length=32, primary_key=True, index=True)


class CaseParty(SQLModel, table=True):
    """A case's link to an entity, which may live in either administration's store."""

    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "entity_administration", "entity_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    entity_administration: str = Field(max_length=2)
    entity_id: int
    role: str = Field(max_length=32)
