"""Relay connections of the exchange schema (the values are resolvers.exchange.union's)."""

import strawberry

from resolvers.exchange.types import AssistanceRequest, Case, Entity, Release


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class CaseEdge:
    cursor: str
    node: Case


@strawberry.type
class CaseConnection:
    edges: list[CaseEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class EntityEdge:
    cursor: str
    node: Entity


@strawberry.type
class EntityConnection:
    edges: list[EntityEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class AssistanceRequestEdge:
    cursor: str
    node: AssistanceRequest


@strawberry.type
class AssistanceRequestConnection:
    edges: list[AssistanceRequestEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class ReleaseEdge:
    cursor: str
    node: Release


@strawberry.type
class ReleaseConnection:
    edges: list[ReleaseEdge]
    page_info: PageInfo
    total_count: int
