"""Who is calling, and the agreement they call under."""

import strawberry

from resolvers.vocabulary.enums import Administration


@strawberry.type(description="The caller, as its verified token establishes it.")
class Viewer:
    administration: Administration
    subject: str
    client_id: str
    scopes: list[str]
    designated: bool


@strawberry.type
class PartyToAgreement:
    administration: Administration
    name: str
    agencies: list[str]


@strawberry.type
class AgreementRule:
    id: str
    clause: str
    summary: str


@strawberry.type(description="The Customs Mutual Assistance Agreement the exchange runs under.")
class Agreement:
    title: str
    reference: str
    status: str
    reply_deadline_days: int
    parties: list[PartyToAgreement]
    rules: list[AgreementRule]
