// Our own releases, the records each covers, and their withdrawal.
import { idempotencyKey, refusal, run } from "./api.js";
import { field, h, input, replace, table } from "./dom.js";
import { count, date, expiry, flag, list, use, when, words } from "./format.js";

const KINDS = { ENTITY: ["entity", "entities"], EVIDENCE: ["evidence item", "evidence items"] };

// A release lists its records by id; the cases among them are named by their reference
// (from one read of our own case list), the rest counted by kind.
function recordsCovered(release, references) {
  const cases = release.records.filter((record) => record.recordType.toUpperCase() === "CASE");
  const others = new Map();
  for (const record of release.records) {
    const kind = record.recordType.toUpperCase();
    if (kind !== "CASE") { others.set(kind, (others.get(kind) || 0) + 1); }
  }
  const counted = [...others].map(([kind, number]) => {
    const [one, many] = KINDS[kind] || [words(kind).toLowerCase() + " record", words(kind).toLowerCase() + " records"];
    return count(number, one, many);
  });
  return h(
    "div",
    null,
    h("ul", { class: "plain" }, cases.map((record) => h("li", null, "Case ", h("a", { href: "#case/" + encodeURIComponent(record.id) }, references.get(record.id) || record.id)))),
    counted.length ? h("div", { class: "muted" }, "with " + counted.join(", ")) : null
  );
}

async function caseReferences(context) {
  const answer = await run("CaseList", { first: 100, filter: { owners: [context.viewer.administration] } });
  const found = answer.data ? answer.data.cases.edges : [];
  return new Map(found.map((edge) => [edge.node.id, edge.node.reference]));
}

function revokeForm(release, reload) {
  const outcome = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "procedure inline", "aria-label": "Revoke release " + release.id },
    field("Reason for revoking", input("reason", { required: true })),
    h("button", { type: "submit" }, "Revoke"),
    outcome
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await run("RevokeRelease", {
      id: release.id,
      reason: new FormData(form).get("reason"),
      idempotencyKey: idempotencyKey(),
    });
    if (!answer.data || !answer.data.revokeRelease) {
      replace(outcome, refusal(answer.errors));
      return;
    }
    await reload();
  });
  return h("details", null, h("summary", null, "Revoke"), form);
}

function releaseRow(context, release, references, reload) {
  const state = release.revokedAt
    ? h("span", { class: "badge revoked" }, "revoked " + date(release.revokedAt))
    : Date.parse(release.expiresAt) < Date.now()
      ? h("span", { class: "badge" }, "expired")
      : h("span", { class: "badge active" }, "active");
  return h(
    "tr",
    { "data-request": release.requestReference || "" },
    h("td", null, flag(release.recipient)),
    h("td", null, release.basis === "REQUEST" ? "request " + (release.requestReference || "") : "spontaneous"),
    h("td", null, release.purpose),
    h("td", null, recordsCovered(release, references)),
    h("td", null, list(release.permittedUses.map(use)), release.consentRequiredFor.length ? h("div", { class: "muted" }, "consent needed for " + list(release.consentRequiredFor.map(use))) : null),
    h("td", null, release.includesPersonalData ? "included" : "withheld"),
    h("td", null, when(release.createdAt)),
    h("td", null, expiry(release.expiresAt)),
    h("td", null, state),
    h("td", null, !release.revokedAt && context.has("cmaa.disclosures:write") ? revokeForm(release, reload) : "—")
  );
}

export async function render(main, context) {
  const results = h("div", { "aria-live": "polite" });
  async function reload() {
    const [answer, references] = await Promise.all([run("Releases", { first: 100 }), caseReferences(context)]);
    const found = answer.data && answer.data.releases;
    replace(results, refusal(answer.errors), found ? [
      h("p", null, count(found.totalCount, "release", "releases")),
      table(`Releases made by ${context.viewer.administration}`,
        ["To", "Under", "Purpose", "Records", "Permitted uses", "Personal data", "Made", "Expires", "State", "Actions"],
        found.edges.map((edge) => releaseRow(context, edge.node, references, reload))),
    ] : null);
  }
  replace(main, h("h2", null, "Our releases"), results);
  await reload();
}
