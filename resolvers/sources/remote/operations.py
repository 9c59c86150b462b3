"""The GraphQL operations the remote source sends to an administration's subgraph.

Each asks for every field of its records, so the answer maps back into exactly the records
the in-process source builds; entities read by id, only for the parts the gateway's operation
uses (resolvers.sources.parts). One operation per interface call.
"""

from functools import lru_cache

from resolvers.sources.parts import ENTITY_PARTS, EVERY_PART, HANDLING_PARTS, EntityParts
from resolvers.sources.remote.decoding import ENTITY_FIELDS, HANDLING_FIELDS


def _handling_selection(parts: frozenset[str]) -> str:
    return " ".join(["owner", *(HANDLING_FIELDS[p].asked for p in HANDLING_PARTS if p in parts)])


def _entity_selection(parts: EntityParts, handling: str) -> str:
    """The selection of an entity's `parts`, its handling's being `handling`."""
    asked = [ENTITY_FIELDS[p].asked for p in ENTITY_PARTS if p in parts.entity and p != "handling"]
    if "handling" in parts.entity:
        asked.append(f"handling {{ {handling} }}")
    return " ".join(["id", "owner", *asked])


HANDLING = f"""
fragment HandlingFields on Handling {{ {_handling_selection(EVERY_PART.handling)} }}
"""

CASE = """
fragment CaseFields on Case {
  id owner reference title status offenceTypes openedAt closedAt summary legalProvisions
  handling { ...HandlingFields }
}
"""

ENTITY = f"""
fragment EntityFields on Entity {{ {_entity_selection(EVERY_PART, "...HandlingFields")} }}
"""

EVIDENCE = """
fragment EvidenceFields on Evidence {
  id owner caseOwner caseId kind title description mediaType sha256 sizeBytes collectedAt
  collectedBy collectedPlace returnDue returnedAt
  custody { sequence fromHolder toHolder at purpose seal condition }
  handling { ...HandlingFields }
}
"""

REQUEST = """
fragment RequestFields on AssistanceRequest {
  id owner reference requestingAdministration requestedAdministration agreementReference
  matter assistanceType reasons caseDescription legalProvisions
  personsConcerned { name address }
  caseId urgency oral confirmedInWritingAt submittedAt dueAt status closedAt
}
"""

RELEASE = """
fragment ReleaseFields on Release {
  id owner recipient basis requestReference purpose permittedUses consentRequiredFor
  conditions includesPersonalData createdAt expiresAt revokedAt
  items { recordType recordId }
}
"""

LIST_CASES = (
    """
query Cases($first: Int!, $after: String, $filter: CaseFilter) {
  page: cases(first: $first, after: $after, filter: $filter) {
    nodes { ...CaseFields } pageInfo { hasNextPage } totalCount
  }
}
"""
    + CASE
    + HANDLING
)

LIST_ENTITIES = (
    """
query Entities($first: Int!, $after: String, $filter: EntityFilter) {
  page: entities(first: $first, after: $after, filter: $filter) {
    nodes { ...EntityFields } pageInfo { hasNextPage } totalCount
  }
}
"""
    + ENTITY
    + HANDLING
)

LIST_REQUESTS = (
    """
query AssistanceRequests($first: Int!, $after: String, $filter: AssistanceRequestFilter) {
  page: assistanceRequests(first: $first, after: $after, filter: $filter) {
    nodes { ...RequestFields } pageInfo { hasNextPage } totalCount
  }
}
"""
    + REQUEST
)

LIST_RELEASES = (
    """
query Releases($first: Int!, $after: String) {
  page: releases(first: $first, after: $after) {
    nodes { ...ReleaseFields } pageInfo { hasNextPage } totalCount
  }
}
"""
    + RELEASE
)

MATCH_CANDIDATES = (
    """
query MatchCandidates($probe: MatchProbe!) {
  found: matchCandidates(probe: $probe) { ...EntityFields }
}
"""
    + ENTITY
    + HANDLING
)

CASES_BY_ID = (
    """
query CasesById($representations: [_Any!]!) {
  found: _entities(representations: $representations) { ... on Case { ...CaseFields } }
}
"""
    + CASE
    + HANDLING
)

ENTITIES_BY_ID = (
    """
query EntitiesById($representations: [_Any!]!) {
  found: _entities(representations: $representations) { ... on Entity { ...EntityFields } }
}
"""
    + ENTITY
    + HANDLING
)


@lru_cache(maxsize=64)
def entities_by_id(parts: EntityParts) -> str:
    """ENTITIES_BY_ID asking only for `parts` (an operation's few combinations, each built
    once)."""
    if parts == EVERY_PART:
        return ENTITIES_BY_ID
    selection = _entity_selection(parts, _handling_selection(parts.handling))
    return (
        "query EntitiesById($representations: [_Any!]!) {\n"
        "  found: _entities(representations: $representations) { ... on Entity { "
        f"{selection} }} }}\n}}\n"
    )


EVIDENCE_BY_ID = (
    """
query EvidenceById($representations: [_Any!]!) {
  found: _entities(representations: $representations) { ... on Evidence { ...EvidenceFields } }
}
"""
    + EVIDENCE
    + HANDLING
)

REQUESTS_BY_ID = (
    """
query AssistanceRequestsById($representations: [_Any!]!) {
  found: _entities(representations: $representations) {
    ... on AssistanceRequest { ...RequestFields }
  }
}
"""
    + REQUEST
)

