"""The owner's audit log: one append-only, hash-chained row per access or change, the signed
checkpoints that pin the log's size, head and tree root for both administrations, and the kept
entry hashes those roots authenticate."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from store.models._base import json_list, json_object, timestamp


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(index=True)
    actor_administration: str = Field(max_length=2)
    subject: str = Field(max_length=200)
    client_id: str = Field(max_length=200)
    scopes: list[str] = json_list()
    operation: str = Field(max_length=120)
    record_ids: list[str] = json_list()
    release_ids: list[int] = json_list()
    decision: str = Field(max_length=8)
    rule: str = Field(max_length=120)
    detail: dict[str, Any] = json_object()
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, unique=True)


class AuditHead(SQLModel, table=True):
    """The chain's current end. Appends update this one row first, which serialises writers on
    both databases (a row lock on PostgreSQL, the write lock on SQLite)."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int
    entry_hash: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """The owner's signature over its log's (size, head hash, tree root, time): a compact JWS
    made with the administration's signing key. The public key is kept with it, so a
    checkpoint stays checkable after the key has been rotated out of the JWKS.

    `tree_root` is the RFC 9162 root over the first `size` entry hashes (None for checkpoints
    made before the tree existed); `tree_frontier` lets the next checkpoint extend the tree
    without reading the log again: it is not signed, but it must fold to the signed root."""

    __tablename__ = "audit_checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    log_administration: str = Field(max_length=2)
    size: int
    head_hash: str = Field(max_length=64)
    signed_at: datetime = timestamp()
    kid: str = Field(max_length=100)
    public_jwk: dict[str, Any] = json_object()
    signature: str = Field(unique=True)
    tree_root: str | None = Field(default=None, max_length=64)
    tree_frontier: list[str] | None = json_list(nullable=True)


class AuditCosignature(SQLModel, table=True):
    """The partner's countersignature of one checkpoint, with the checkpoint itself.

    Kept in both stores: in the cosigner's, as its witness of the other side's log (which the
    other side cannot change), and in the log owner's, next to its checkpoints.
    """

    __tablename__ = "audit_cosignatures"

    id: int | None = Field(default=None, primary_key=True)
    log_administration: str = Field(max_length=2)
    size: int
    head_hash: str = Field(max_length=64)
    signed_at: datetime = timestamp()
    checkpoint_signature: str
    cosigner_administration: str = Field(max_length=2)
    cosigned_at: datetime = timestamp()
    kid: str = Field(max_length=100)
    public_jwk: dict[str, Any] = json_object()
    signature: str = Field(unique=True)
    tree_root: str | None = Field(default=None, max_length=64)
    tree_frontier: list[str] | None = json_list(nullable=True)


class AuditTreeLeaf(SQLModel, table=True):
    """One entry hash of a log, as it was when a checkpoint (or a cosignature) covered it.

    In the owner's store, the rows of its own log; in the partner's, its witness copy of the
    owner's log. A signed tree root authenticates them, so `verify` can name the first entry
    of the log that no longer matches (see store/audit_tree.py)."""

    __tablename__ = "audit_tree_leaves"

    log_administration: str = Field(max_length=2, primary_key=True)
    seq: int = Field(primary_key=True)
    entry_hash: str = Field(max_length=64)
