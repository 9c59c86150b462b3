"""The GraphQL operations the remote source sends to an administration's subgraph.

Each asks for every field of its records, so the answer maps back into exactly the records
the in-process source builds. One operation per interface call.
"""

HANDLING = """
fragment HandlingFields on Handling {
  owner marking tlp permittedUses consentRequiredFor conditions expiresAt
  releasedUnder { id basis requestReference purpose includesPersonalData }
  consents { id use recipientAgency recipientCountry decidedAt }
}
"""

CASE = """
fragment CaseFields on Case {
  id owner reference title status offenceTypes openedAt closedAt summary legalProvisions
  handling { ...HandlingFields }
}
"""

ENTITY = """
fragment EntityFields on Entity {
  id owner kind conveyanceType name nameCyrillic nameKey dateOfBirth address country
  description personalDataWithheld createdAt
  identifiers { type value normalised issuingCountry }
  handling { ...HandlingFields }
}
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
