// Cases: the list with its filters, and one case with its parties, evidence and handling.
import { refusal, run } from "./api.js";
import { field, h, input, replace, select, table } from "./dom.js";
import { count, date, expiry, flag, handlingWords, list, marking, releasedUnder, tlp, when, words } from "./format.js";

const STATUSES = ["OPEN", "UNDER_INVESTIGATION", "REFERRED_FOR_PROSECUTION", "CLOSED"];
const OFFENCES = [
  "DUTY_EVASION", "VALUATION_FRAUD", "ORIGIN_FRAUD", "CLASSIFICATION_FRAUD", "NARCOTICS",
  "WEAPONS", "CULTURAL_PROPERTY", "WILDLIFE", "STRATEGIC_GOODS", "MONEY_LAUNDERING",
  "TERRORISM_FINANCING", "IPR",
];
const PAGE_SIZE = 20;
// The filters last used, kept while the page lives so that "back to cases" finds them again.
let lastFilter = {};

function any(values) {
  return [["", "Any"], ...values.map((value) => [value, words(value)])];
}

function filterForm(context, onSearch) {
  const f = lastFilter;
  const form = h(
    "form",
    { class: "filters", "aria-label": "Case filters" },
    field("Status", select("status", any(STATUSES), f.status || "")),
    field("Offence type", select("offence", any(OFFENCES), f.offence || "")),
    field("Opened from", input("openedFrom", { type: "date", value: f.openedFrom || "" })),
    field("Opened to", input("openedTo", { type: "date", value: f.openedTo || "" })),
    field("Text", input("text", { type: "search", value: f.text || "" }), "reference, title or summary"),
    field("Identifier type", input("identifierType", { value: f.identifierType || "", placeholder: "e.g. IMO" })),
    field("Identifier value", input("identifierValue", { value: f.identifierValue || "" })),
    field("Owner", select("owner", [["", "Both"], [context.viewer.administration, "Own"], [context.partner, "Partner's (released)"]], f.owner || "")),
    h("button", { type: "submit" }, "Search")
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    lastFilter = Object.fromEntries(data.entries());
    onSearch();
  });
  return form;
}

function caseFilter() {
  const f = lastFilter;
  const filter = {};
  if (f.status) { filter.status = [f.status]; }
  if (f.offence) { filter.offenceTypes = [f.offence]; }
  if (f.openedFrom) { filter.openedFrom = f.openedFrom + "T00:00:00Z"; }
  if (f.openedTo) { filter.openedTo = f.openedTo + "T23:59:59Z"; }
  if (f.text) { filter.text = f.text; }
  if (f.identifierType && f.identifierValue) {
    filter.identifier = { type: f.identifierType, value: f.identifierValue };
  }
  if (f.owner) { filter.owners = [f.owner]; }
  return filter;
}

function caseRow(node) {
  return h(
    "tr",
    null,
    h("td", null, flag(node.owner)),
    h("td", { class: "nowrap" }, h("a", { href: "#case/" + encodeURIComponent(node.id) }, node.reference)),
    h("td", null, node.title),
    h("td", null, words(node.status)),
    h("td", null, list(node.offenceTypes.map(words))),
    h("td", null, date(node.openedAt)),
    h("td", null, marking(node.handling.marking), " ", tlp(node.handling.tlp)),
    h("td", null, releasedUnder(node.handling.releasedUnder)),
    h("td", null, node.handling.releasedUnder ? expiry(node.handling.expiresAt) : "—")
  );
}

export async function renderList(main, context) {
  const results = h("div", { id: "case-results", "aria-live": "polite" });
  let latest = 0;
  async function search(after) {
    // Only the answer to the newest search is shown, whatever order the answers come in.
    const mine = ++latest;
    replace(results, h("p", { class: "loading" }, "Searching…"));
    const answer = await run("CaseList", { first: PAGE_SIZE, after: after || null, filter: caseFilter() });
    if (mine !== latest) { return; }
    const found = answer.data && answer.data.cases;
    const parts = [refusal(answer.errors)];
    if (found) {
      parts.push(h("p", null, count(found.totalCount, "case", "cases")));
      parts.push(table(
        "Cases: your own and those the partner released to you",
        ["Owner", "Reference", "Title", "Status", "Offences", "Opened", "Marking", "Released under", "Expires"],
        found.edges.map((edge) => caseRow(edge.node))
      ));
      if (found.pageInfo.hasNextPage) {
        parts.push(h("button", { type: "button", on: { click: () => search(found.pageInfo.endCursor) } }, "Next page"));
      }
    }
    replace(results, parts);
  }
  replace(main, h("h2", null, "Cases"), filterForm(context, () => search()), results);
  await search();
}

