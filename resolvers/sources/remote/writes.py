"""The remote transport's writes: the agreement's procedures as mutations of the owner's
subgraph (resolvers.vocabulary.procedures), one call each, with the caller's own token. Any
procedure is carried the same way: its mutation, variables and decoding are derived from its
declaration (resolvers.sources.base; remote/operations.py, encoding.py, decoding.py).

The owner's subgraph runs the very procedure the in-process transport runs, so what comes back
decodes into equal records. A refusal comes back as one GraphQL error carrying the
exchange's code for it, the agreement's rule and the field at fault, and is raised here again
as that ProcedureViolation. Its message is passed on only in that form: a refusal code of our
own, a rule and a field in the shapes our procedures give them, and the code the rule maps to.
Anything else (no answer in time, an HTTP error, an answer that is not JSON, an error of any
other kind or shape, a record that does not fit) is SourceDown, as for a read.
"""

import re
from typing import Any, TypeVar

import orjson

from auth.forwarding import token_for
from auth.policy.procedures import ProcedureViolation
from auth.policy.rules import Refusal
from auth.principal import Principal
from resolvers.sources.base import Procedure
from resolvers.sources.remote import decoding, encoding, operations
from resolvers.sources.remote.channel import NOTHING_VISIBLE, SubgraphChannel
from resolvers.sources.remote.decoding import Malformed
from resolvers.sources.remote.operations import ANSWER
from resolvers.sources.remote.wire import Answer

A = TypeVar("A")
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

    async def perform(self, principal: Principal, procedure: Procedure[A]) -> A:
        kind = type(procedure)
        payload = orjson.dumps(
            {
                "query": operations.procedure(kind),
                "variables": encoding.procedure_variables(procedure, self.administration),
            }
        )
        response = await self._channel.post(token_for(principal), payload)
        errors = _errors(response)
        if errors is not None:
            violation = refusal(errors)
            if violation is not None:
                raise violation
            if all(_code(error) == NOTHING_VISIBLE for error in errors):
                raise self._channel.unavailable(f"it answered with errors ({NOTHING_VISIBLE})")
        answer = self._channel.data(response, ANSWER)
        try:
            decoded: A = decoding.answer(kind.answer(), answer, self.administration)
        except (Malformed, KeyError, TypeError, ValueError):
            raise self._channel.unavailable("its answer is malformed") from None
        return decoded
