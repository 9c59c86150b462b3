// Consent for a use the agreement reserves to the owner: asked by the recipient of released
// records, decided by their owner.
import { config, idempotencyKey, refusal, run } from "./api.js";
import { entryRow } from "./audit.js";
import { field, h, input, replace, select, table } from "./dom.js";
import { flag, use, words } from "./format.js";

function requestForm(context, records) {
  const outcome = h("div", { "aria-live": "polite" });
  const needing = Object.keys(config.uses).filter((u) => config.uses[u].consentRequired);
  const form = h(
    "form",
    { class: "procedure", "aria-label": "Ask the owner's consent" },
    h("h3", null, `Ask ${context.partner}'s consent`),
    field("Use", select("use", needing.map((u) => [u, words(u)]), needing[0])),
    field("Purpose", input("purpose", { required: true })),
    field("Receiving agency", input("recipientAgency"), "for an onward transfer"),
    field("Receiving country", input("recipientCountry"), "two letters, for an onward transfer"),
    field("Records", h("textarea", { name: "records", rows: 3 }, records.join("\n")), "their ids, one per line (from a case's page)"),
    h("button", { type: "submit" }, "Ask consent"),
    outcome
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const answer = await run("RequestConsent", {
      input: {
        use: data.get("use"),
        purpose: data.get("purpose"),
        recipientAgency: data.get("recipientAgency") || null,
        recipientCountry: data.get("recipientCountry") || null,
        records: String(data.get("records")).split(/\s+/).filter(Boolean),
      },
      idempotencyKey: idempotencyKey(),
    });
    const consent = answer.data && answer.data.requestConsent;
    replace(outcome, consent
      ? h("p", { class: "done", role: "status" }, "Consent request ", h("code", { class: "consent-id" }, consent.id), " sent to ", flag(consent.owner), ` for ${use(consent.use)}: ${words(consent.status)}.`)
      : refusal(answer.errors));
  });
  return form;
}

function decideForm() {
  const outcome = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "procedure", "aria-label": "Decide a consent request" },
    h("h3", null, "Decide a consent request on our records"),
    field("Consent request id", input("id", { required: true })),
    field("Decision", select("grant", [["true", "Grant"], ["false", "Refuse"]], "true")),
    field("Reason", input("reason"), "needed to refuse"),
    h("button", { type: "submit" }, "Decide"),
    outcome
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const answer = await run("DecideConsent", {
      id: String(data.get("id")).trim(),
      grant: data.get("grant") === "true",
      reason: data.get("reason") || null,
      idempotencyKey: idempotencyKey(),
    });
    const consent = answer.data && answer.data.decideConsent;
    replace(outcome, consent
      ? h("p", { class: "done", role: "status" }, `${words(consent.status)}: ${use(consent.use)}.`)
      : refusal(answer.errors));
  });
  return form;
}

export async function render(main, context, _id, params) {
  const records = (params.get("records") || "").split(",").filter(Boolean);
  if (!context.has("cmaa.consents:write")) {
    replace(main, h("h2", null, "Consents"), refusal([{ message: "Your token does not hold cmaa.consents:write.", extensions: { code: "FORBIDDEN", rule: "SCOPE" } }]));
    return;
  }
  // The exchange has no list of consent requests: the owner's audit log records each one.
  const asked = await run("AuditTrail", { first: 20, filter: { actorAdministration: context.partner, operation: "requestConsent" } });
  const entries = asked.data ? asked.data.auditTrail.edges.map((edge) => edge.node) : [];
  replace(
    main,
    h("h2", null, "Consents"),
    requestForm(context, records),
    decideForm(),
    refusal(asked.errors),
    asked.data ? table(`${context.partner}'s consent requests on our records (from our audit log)`,
      ["At", "Who", "Client", "Operation", "Consent request", "Decision", "Rule"], entries.map(entryRow)) : null
  );
}