CASE_PARTIES = """
query CaseParties($caseIds: [ID!]!) {
  found: caseParties(caseIds: $caseIds) { caseId caseOwner entityId entityOwner role }
}
"""

CASE_EVIDENCE = (
    """
query CaseEvidence($caseIds: [ID!]!) {
  found: caseEvidence(caseIds: $caseIds) { ...EvidenceFields }
}
"""
    + EVIDENCE
    + HANDLING
)

AUDIT_TRAIL = """
query AuditTrail($first: Int!, $after: String, $filter: AuditTrailFilter) {
  page: auditTrail(first: $first, after: $after, filter: $filter) {
    nodes {
      owner seq at actorAdministration subject clientId scopes operation recordIds releaseIds
      decision rule detail prevHash entryHash
    }
    pageInfo { hasNextPage } totalCount
  }
}
"""

# -- the agreement's procedures (resolvers.sources.remote.writes) -----------------------
# Each answers under the alias `done`, and asks for every field of the record it returns.

DECISION = """
fragment DecisionFields on Decision {
  localId owner decision ground reason conditions decidedAt
}
"""

PARTNER_ACTION = """
fragment PartnerActionFields on PartnerAction { kind localId newStatus }
"""

CONSENT_REQUEST = """
fragment ConsentRequestFields on ConsentRequest {
  id owner requestingAdministration use recipientAgency recipientCountry purpose status
  requestedAt decidedAt reason
  items { recordType recordId }
}
"""

ENTITY_LINK = """
fragment EntityLinkFields on EntityLink {
  localId owner entityId partnerAdministration partnerEntityId reason confirmedBy confirmedAt
}
"""

SUBMIT_REQUEST = (
    """
mutation SubmitAssistanceRequest($input: AssistanceRequestInput!, $key: String!) {
  done: submitAssistanceRequest(input: $input, idempotencyKey: $key) { ...RequestFields }
}
"""
    + REQUEST
)

REQUESTER_ACTION = (
    """
mutation RequesterAction($id: ID!, $action: RequestAction!, $key: String!) {
  done: requesterAction(id: $id, action: $action, idempotencyKey: $key) { ...RequestFields }
}
"""
    + REQUEST
)

RECEIVE_PARTNER_ACTION = (
    """
mutation ReceivePartnerAction($requestId: ID!, $action: PartnerActionInput!) {
  done: receivePartnerAction(requestId: $requestId, action: $action) { ...RequestFields }
}
"""
    + REQUEST
)

DECIDE_REQUEST = (
    """
mutation DecideAssistanceRequest(
  $request: RequestSnapshotInput!, $input: DecisionInput!, $key: String!
) {
  done: decideAssistanceRequest(request: $request, input: $input, idempotencyKey: $key) {
    decision { ...DecisionFields }
    partnerAction { ...PartnerActionFields }
  }
}
"""
    + DECISION
    + PARTNER_ACTION
)

RESPOND_TO_REQUEST = (
    """
mutation RespondToAssistanceRequest(
  $request: RequestSnapshotInput!, $release: ReleaseInput!, $key: String!
) {
  done: respondToAssistanceRequest(request: $request, release: $release, idempotencyKey: $key) {
    release { ...ReleaseFields }
    partnerAction { ...PartnerActionFields }
  }
}
"""
    + RELEASE
    + PARTNER_ACTION
)

DISCLOSE = (
    """
mutation DiscloseSpontaneously($input: ReleaseInput!, $key: String!) {
  done: discloseSpontaneously(input: $input, idempotencyKey: $key) { ...ReleaseFields }
}
"""
    + RELEASE
)

REVOKE_RELEASE = (
    """
mutation RevokeRelease($id: ID!, $reason: String!, $key: String!) {
  done: revokeRelease(id: $id, reason: $reason, idempotencyKey: $key) { ...ReleaseFields }
}
"""
    + RELEASE
)

REQUEST_CONSENT = (
    """
mutation RequestConsent($input: ConsentInput!, $key: String!) {
  done: requestConsent(input: $input, idempotencyKey: $key) { ...ConsentRequestFields }
}
"""
    + CONSENT_REQUEST
)

DECIDE_CONSENT = (
    """
mutation DecideConsent($id: ID!, $grant: Boolean!, $reason: String, $key: String!) {
  done: decideConsent(id: $id, grant: $grant, reason: $reason, idempotencyKey: $key) {
    ...ConsentRequestFields
  }
}
"""
    + CONSENT_REQUEST
)

RECORD_CUSTODY = (
    """
mutation RecordCustodyEvent($evidenceId: ID!, $input: CustodyEventInput!, $key: String!) {
  done: recordCustodyEvent(evidenceId: $evidenceId, input: $input, idempotencyKey: $key) {
    ...EvidenceFields
  }
}
"""
    + EVIDENCE
    + HANDLING
)

CONFIRM_ENTITY_MATCH = (
    """
mutation ConfirmEntityMatch(
  $entityId: ID!, $partnerEntityId: ID!, $reason: String!, $key: String!
) {
  done: confirmEntityMatch(
    entityId: $entityId, partnerEntityId: $partnerEntityId, reason: $reason, idempotencyKey: $key
  ) { ...EntityLinkFields }
}
"""
    + ENTITY_LINK
)

OVERDUE_ORIGINALS = (
    """
query OverdueOriginals {
  found: overdueOriginals { ...EvidenceFields }
}
"""
    + EVIDENCE
    + HANDLING
)
