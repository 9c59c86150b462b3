"""The statements of the hottest reads, built once per shape of grant instead of once per read.

Building a read's statement (the owner's policy, its columns, its joins) as SQLAlchemy
expressions cost more than SQLite spends running it: about 1.4 ms of every dashboard answer
(bench/RESULTS.md, the floor item). What decides a statement's structure is few things: the
owner, and of the caller only its administration (the recipient a release must name), its
scopes, whether it is a designated official, and so whether the read is permitted (ReadShape).

A kept statement is built from a grant made of its shape alone (`grant_of`), never from the
caller's principal: the subject, client and token of whoever first asked cannot be in it. The
values of each read (the time, the ids, the page) are bound parameters without a value:
executing such a statement without them is an error, never a read with someone else's values.
Nothing the policy decides is kept: the time is bound on every read, so a release that expired
or was revoked a moment ago is out of the very next read's rows.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.sql.expression import Select

from auth.policy.release import ReadGrant
from auth.principal import Principal
from resolvers.sources.in_process import query
from resolvers.sources.records import PageRequest
from store.models.domain import Administration

# Distinct shapes kept per kind of statement: two owners, two administrations and the few
# scope sets of the agreement's clients give some dozens.
KEPT_SHAPES = 256

# The bound parameters of kept statements; each read gives their values.
NOW: BindParameter[datetime] = bindparam("read_now")
IDS: BindParameter[Any] = bindparam("read_ids", expanding=True)
LIMIT: BindParameter[int] = bindparam("read_limit")
AFTER_KEY: BindParameter[Any] = bindparam("read_after_key")
AFTER_ID: BindParameter[int] = bindparam("read_after_id")


class ReadShape(NamedTuple):
    """What of a grant decides its statements' structure."""

    owner: Administration
    permitted: bool
    rule: str
    administration: Administration
    scopes: frozenset[str]
    designated: bool


def shape_of(grant: ReadGrant) -> ReadShape:
    principal = grant.principal
    return ReadShape(
        grant.owner,
        grant.permitted,
        grant.rule,
        principal.administration,
        principal.scopes,
        principal.designated,
    )


def grant_of(shape: ReadShape) -> ReadGrant:
    """A grant with the shape's authority and nobody's identity: what kept statements are
    built from."""
    principal = Principal(
        administration=shape.administration,
        subject="",
        client_id="",
        scopes=shape.scopes,
        designated=shape.designated,
        token_id="",
    )
    return ReadGrant(shape.owner, principal, shape.permitted, shape.rule)


def paged(statement: Select[Any], sort_column: Any, id_column: Any, after: bool) -> Any:
    """The page of a kept statement, in (sort key DESC, id DESC) order: LIMIT rows, after the
    position AFTER_KEY, AFTER_ID where `after`."""
    if after:
        statement = statement.where(query.after(sort_column, id_column, AFTER_KEY, AFTER_ID))
    return query.in_page_order(statement, sort_column, id_column, LIMIT)


def page_values(now: datetime, page: PageRequest) -> dict[str, Any]:
    """The values of a kept page's parameters: limit + 1 rows tell whether more follow."""
    values: dict[str, Any] = {NOW.key: now, LIMIT.key: page.limit + 1}
    if page.after is not None:
        values[AFTER_KEY.key] = page.after.sort_key
        values[AFTER_ID.key] = page.after.id
    return values


def ids_values(now: datetime, ids: Sequence[int]) -> dict[str, Any]:
    return {NOW.key: now, IDS.key: list(ids)}
