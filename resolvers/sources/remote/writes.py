"""The remote transport's writes: the agreement's procedures as mutations of the owner's
subgraph (resolvers.subgraph.mutations), one call each, with the caller's own token.

The owner's subgraph runs the very procedure the in-process transport runs, so what comes back
decodes into equal records. A refusal comes back as one GraphQL error carrying the
exchange's code for it, the agreement's rule and the field at fault, and is raised here again
as that ProcedureViolation. Its message is passed on only in that form: a refusal code of our
own, a rule and a field in the shapes our procedures give them, and the code the rule maps to.
Anything else (no answer in time, an HTTP error, an answer that is not JSON, an error of any
other kind or shape, a record that does not fit) is SourceDown, as for a read.
"""

import re
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from auth.forwarding import token_for
from auth.policy.procedures import Action, ProcedureViolation
from auth.policy.rules import Refusal
from auth.principal import Principal
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.ids import global_id
from resolvers.sources.records import (
    ConsentRecord,
    DecisionRecord,
    EntityLinkRecord,
    EvidenceRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.remote import decoding, encoding, operations
from resolvers.sources.remote.channel import NOTHING_VISIBLE, SubgraphChannel
from resolvers.sources.remote.decoding import Malformed
from resolvers.sources.remote.wire import Answer
from store.models.domain import Administration

T = TypeVar("T")

# Where each procedure's operation puts its answer.
ANSWER = "done"
# The codes a refusal of a procedure has (auth.policy.rules.Refusal).
REFUSAL_CODES = frozenset(Refusal)
RULE = re.compile(r"^[A-Z][A-Z_]{0,39}$")
FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_.\[\]]{0,99}$")
MAX_MESSAGE_LENGTH = 500


def _errors(response: Answer) -> list[Any] | None:
    """The errors of an answer that is JSON at all; None where there are none (or no JSON:
    RemoteSource._data says what is wrong with it)."""
    if response.status != 200:
        return None
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, list) and errors else None


def _code(error: Any) -> Any:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return extensions.get("code") if isinstance(extensions, dict) else None


def refusal(errors: list[Any]) -> ProcedureViolation | None:
    """The ProcedureViolation the owner's subgraph answered with, if that is what it is."""
    if len(errors) != 1 or not isinstance(errors[0], dict):
        return None
    error = errors[0]
    message, extensions = error.get("message"), error.get("extensions")
    if not isinstance(message, str) or not 0 < len(message) <= MAX_MESSAGE_LENGTH:
        return None
    if not isinstance(extensions, dict) or extensions.get("code") not in REFUSAL_CODES:
        return None
    rule, field = extensions.get("rule"), extensions.get("field")
    if not isinstance(rule, str) or not RULE.match(rule):
        return None
    if field is not None and (not isinstance(field, str) or not FIELD.match(field)):
        return None
    reused = extensions["code"] == Refusal.KEY_REUSED
    violation = ProcedureViolation(message, rule=rule, field=field, key_reused=reused)
    if violation.refusal != extensions["code"]:
        return None
    return violation


