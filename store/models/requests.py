"""Assistance requests (owned by the requester) and decisions on them (owned by the requested)."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from store.models._base import json_list, timestamp


class AssistanceRequest(SQLModel, table=True):
    __tablename__ = "assistance_requests"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    requesting_administration: str = Field(max_length=2)
    requested_administration: str = Field(max_length=2)
    agreement_reference: str = Field(max_length=120)
    matter: str = Field(max_length=300)
    assistance_type: str = Field(max_length=32)
    reasons: str
    case_description: str
    legal_provisions: list[str] = json_list()
    # [{"name": ..., "address": ...}]: personal data, minimised.
    persons_concerned: list[dict[str, Any]] = json_list()
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    urgency: str = Field(max_length=16)
    oral: bool = False
    confirmed_in_writing_at: datetime | None = timestamp(nullable=True)
    submitted_at: datetime = timestamp(index=True)
    submitted_by: str = Field(max_length=200)
    due_at: datetime = timestamp(index=True)
    status: str = Field(max_length=16, index=True)
    closed_at: datetime | None = timestamp(nullable=True)
    # The partner's last decision or response applied to this request ("DECISION:12"), so
    # that receiving it again changes nothing.
    last_partner_action: str | None = Field(default=None, max_length=40)
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)


class Decision(SQLModel, table=True):
    """The requested administration's decision on a partner's request, with grounds and reasons."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    request_administration: str = Field(max_length=2)
    request_id: int = Field(index=True)
    request_reference: str = Field(max_length=40)
    decision: str = Field(max_length=32)
    ground: str | None = Field(default=None, max_length=64)
    reason: str | None = None
    conditions: list[str] = json_list()
    decided_at: datetime = timestamp()
    decided_by: str = Field(max_length=200)
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)
