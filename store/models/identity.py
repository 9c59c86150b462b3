"""The administration's own OAuth clients, users, signing keys and token state."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from store.models._base import json_list, json_object, timestamp


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_clients"

    client_id: str = Field(primary_key=True, max_length=100)
    client_secret_hash: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", max_length=300)
    grant_types: list[str] = json_list()
    redirect_uris: list[str] = json_list()
    scopes: list[str] = json_list()
    token_endpoint_auth_method: str = Field(max_length=32)
    designated: bool = False
    created_at: datetime = timestamp(default_now=True)


class User(SQLModel, table=True):
    __tablename__ = "users"

    username: str = Field(primary_key=True, max_length=100)
    password_hash: str = Field(max_length=200)
    display_name: str = Field(max_length=200)
    scopes: list[str] = json_list()
    designated: bool = False
    created_at: datetime = timestamp(default_now=True)


class SigningKey(SQLModel, table=True):
    __tablename__ = "signing_keys"

    kid: str = Field(primary_key=True, max_length=100)
    algorithm: str = Field(max_length=16)
    private_jwk: dict[str, Any] = json_object()
    created_at: datetime = timestamp()
    # Set when a newer key takes over signing; the key stays published until its tokens expire.
    retired_at: datetime | None = timestamp(nullable=True)


class AuthorizationCode(SQLModel, table=True):
    __tablename__ = "authorization_codes"

    code_hash: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=100)
    subject: str = Field(max_length=100)
    redirect_uri: str = Field(max_length=500)
    scope: str
    code_challenge: str = Field(max_length=128)
    code_challenge_method: str = Field(max_length=8)
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=100, index=True)
    subject: str = Field(max_length=100)
    scope: str
    issued_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    revoked_at: datetime | None = timestamp(nullable=True)


class RevokedAccessToken(SQLModel, table=True):
    """The jti deny-list: a revoked JWT stays refused until it would have expired anyway."""

    __tablename__ = "revoked_access_tokens"

    jti: str = Field(primary_key=True, max_length=100)
    expires_at: datetime = timestamp(index=True)
    revoked_at: datetime = timestamp()


class StoreInfo(SQLModel, table=True):
    """One row naming whose store this is, so one administration's data never lands in another's."""

    __tablename__ = "store_info"

    id: int = Field(default=1, primary_key=True)
    administration: str = Field(max_length=2)
    created_at: datetime = timestamp(default_now=True)
