"""What the agreement lets each caller see, decided in plain SQL over the owners' SQLite stores,
apart from auth/policy/, so that the two can disagree:

- a case, entity or evidence item: the caller's own (with the read scope), or the partner's
  where the caller is a designated official and an active release (unrevoked, unexpired,
  recipient = the caller's administration) lists it;
- an assistance request: the caller's own, or one addressed to a designated caller;
- a release: the caller's own only;
- a natural person's personal data: with `cmaa.pii:read` only, and for a partner's person only
  where an active release to the caller that lists the person includes personal data;
- the persons concerned by a request: with `cmaa.pii:read` only.
"""

import base64
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.gateway.support import sql_now

PII_READ = "cmaa.pii:read"
REQUESTS_READ = "cmaa.requests:read"
# Exchange type → (table, release item type, read scope).
RELEASABLE: dict[str, tuple[str, str, str]] = {
    "Case": ("cases", "CASE", "cmaa.cases:read"),
    "Entity": ("entities", "ENTITY", "cmaa.entities:read"),
    "Evidence": ("evidence", "EVIDENCE", "cmaa.evidence:read"),
}
RECORD_TYPES = frozenset({*RELEASABLE, "AssistanceRequest", "Release"})
ADMINISTRATIONS = ("US", "UZ")


@dataclass(frozen=True)
class Caller:
    client_id: str
    administration: str
    scopes: frozenset[str]
    designated: bool

    @classmethod
    def of(cls, credentials: dict[str, Any], client_id: str) -> "Caller":
        client = next(c for c in credentials["clients"] if c["client_id"] == client_id)
        return cls(
            client_id,
            client["administration"],
            frozenset(client["scopes"]),
            bool(client["designated"]),
        )

    def narrowed(self, scopes: Iterable[str]) -> "Caller":
        return Caller(self.client_id, self.administration, frozenset(scopes), self.designated)

    @property
    def pii(self) -> bool:
        return PII_READ in self.scopes


def decode_global_id(value: str) -> tuple[str, str, int] | None:
    """(type, owner, local id) of one of our ids; None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        type_name, owner, local_id = raw.split(":")
        return type_name, owner, int(local_id)
    except (ValueError, UnicodeDecodeError):
        return None


def encode_global_id(type_name: str, owner: str, local_id: int) -> str:
    raw = f"{type_name}:{owner}:{local_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


_ACTIVE_RELEASE = (
    "FROM release_items ri JOIN releases r ON r.id = ri.release_id "
    "WHERE ri.record_type = ? AND r.recipient = ? AND r.revoked_at IS NULL AND r.expires_at > ?"
)


class Oracle:
    """Answers from each administration's SQLite file, opened read-only for every question
    (so a record written by the test a moment ago is seen)."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths

    def rows(self, owner: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        uri = f"file:{self.paths[owner]}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=30) as connection:
            return list(connection.execute(sql, params).fetchall())

    def _ids(self, owner: str, sql: str, ids: list[int], *params: Any) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found |= {int(row[0]) for row in self.rows(owner, sql.format(marks), *params, *chunk)}
        return found

    def released(self, owner: str, recipient: str, record_type: str) -> set[int]:
        """Ids of the owner's records of `record_type` an active release hands to recipient."""
        rows = self.rows(
            owner,
            f"SELECT DISTINCT ri.record_id {_ACTIVE_RELEASE}",
            record_type,
            recipient,
            sql_now(),
        )
        return {int(row[0]) for row in rows}

    def visible(self, caller: Caller, type_name: str, owner: str, ids: Iterable[int]) -> set[int]:
        """Those of `ids` (the owner's records of `type_name`) the caller may see."""
        wanted = sorted(set(ids))
        own = owner == caller.administration
        if type_name in RELEASABLE:
            table, record_type, scope = RELEASABLE[type_name]
            if scope not in caller.scopes:
                return set()
            existing = self._ids(owner, f"SELECT id FROM {table} WHERE id IN ({{}})", wanted)
            if own:
                return existing
            if not caller.designated:
                return set()
            return existing & self.released(owner, caller.administration, record_type)
        if REQUESTS_READ not in caller.scopes:
            return set()
        if type_name == "AssistanceRequest":
            if own:
                sql = "SELECT id FROM assistance_requests WHERE id IN ({})"
                return self._ids(owner, sql, wanted)
            if not caller.designated:
                return set()
            sql = (
                "SELECT id FROM assistance_requests "
                "WHERE requested_administration = ? AND id IN ({})"
            )
            return self._ids(owner, sql, wanted, caller.administration)
        if type_name == "Release" and own:
            return self._ids(owner, "SELECT id FROM releases WHERE id IN ({})", wanted)
        return set()

    def personal_data_readable(self, caller: Caller, owner: str, ids: Iterable[int]) -> set[int]:
        """Those of the owner's entities `ids` whose personal data the caller may read (every
        entity that is not a natural person, and persons released with personal data)."""
        wanted = sorted(set(ids))
        not_persons = self._ids(
            owner, "SELECT id FROM entities WHERE kind != 'PERSON' AND id IN ({})", wanted
        )
        if not caller.pii:
            return not_persons
        if owner == caller.administration:
            return set(wanted)
        sql = (
            f"SELECT DISTINCT ri.record_id {_ACTIVE_RELEASE} "
            "AND r.includes_personal_data = 1 AND ri.record_id IN ({})"
        )
        released = self._ids(owner, sql, wanted, "ENTITY", caller.administration, sql_now())
        return not_persons | released
