"""The SQLModel tables of one administration's store (DESIGN.md §4)."""

from store.models.audit import AuditEvent, AuditHead
from store.models.cases import Case, CaseOffence, CaseParty
from store.models.entities import Entity, EntityIdentifier, EntityLink
from store.models.evidence import CustodyEvent, Evidence, EvidenceContent
from store.models.idempotency import IdempotencyKey
from store.models.identity import (
    AuthorizationCode,
    OAuthClient,
    RefreshToken,
    RevokedAccessToken,
    SigningKey,
    StoreInfo,
    User,
)
from store.models.releases import Consent, ConsentItem, Release, ReleaseItem
from store.models.requests import AssistanceRequest, Decision

__all__ = [
    "AssistanceRequest",
    "AuditEvent",
    "AuditHead",
    "AuthorizationCode",
    "Case",
    "CaseOffence",
    "CaseParty",
    "Consent",
    "ConsentItem",
    "CustodyEvent",
    "Decision",
    "Entity",
    "EntityIdentifier",
    "EntityLink",
    "Evidence",
    "EvidenceContent",
    "IdempotencyKey",
    "OAuthClient",
    "RefreshToken",
    "Release",
    "ReleaseItem",
    "RevokedAccessToken",
    "SigningKey",
    "StoreInfo",
    "User",
]
