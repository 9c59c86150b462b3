"""Evidence items and their chain of custody."""

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models._base import timestamp


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    # The case it supports may be the partner's: an owner can provide evidence for a partner case.
    case_administration: str = Field(max_length=2)
    case_id: int = Field(index=True)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=300)
    description: str = Field(default="")
    media_type: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    size_bytes: int
    collected_at: datetime = timestamp()
    collected_by: str = Field(max_length=200)
    collected_place: str = Field(default="", max_length=200)
    return_due: datetime | None = timestamp(nullable=True)
    returned_at: datetime | None = timestamp(nullable=True)
    marking: str = Field(max_length=120)
    tlp: str = Field(max_length=8)
    created_at: datetime = timestamp(default_now=True)


class EvidenceContent(SQLModel, table=True):
    """The bytes of a digital item, apart so that listing evidence never reads them."""

    __tablename__ = "evidence_contents"

    evidence_id: int = Field(foreign_key="evidence.id", primary_key=True, ondelete="CASCADE")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CustodyEvent(SQLModel, table=True):
    __tablename__ = "custody_events"
    __table_args__ = (UniqueConstraint("evidence_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", index=True, ondelete="CASCADE")
    sequence: int
    from_holder: str = Field(max_length=200)
    to_holder: str = Field(max_length=200)
    at: datetime = timestamp()
    purpose: str = Field(max_length=300)
    seal: str | None = Field(default=None, max_length=64)
    condition: str = Field(default="", max_length=300)
