"""Who may act under the agreement at all: a designated official holding the act's scope.

Reads of partner records need designation too (auth.policy.release.read_grant); a procedure
needs it whoever owns the records it touches.
"""

from auth.policy.procedures import ProcedureViolation
from auth.policy.rules import Rule
from auth.principal import Principal


def check_actor(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes:
        raise ProcedureViolation(f"This needs the scope {scope}.", rule=Rule.SCOPE)
    if not principal.designated:
        raise ProcedureViolation(
            "Only designated officials act under the agreement.", rule=Rule.DESIGNATED
        )