function identifiers(entity) {
  return list(entity.identifiers.map((i) => `${i.type} ${i.value}${i.issuingCountry ? " (" + i.issuingCountry + ")" : ""}`), "—");
}

function entityName(entity) {
  if (entity.personalDataWithheld && !entity.name) { return h("em", null, "personal data withheld"); }
  return [entity.name || "—", entity.nameCyrillic ? h("span", { lang: "uz-Cyrl" }, " · " + entity.nameCyrillic) : null];
}

function matches(entity) {
  if (!entity.matches || !entity.matches.length) { return "—"; }
  return h("ul", { class: "plain" }, entity.matches.map((match) => h(
    "li",
    null,
    flag(match.entity.owner), " ", match.entity.name || h("em", null, "withheld"),
    match.entity.nameCyrillic ? h("span", { lang: "uz-Cyrl" }, " · " + match.entity.nameCyrillic) : null,
    ` — ${words(match.strength)} (${match.score.toFixed(2)}): ${match.reason}`
  )));
}

function parties(found) {
  return table(
    "Parties and their entities",
    ["Role", "Kind", "Name (Latin · Cyrillic)", "Identifiers", "Country", "Held by", "Matches across administrations"],
    found.parties.map((party) => h(
      "tr",
      null,
      h("td", null, words(party.role)),
      h("td", null, words(party.entity.conveyanceType || party.entity.kind)),
      h("td", null, entityName(party.entity)),
      h("td", null, identifiers(party.entity)),
      h("td", null, party.entity.country || "—"),
      h("td", null, flag(party.entity.owner)),
      h("td", null, matches(party.entity))
    ))
  );
}

function custody(item) {
  if (!item.custody.length) { return h("p", null, "No custody events recorded."); }
  return h("ol", { class: "custody", "aria-label": "Chain of custody of " + item.title }, item.custody.map((event) => h(
    "li",
    null,
    `${when(event.at)}: ${event.fromHolder} → ${event.toHolder}, for ${event.purpose}`,
    event.seal ? `, seal ${event.seal}` : "",
    event.condition ? `, ${event.condition}` : ""
  )));
}

function evidence(found) {
  if (!found.evidence.length) { return h("p", null, "No evidence released with this case."); }
  return found.evidence.map((item) => h(
    "article",
    { class: "evidence" },
    h("h4", null, `${item.title} (${words(item.kind)})`),
    h("p", null, item.description),
    h("dl", null,
      h("dt", null, "SHA-256"), h("dd", null, h("code", null, item.sha256)),
      h("dt", null, "Size"), h("dd", null, `${item.sizeBytes} bytes, ${item.mediaType}`),
      h("dt", null, "Collected"), h("dd", null, `${when(item.collectedAt)} by ${item.collectedBy} at ${item.collectedPlace}`),
      item.returnDue ? [h("dt", null, "Original due back"), h("dd", null, date(item.returnDue) + (item.returnedAt ? ", returned " + date(item.returnedAt) : ""))] : null),
    h("h5", null, "Chain of custody"),
    custody(item)
  ));
}

// The case's records its owner holds: consent is asked of one owner for its own records.
function records(found) {
  const owned = (record) => record.owner === found.owner;
  return [found.id, ...found.parties.map((p) => p.entity).filter(owned).map((e) => e.id), ...found.evidence.filter(owned).map((e) => e.id)];
}

export async function renderDetail(main, context, id) {
  const answer = await run("CaseDetail", { id });
  const found = answer.data && answer.data.case;
  const back = h("p", null, h("a", { href: "#cases" }, "← Cases"));
  if (!found) {
    replace(main, back, h("h2", null, "Case"), refusal(answer.errors) || h("p", { class: "refusal", role: "alert" }, "No case with this id is visible to you."));
    return;
  }
  const own = found.owner === context.viewer.administration;
  const actions = own
    ? h("p", null, h("a", { href: "#audit?record=" + encodeURIComponent(found.id) }, "Who of the partner read this case"))
    : context.has("cmaa.consents:write")
      ? h("p", null, h("a", { href: "#consents?records=" + encodeURIComponent(records(found).join(",")) }, "Ask the owner's consent for a use of this case"))
      : null;
  replace(
    main,
    back,
    h("h2", null, flag(found.owner), ` ${found.reference}: ${found.title}`),
    refusal(answer.errors, "Parts of this case were withheld"),
    h("p", null, `${words(found.status)} · opened ${date(found.openedAt)}${found.closedAt ? " · closed " + date(found.closedAt) : ""} · ${list(found.offenceTypes.map(words))}`),
    h("p", null, found.summary),
    h("p", null, "Legal provisions: ", list(found.legalProvisions)),
    handlingWords(found.handling, context.viewer.administration),
    actions,
    h("h3", null, "Parties"),
    parties(found),
    h("h3", null, "Evidence"),
    evidence(found)
  );
}
