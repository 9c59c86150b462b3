"""The agreement's vocabulary: every enumerated value a store column may hold."""

from enum import StrEnum


class Administration(StrEnum):
    US = "US"
    UZ = "UZ"

    @property
    def partner(self) -> "Administration":
        return Administration.UZ if self is Administration.US else Administration.US


class TLP(StrEnum):
    RED = "RED"
    AMBER = "AMBER"
    GREEN = "GREEN"
    CLEAR = "CLEAR"


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    UNDER_INVESTIGATION = "UNDER_INVESTIGATION"
    REFERRED_FOR_PROSECUTION = "REFERRED_FOR_PROSECUTION"
    CLOSED = "CLOSED"


class OffenceType(StrEnum):
    DUTY_EVASION = "DUTY_EVASION"
    VALUATION_FRAUD = "VALUATION_FRAUD"
    ORIGIN_FRAUD = "ORIGIN_FRAUD"
    CLASSIFICATION_FRAUD = "CLASSIFICATION_FRAUD"
    NARCOTICS = "NARCOTICS"
    WEAPONS = "WEAPONS"
    CULTURAL_PROPERTY = "CULTURAL_PROPERTY"
    WILDLIFE = "WILDLIFE"
    STRATEGIC_GOODS = "STRATEGIC_GOODS"
    MONEY_LAUNDERING = "MONEY_LAUNDERING"
    TERRORISM_FINANCING = "TERRORISM_FINANCING"
    IPR = "IPR"


class EntityKind(StrEnum):
    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"
    CONVEYANCE = "CONVEYANCE"
    TRANSPORT_EQUIPMENT = "TRANSPORT_EQUIPMENT"
    SHIPMENT = "SHIPMENT"


class ConveyanceType(StrEnum):
    VESSEL = "VESSEL"
    AIRCRAFT = "AIRCRAFT"
    TRUCK = "TRUCK"
    RAIL = "RAIL"


class PartyRole(StrEnum):
    IMPORTER = "IMPORTER"
    EXPORTER = "EXPORTER"
    CONSIGNOR = "CONSIGNOR"
    CONSIGNEE = "CONSIGNEE"
    CARRIER = "CARRIER"
    BROKER = "BROKER"
    SUSPECT = "SUSPECT"
    WITNESS = "WITNESS"
    BENEFICIAL_OWNER = "BENEFICIAL_OWNER"


class EvidenceKind(StrEnum):
    DOCUMENT = "DOCUMENT"
    CERTIFIED_COPY = "CERTIFIED_COPY"
    ORIGINAL = "ORIGINAL"
    IMAGE = "IMAGE"
    PHYSICAL_ITEM = "PHYSICAL_ITEM"
    DIGITAL_FILE = "DIGITAL_FILE"


class AssistanceType(StrEnum):
    INFORMATION = "INFORMATION"
    DOCUMENTS = "DOCUMENTS"
    VERIFICATION = "VERIFICATION"
    SURVEILLANCE = "SURVEILLANCE"
    INQUIRY = "INQUIRY"
    EXPERT_TESTIMONY = "EXPERT_TESTIMONY"


class Urgency(StrEnum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
    IMMEDIATE = "IMMEDIATE"


class RequestStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"
    POSTPONED = "POSTPONED"
    CONDITIONAL = "CONDITIONAL"
    ANSWERED = "ANSWERED"
    CLOSED = "CLOSED"
    LAPSED = "LAPSED"


class DecisionKind(StrEnum):
    ACCEPT = "ACCEPT"
    REFUSE = "REFUSE"
    POSTPONE = "POSTPONE"
    ACCEPT_WITH_CONDITIONS = "ACCEPT_WITH_CONDITIONS"


class ReleaseBasis(StrEnum):
    REQUEST = "REQUEST"
    SPONTANEOUS = "SPONTANEOUS"


class RecordType(StrEnum):
    CASE = "CASE"
    ENTITY = "ENTITY"
    EVIDENCE = "EVIDENCE"


class Use(StrEnum):
    """Uses of released information; the agreement says which need the owner's consent."""

    INTELLIGENCE = "INTELLIGENCE"
    INVESTIGATION = "INVESTIGATION"
    RISK_ASSESSMENT = "RISK_ASSESSMENT"
    JUDICIAL_CIVIL = "JUDICIAL_CIVIL"
    JUDICIAL_CRIMINAL = "JUDICIAL_CRIMINAL"
    ONWARD_TRANSFER = "ONWARD_TRANSFER"


class ConsentStatus(StrEnum):
    PENDING = "PENDING"
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


class AuditDecision(StrEnum):
    PERMIT = "PERMIT"
    DENY = "DENY"
