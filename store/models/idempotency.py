"""Idempotency of mutations: a retry with the same key and the same input returns the first
result; the same key with other input is refused."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.models._base import timestamp


class IdempotencyKey(SQLModel, table=True):
    """Claimed in the mutation's own transaction, so a key exists only if its change does."""

    __tablename__ = "idempotency_keys"

    # The caller's administration and client, then the key the client chose.
    key: str = Field(primary_key=True, max_length=300)
    operation: str = Field(max_length=64)
    record_type: str = Field(max_length=32)
    record_id: int
    # SHA-256 of the call's canonical input: the same key with other input is refused, not
    # answered with the first result. NULL for keys remembered before it was kept.
    input_digest: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp()
