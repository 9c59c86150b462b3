"""Releases (the owner's grants of records to the partner) and consents to further use."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models._base import json_list, timestamp


class Release(SQLModel, table=True):
    __tablename__ = "releases"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=2, index=True)
    basis: str = Field(max_length=16)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id")
    request_administration: str | None = Field(default=None, max_length=2)
    request_id: int | None = None
    request_reference: str | None = Field(default=None, max_length=40)
    purpose: str
    permitted_uses: list[str] = json_list()
    consent_required_for: list[str] = json_list()
    conditions: list[str] = json_list()
    includes_personal_data: bool = False
    created_at: datetime = timestamp()
    created_by: str = Field(max_length=200)
    expires_at: datetime = timestamp(index=True)
    revoked_at: datetime | None = timestamp(nullable=True)
    revocation_reason: str | None = None
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)


class ReleaseItem(SQLModel, table=True):
    __tablename__ = "release_items"
    __table_args__ = (
        UniqueConstraint("release_id", "record_type", "record_id"),
        Index("ix_release_items_record", "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="releases.id", index=True, ondelete="CASCADE")
    record_type: str = Field(max_length=16)
    record_id: int


class Consent(SQLModel, table=True):
    """The recipient's request to use released records in a way that needs the owner's consent."""

    __tablename__ = "consents"

    id: int | None = Field(default=None, primary_key=True)
    requesting_administration: str = Field(max_length=2)
    use: str = Field(max_length=32)
    recipient_agency: str | None = Field(default=None, max_length=200)
    recipient_country: str | None = Field(default=None, max_length=2)
    purpose: str
    status: str = Field(max_length=16, index=True)
    requested_at: datetime = timestamp()
    requested_by: str = Field(max_length=200)
    decided_at: datetime | None = timestamp(nullable=True)
    decided_by: str | None = Field(default=None, max_length=200)
    reason: str | None = None
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)


class ConsentItem(SQLModel, table=True):
    __tablename__ = "consent_items"
    __table_args__ = (
        UniqueConstraint("consent_id", "record_type", "record_id"),
        Index("ix_consent_items_record", "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consent_id: int = Field(foreign_key="consents.id", index=True, ondelete="CASCADE")
    record_type: str = Field(max_length=16)
    record_id: int