class RemoteWrites:
    """The agreement's procedures as mutations of the owner's subgraph."""

    def __init__(self, channel: SubgraphChannel) -> None:
        self.administration = channel.administration
        self._channel = channel

    async def _procedure(
        self,
        principal: Principal,
        query: str,
        variables: dict[str, Any],
        decode: Callable[[Any], T],
        field: str = ANSWER,
    ) -> T:
        payload = orjson.dumps({"query": query, "variables": variables})
        response = await self._channel.post(token_for(principal), payload)
        errors = _errors(response)
        if errors is not None:
            violation = refusal(errors)
            if violation is not None:
                raise violation
            if all(_code(error) == NOTHING_VISIBLE for error in errors):
                raise self._channel.unavailable(f"it answered with errors ({NOTHING_VISIBLE})")
        answer = self._channel.data(response, field)
        try:
            return decode(answer)
        except (Malformed, KeyError, TypeError, ValueError):
            raise self._channel.unavailable("its answer is malformed") from None

    def _request_id(self, request_id: int) -> str:
        return global_id("AssistanceRequest", self.administration, request_id)

    def _decode_request(self, answer: Any) -> RequestRecord:
        return decoding.request(answer, self.administration)

    def _decode_release(self, answer: Any) -> ReleaseRecord:
        return decoding.release(answer, self.administration)

    def _decode_consent(self, answer: Any) -> ConsentRecord:
        return decoding.consent_request(answer, self.administration)

    # -- requests ----------------------------------------------------------------------------

    async def submit_request(
        self, principal: Principal, draft: RequestDraft, key: str
    ) -> RequestRecord:
        return await self._procedure(
            principal,
            operations.SUBMIT_REQUEST,
            {"input": encoding.request_draft(draft, self.administration), "key": key},
            self._decode_request,
        )

    async def requester_action(
        self, principal: Principal, request_id: int, action: Action, key: str
    ) -> RequestRecord:
        return await self._procedure(
            principal,
            operations.REQUESTER_ACTION,
            {"id": self._request_id(request_id), "action": action.value, "key": key},
            self._decode_request,
        )

    async def receive_partner_action(
        self, principal: Principal, request_id: int, action: PartnerAction
    ) -> RequestRecord:
        return await self._procedure(
            principal,
            operations.RECEIVE_PARTNER_ACTION,
            {"requestId": self._request_id(request_id), "action": encoding.partner_action(action)},
            self._decode_request,
        )

    async def decide_request(
        self,
        principal: Principal,
        request: RequestRecord,
        draft: DecisionDraft,
        key: str,
    ) -> tuple[DecisionRecord, PartnerAction]:
        def decode(answer: Any) -> tuple[DecisionRecord, PartnerAction]:
            answer = decoding.obj(answer)
            return (
                decoding.decision(answer["decision"], self.administration),
                decoding.partner_action(answer["partnerAction"]),
            )

        return await self._procedure(
            principal,
            operations.DECIDE_REQUEST,
            {
                "request": encoding.request_snapshot(request),
                "input": encoding.draft_input(draft),
                "key": key,
            },
            decode,
        )

    async def respond_to_request(
        self,
        principal: Principal,
        request: RequestRecord,
        draft: ReleaseDraft,
        key: str,
    ) -> tuple[ReleaseRecord, PartnerAction]:
        def decode(answer: Any) -> tuple[ReleaseRecord, PartnerAction]:
            answer = decoding.obj(answer)
            return (
                decoding.release(answer["release"], self.administration),
                decoding.partner_action(answer["partnerAction"]),
            )

        return await self._procedure(
            principal,
            operations.RESPOND_TO_REQUEST,
            {
                "request": encoding.request_snapshot(request),
                "release": encoding.records_input(draft, self.administration),
                "key": key,
            },
            decode,
        )

    # -- releases ----------------------------------------------------------------------------

    async def disclose(self, principal: Principal, draft: ReleaseDraft, key: str) -> ReleaseRecord:
        return await self._procedure(
            principal,
            operations.DISCLOSE,
            {"input": encoding.records_input(draft, self.administration), "key": key},
            self._decode_release,
        )

    async def revoke_release(
        self, principal: Principal, release_id: int, reason: str, key: str
    ) -> ReleaseRecord:
        return await self._procedure(
            principal,
            operations.REVOKE_RELEASE,
            {
                "id": global_id("Release", self.administration, release_id),
                "reason": reason,
                "key": key,
            },
            self._decode_release,
        )

    # -- consents ----------------------------------------------------------------------------

    async def request_consent(
        self, principal: Principal, draft: ConsentDraft, key: str
    ) -> ConsentRecord:
        return await self._procedure(
            principal,
            operations.REQUEST_CONSENT,
            {"input": encoding.records_input(draft, self.administration), "key": key},
            self._decode_consent,
        )

    async def decide_consent(
        self,
        principal: Principal,
        consent_id: int,
        grant: bool,
        reason: str | None,
        key: str,
    ) -> ConsentRecord:
        return await self._procedure(
            principal,
            operations.DECIDE_CONSENT,
            {
                "id": global_id("Consent", self.administration, consent_id),
                "grant": grant,
                "reason": reason,
                "key": key,
            },
            self._decode_consent,
        )

    # -- custody and links -------------------------------------------------------------------

    async def record_custody(
        self,
        principal: Principal,
        evidence_id: int,
        draft: CustodyDraft,
        key: str,
    ) -> EvidenceRecord:
        return await self._procedure(
            principal,
            operations.RECORD_CUSTODY,
            {
                "evidenceId": global_id("Evidence", self.administration, evidence_id),
                "input": encoding.draft_input(draft),
                "key": key,
            },
            lambda answer: decoding.evidence(answer, self.administration),
        )

    async def confirm_entity_match(
        self,
        principal: Principal,
        entity_id: int,
        partner: Administration,
        partner_entity_id: int,
        reason: str,
        key: str,
    ) -> EntityLinkRecord:
        return await self._procedure(
            principal,
            operations.CONFIRM_ENTITY_MATCH,
            {
                "entityId": global_id("Entity", self.administration, entity_id),
                "partnerEntityId": global_id("Entity", partner, partner_entity_id),
                "reason": reason,
                "key": key,
            },
            lambda answer: decoding.entity_link(answer, self.administration),
        )
