"""The agreement as code: a typed, validated view of `agreement.toml`.

Everything the software enforces that the agreement decides (parties, trusted issuers, the
scope catalogue, deadlines, uses needing consent, grounds, limits) is read from that file. A
malformed file stops start-up with the file, the key and what is wrong.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.models.domain import Administration, Use

BUILTIN_ISSUER = "builtin"
DEFAULT_AGREEMENT_FILE = Path(__file__).resolve().parent.parent / "agreement.toml"


class ConfigurationError(ValueError):
    """A configuration file that cannot be used: names the file, the key and the problem."""

    def __init__(self, file: Path, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file, self.key, self.problem = file, key, problem


class AgreementError(ConfigurationError):
    pass


@dataclass(frozen=True)
class TrustedIssuer:
    """An issuer whose tokens identify one administration's people (`builtin`: the demo's own)."""

    issuer: str
    jwks_uri: str | None

    @property
    def is_builtin(self) -> bool:
        return self.issuer == BUILTIN_ISSUER


@dataclass(frozen=True)
class Party:
    administration: Administration
    name: str
    agencies: tuple[str, ...]
    default_marking: str
    issuers: tuple[TrustedIssuer, ...]


@dataclass(frozen=True)
class Ground:
    id: str
    clause: str
    summary: str


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    summary: str


@dataclass(frozen=True)
class UsePolicy:
    use: Use
    consent_required: bool
    clause: str


@dataclass(frozen=True)
class TokenPolicy:
    access_token_minutes: int
    refresh_token_days: int
    authorization_code_seconds: int
    audience: str
    leeway_seconds: int


@dataclass(frozen=True)
class Limits:
    body_bytes: int
    # The operation text's own size, far below the body's: parsing holds the event loop.
    max_operation_bytes: int
    max_depth: int
    max_aliases: int
    max_fields: int
    max_directives: int
    max_tokens: int
    max_cost: int
    max_page_size: int
    default_page_size: int
    source_timeout_seconds: float
    rate_per_minute: int


@dataclass(frozen=True)
class AuditCheckpoints:
    """How often each administration signs its audit log and has the partner countersign it:
    when `every_entries` entries were appended since the last checkpoint, or `every_seconds`
    passed and at least one was. Up to then, a rewrite of the newest entries is evident from
    the chain only to someone who kept its head."""

    every_entries: int = 1000
    every_seconds: float = 60.0


@dataclass(frozen=True)
class Agreement:
    title: str
    reference: str
    status: str
    reply_deadline_days: int
    oral_request_confirmation_days: int
    parties: dict[Administration, Party]
    scopes: dict[str, str]
    uses: dict[Use, UsePolicy]
    refusal_grounds: tuple[Ground, ...]
    postponement_grounds: tuple[Ground, ...]
    condition_grounds: tuple[Ground, ...]
    rules: tuple[Rule, ...]
    tokens: TokenPolicy
    limits: Limits
    source: Path
    audit_checkpoints: AuditCheckpoints = AuditCheckpoints()

    @property
    def uses_needing_consent(self) -> tuple[Use, ...]:
        return tuple(use for use, policy in self.uses.items() if policy.consent_required)


class KeyedReader:
    """Walks parsed TOML, naming the exact key at fault in every error (also used for the
    gateway's own configuration file)."""

    def __init__(self, file: Path, error: type[ConfigurationError] = AgreementError) -> None:
        self.file = file
        self.error = error

    def fail(self, key: str, problem: str) -> ConfigurationError:
        return self.error(self.file, key, problem)

    def table(self, data: Any, key: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "must be a table")
        return data

    def get(self, data: dict[str, Any], parent: str, name: str) -> Any:
        key = f"{parent}.{name}" if parent else name
        if name not in data:
            raise self.fail(key, "is missing")
        return data[name]

    def text(self, data: dict[str, Any], parent: str, name: str) -> str:
        value = self.get(data, parent, name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{parent}.{name}", "must be a non-empty string")
        return value

    def whole(self, data: dict[str, Any], parent: str, name: str, minimum: int = 1) -> int:
        value = self.get(data, parent, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"{parent}.{name}", f"must be a whole number ≥ {minimum}")
        return value

    def number(self, data: dict[str, Any], parent: str, name: str) -> float:
        value = self.get(data, parent, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(f"{parent}.{name}", "must be a positive number")
        return float(value)

    def texts(self, data: dict[str, Any], parent: str, name: str) -> tuple[str, ...]:
        value = self.get(data, parent, name)
        if not isinstance(value, list) or not value:
            raise self.fail(f"{parent}.{name}", "must be a non-empty list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{parent}.{name}[{index}]", "must be a non-empty string")
        return tuple(value)

    def flag(self, data: dict[str, Any], parent: str, name: str) -> bool:
        value = self.get(data, parent, name)
        if not isinstance(value, bool):
            raise self.fail(f"{parent}.{name}", "must be true or false")
        return value


def _issuers(reader: KeyedReader, party: dict[str, Any], key: str) -> tuple[TrustedIssuer, ...]:
    raw = reader.get(party, key, "issuers")
    if not isinstance(raw, list) or not raw:
        raise reader.fail(f"{key}.issuers", "must list at least one trusted issuer")
    issuers = []
    for index, item in enumerate(raw):
        where = f"{key}.issuers[{index}]"
        item = reader.table(item, where)
        issuer = reader.text(item, where, "issuer")
        jwks_uri = item.get("jwks_uri")
        if issuer != BUILTIN_ISSUER:
            if not issuer.startswith(("https://", "http://")):
                raise reader.fail(f"{where}.issuer", "must be 'builtin' or an http(s) URL")
            jwks_uri = reader.text(item, where, "jwks_uri")
            if not jwks_uri.startswith(("https://", "http://")):
                raise reader.fail(f"{where}.jwks_uri", "must be an http(s) URL")
        issuers.append(TrustedIssuer(issuer=issuer, jwks_uri=jwks_uri))
    return tuple(issuers)


def _parties(reader: KeyedReader, raw: Any) -> dict[Administration, Party]:
    raw = reader.table(raw, "parties")
    unknown = set(raw) - {a.value for a in Administration}
    if unknown:
        raise reader.fail(f"parties.{sorted(unknown)[0]}", "is not a party (US or UZ)")
    parties = {}
    for administration in Administration:
        key = f"parties.{administration.value}"
        party = reader.table(reader.get(raw, "parties", administration.value), key)
        parties[administration] = Party(
            administration=administration,
            name=reader.text(party, key, "name"),
            agencies=reader.texts(party, key, "agencies"),
            default_marking=reader.text(party, key, "default_marking"),
            issuers=_issuers(reader, party, key),
        )
    return parties


def _grounds(reader: KeyedReader, raw: dict[str, Any], name: str) -> tuple[Ground, ...]:
    items = reader.get(raw, "grounds", name)
    if not isinstance(items, list) or not items:
        raise reader.fail(f"grounds.{name}", "must be a non-empty list")
    grounds = []
    for index, item in enumerate(items):
        where = f"grounds.{name}[{index}]"
        item = reader.table(item, where)
        grounds.append(
            Ground(
                id=reader.text(item, where, "id"),
                clause=reader.text(item, where, "clause"),
                summary=reader.text(item, where, "summary"),
            )
        )
    return tuple(grounds)


def _uses(reader: KeyedReader, raw: Any) -> dict[Use, UsePolicy]:
    raw = reader.table(raw, "uses")
    uses = {}
    for name, item in raw.items():
        try:
            use = Use(name)
        except ValueError:
            raise reader.fail(f"uses.{name}", "is not a known use") from None
        where = f"uses.{name}"
        item = reader.table(item, where)
        uses[use] = UsePolicy(
            use=use,
            consent_required=reader.flag(item, where, "consent_required"),
            clause=reader.text(item, where, "clause"),
        )
    missing = [use.value for use in Use if use not in uses]
    if missing:
        raise reader.fail(f"uses.{missing[0]}", "is missing")
    return uses


def _scopes(reader: KeyedReader, raw: Any) -> dict[str, str]:
    raw = reader.table(raw, "scopes")
    for scope, clause in raw.items():
        if not scope.startswith("cmaa.") or ":" not in scope:
            raise reader.fail(f"scopes.{scope}", "must look like cmaa.<resource>:<action>")
        if not isinstance(clause, str) or not clause.strip():
            raise reader.fail(f"scopes.{scope}", "must name the clause it implements")
    if not raw:
        raise reader.fail("scopes", "must list at least one scope")
    return dict(raw)


def _rules(reader: KeyedReader, raw: Any) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail("rules", "must be a non-empty array of tables")
    rules = []
    for index, item in enumerate(raw):
        where = f"rules[{index}]"
        item = reader.table(item, where)
        rules.append(
            Rule(
                id=reader.text(item, where, "id"),
                clause=reader.text(item, where, "clause"),
                summary=reader.text(item, where, "summary"),
            )
        )
    return tuple(rules)


def _tokens(reader: KeyedReader, raw: Any) -> TokenPolicy:
    raw = reader.table(raw, "tokens")
    return TokenPolicy(
        access_token_minutes=reader.whole(raw, "tokens", "access_token_minutes"),
        refresh_token_days=reader.whole(raw, "tokens", "refresh_token_days"),
        authorization_code_seconds=reader.whole(raw, "tokens", "authorization_code_seconds"),
        audience=reader.text(raw, "tokens", "audience"),
        leeway_seconds=reader.whole(raw, "tokens", "leeway_seconds", minimum=0),
    )


def _limits(reader: KeyedReader, raw: Any) -> Limits:
    raw = reader.table(raw, "limits")
    limits = Limits(
        body_bytes=reader.whole(raw, "limits", "body_bytes"),
        max_operation_bytes=reader.whole(raw, "limits", "max_operation_bytes"),
        max_depth=reader.whole(raw, "limits", "max_depth"),
        max_aliases=reader.whole(raw, "limits", "max_aliases"),
        max_fields=reader.whole(raw, "limits", "max_fields"),
        max_directives=reader.whole(raw, "limits", "max_directives"),
        max_tokens=reader.whole(raw, "limits", "max_tokens"),
        max_cost=reader.whole(raw, "limits", "max_cost"),
        max_page_size=reader.whole(raw, "limits", "max_page_size"),
        default_page_size=reader.whole(raw, "limits", "default_page_size"),
        source_timeout_seconds=reader.number(raw, "limits", "source_timeout_seconds"),
        rate_per_minute=reader.whole(raw, "limits", "rate_per_minute"),
    )
    if limits.max_operation_bytes > limits.body_bytes:
        raise reader.fail("limits.max_operation_bytes", "must not exceed limits.body_bytes")
    if limits.default_page_size > limits.max_page_size:
        raise reader.fail("limits.default_page_size", "must not exceed limits.max_page_size")
    return limits


def _audit_checkpoints(reader: KeyedReader, raw: Any) -> AuditCheckpoints:
    raw = reader.table(raw, "audit")
    return AuditCheckpoints(
        every_entries=reader.whole(raw, "audit", "checkpoint_every_entries"),
        every_seconds=reader.number(raw, "audit", "checkpoint_every_seconds"),
    )


def load_agreement(file: Path | str = DEFAULT_AGREEMENT_FILE) -> Agreement:
    file = Path(file)
    reader = KeyedReader(file)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgreementError(file, "(file)", "does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise AgreementError(file, "(syntax)", str(exc)) from None
    head = reader.table(reader.get(data, "", "agreement"), "agreement")
    grounds = reader.table(reader.get(data, "", "grounds"), "grounds")
    return Agreement(
        title=reader.text(head, "agreement", "title"),
        reference=reader.text(head, "agreement", "reference"),
        status=reader.text(head, "agreement", "status"),
        reply_deadline_days=reader.whole(head, "agreement", "reply_deadline_days"),
        oral_request_confirmation_days=reader.whole(
            head, "agreement", "oral_request_confirmation_days"
        ),
        parties=_parties(reader, reader.get(data, "", "parties")),
        scopes=_scopes(reader, reader.get(data, "", "scopes")),
        uses=_uses(reader, reader.get(data, "", "uses")),
        refusal_grounds=_grounds(reader, grounds, "refusal"),
        postponement_grounds=_grounds(reader, grounds, "postponement"),
        condition_grounds=_grounds(reader, grounds, "conditions"),
        rules=_rules(reader, reader.get(data, "", "rules")),
        tokens=_tokens(reader, reader.get(data, "", "tokens")),
        limits=_limits(reader, reader.get(data, "", "limits")),
        source=file,
        audit_checkpoints=(
            _audit_checkpoints(reader, data["audit"]) if "audit" in data else AuditCheckpoints()
        ),
    )
