// Our own releases, the records each covers, and their withdrawal.
import { idempotencyKey, refusal, run } from "./api.js";
import { field, h, input, replace, table } from "./dom.js";
import { date, expiry, flag, list, use, when, words } from "./format.js";

function recordLink(record) {
  const text = `${words(record.recordType)} ${record.id}`;
  return record.recordType.toUpperCase() === "CASE"
    ? h("a", { href: "#case/" + encodeURIComponent(record.id) }, text)
    : text;
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

function releaseRow(context, release, reload) {
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
    h("td", null, h("ul", { class: "plain" }, release.records.map((record) => h("li", null, recordLink(record))))),
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
    const answer = await run("Releases", { first: 100 });
    const found = answer.data && answer.data.releases;
    replace(results, refusal(answer.errors), found ? [
      h("p", null, `${found.totalCount} releases`),
      table(`Releases made by ${context.viewer.administration}`,
        ["To", "Under", "Purpose", "Records", "Permitted uses", "Personal data", "Made", "Expires", "State", "Actions"],
        found.edges.map((edge) => releaseRow(context, edge.node, reload))),
    ] : null);
  }
  replace(main, h("h2", null, "Our releases"), results);
  await reload();
}
