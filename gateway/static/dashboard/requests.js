// Requests for assistance: incoming and outgoing by status, due dates with the overdue ones
// marked, and the procedure's forms for people who hold its scopes.
import { config, idempotencyKey, refusal, run } from "./api.js";
import { checkboxes, field, h, input, replace, select, table, values } from "./dom.js";
import { count, date, daysFromNow, flag, words } from "./format.js";

const STATUSES = ["SUBMITTED", "ACCEPTED", "CONDITIONAL", "POSTPONED", "ANSWERED", "REFUSED", "LAPSED", "CLOSED"];
const OPEN = new Set(["SUBMITTED", "ACCEPTED", "CONDITIONAL", "POSTPONED"]);
// No procedure follows these: an oral request cannot be confirmed once one is reached.
const FINAL = new Set(["REFUSED", "LAPSED", "CLOSED"]);
const ASSISTANCE = ["INFORMATION", "DOCUMENTS", "VERIFICATION", "INQUIRY", "SURVEILLANCE", "EXPERT_TESTIMONY"];
const URGENCY = ["ROUTINE", "URGENT", "IMMEDIATE"];
const DECISIONS = ["ACCEPT", "ACCEPT_WITH_CONDITIONS", "POSTPONE", "REFUSE"];
// Far enough ahead to list every request: the operation asks for a due-before date.
const HORIZON = "2999-12-31T00:00:00Z";
let lastFilter = { direction: "", status: "" };

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function done(target, message) {
  replace(target, h("p", { class: "done", role: "status" }, message));
}

// Runs a procedure's mutation; shows the agreement's reason on refusal, else `after`.
async function submit(target, name, variables, after) {
  const answer = await run(name, Object.assign({ idempotencyKey: idempotencyKey() }, variables));
  const result = answer.data && Object.values(answer.data)[0];
  if (!result) {
    replace(target, refusal(answer.errors));
    return;
  }
  await after(result);
}

function submitForm(context, reload) {
  const outcome = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "procedure", "aria-label": "Submit a request for assistance" },
    field("Matter", input("matter", { required: true })),
    field("Type of assistance", select("assistanceType", ASSISTANCE.map((v) => [v, words(v)]), "INFORMATION")),
    field("Urgency", select("urgency", URGENCY.map((v) => [v, words(v)]), "ROUTINE")),
    field("Brief description of the case", h("textarea", { name: "caseDescription", rows: 3 })),
    field("Legal provisions involved", h("textarea", { name: "legalProvisions", rows: 2 }), "one per line"),
    field("Reasons", h("textarea", { name: "reasons", rows: 2 })),
    field("Persons concerned", h("textarea", { name: "persons", rows: 2 }), "one per line: name; address"),
    h("div", { class: "field" }, h("label", null, h("input", { type: "checkbox", name: "oral" }), " Made orally (to be confirmed in writing)")),
    h("button", { type: "submit" }, "Submit request"),
    outcome
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const input = {
      requestedAdministration: context.partner,
      matter: data.get("matter"),
      assistanceType: data.get("assistanceType"),
      urgency: data.get("urgency"),
      caseDescription: data.get("caseDescription"),
      legalProvisions: lines(data.get("legalProvisions")),
      reasons: data.get("reasons"),
      oral: data.get("oral") === "on",
      personsConcerned: lines(data.get("persons")).map((line) => {
        const [name, address] = line.split(";").map((part) => part.trim());
        return { name, address: address || null };
      }),
    };
    await submit(outcome, "SubmitAssistanceRequest", { input }, async (request) => {
      await reload();
      done(outcome, `Request ${request.reference} submitted; due ${date(request.dueAt)}.`);
    });
  });
  return [form];
}

function groundOptions(kind) {
  return [["", "—"], ...(config.grounds[kind] || []).map((g) => [g.id, `${words(g.id)}: ${g.summary}`])];
}

function decideForm(request, reload) {
  const outcome = h("div", { "aria-live": "polite" });
  const ground = select("ground", groundOptions("ACCEPT"));
  const decision = select("decision", DECISIONS.map((v) => [v, words(v)]), "ACCEPT");
  decision.addEventListener("change", () => {
    replace(ground, groundOptions(decision.value).map(([value, text]) => h("option", { value }, text)));
  });
  const form = h(
    "form",
    { class: "procedure inline", "aria-label": "Decide request " + request.reference },
    field("Decision", decision),
    field("Ground (the agreement's)", ground, "needed to refuse, postpone or set conditions"),
    field("Reason", input("reason")),
    field("Conditions", h("textarea", { name: "conditions", rows: 2 }), "one per line"),
    h("button", { type: "submit" }, "Decide"),
    outcome
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const input = {
      requestId: request.id,
      decision: data.get("decision"),
      ground: data.get("ground") || null,
      reason: data.get("reason") || null,
      conditions: lines(data.get("conditions")),
    };
    await submit(outcome, "DecideAssistanceRequest", { input }, reload);
  });
  return form;
}

// The records a case covers, as the responder picks it by reference: the case, and on demand
// its parties' entities and its evidence.
async function caseRecords(context, reference, withParts) {
  const found = await run("CaseList", { first: 5, filter: { text: reference, owners: [context.viewer.administration] } });
  const match = found.data && found.data.cases.edges.find((edge) => edge.node.reference === reference);
  if (!match) { return { errors: found.errors.length ? found.errors : [{ message: `None of your cases has the reference ${reference}.`, extensions: { code: "NOT_FOUND" } }] }; }
  if (!withParts) { return { records: [match.node.id] }; }
  const detail = await run("CaseDetail", { id: match.node.id });
  const item = detail.data && detail.data.case;
  if (!item) { return { errors: detail.errors }; }
  // Only the owner releases: entities and evidence the partner holds stay out.
  const own = (record) => record.owner === context.viewer.administration;
  return { records: [item.id, ...item.parties.map((p) => p.entity).filter(own).map((e) => e.id), ...item.evidence.filter(own).map((e) => e.id)] };
}

function inDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function respondForm(context, request, reload) {
  const outcome = h("div", { "aria-live": "polite" });
  const uses = Object.keys(config.uses);
  const free = uses.filter((use) => !config.uses[use].consentRequired);
  const form = h(
    "form",
    { class: "procedure inline", "aria-label": "Respond to request " + request.reference },
    field("Case reference to release", input("reference", { required: true })),
    h("div", { class: "field" }, h("label", null, h("input", { type: "checkbox", name: "withParts", checked: true }), " with its parties and evidence")),
    field("Purpose", input("purpose", { required: true, value: "Reply to " + request.reference })),
    checkboxes("Permitted uses", "permittedUses", uses.map((use) => [use, words(use) + (config.uses[use].consentRequired ? " (else needs consent)" : "")]), free),
    h("div", { class: "field" }, h("label", null, h("input", { type: "checkbox", name: "pii" }), " Include personal data")),
    field("Expires on", input("expires", { type: "date", required: true, value: inDays(90) })),
    h("button", { type: "submit" }, "Release and respond"),
    outcome
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const picked = await caseRecords(context, String(data.get("reference")).trim(), data.get("withParts") === "on");
    if (!picked.records) {
      replace(outcome, refusal(picked.errors));
      return;
    }
    const release = {
      records: picked.records,
      purpose: data.get("purpose"),
      permittedUses: values(form, "permittedUses"),
      includesPersonalData: data.get("pii") === "on",
      expiresAt: data.get("expires") + "T23:59:59Z",
    };
    await submit(outcome, "RespondToAssistanceRequest", { input: { requestId: request.id, release } }, reload);
  });
  return form;
}

function confirmButton(request, reload) {
  const outcome = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button" }, "Confirm in writing");
  button.addEventListener("click", () => submit(outcome, "ConfirmAssistanceRequestInWriting", { id: request.id }, reload));
  return h("div", null, button, outcome);
}

function actions(context, request, reload) {
  const incoming = request.requestedAdministration === context.viewer.administration;
  const found = [];
  if (!incoming && request.oral && !request.confirmedInWritingAt && !FINAL.has(request.status) && context.has("cmaa.requests:write")) {
    found.push(confirmButton(request, reload));
  }
  if (incoming && context.has("cmaa.requests:decide")) {
    if (request.status === "SUBMITTED") { found.push(h("details", null, h("summary", null, "Decide"), decideForm(request, reload))); }
    if (request.status === "ACCEPTED" || request.status === "CONDITIONAL") {
      found.push(h("details", null, h("summary", null, "Respond with a release"), respondForm(context, request, reload)));
    }
  }
  return found.length ? found : "—";
}

function due(request) {
  const days = daysFromNow(request.dueAt);
  if (OPEN.has(request.status) && days < 0) {
    return h("span", { class: "badge overdue" }, `${date(request.dueAt)} · overdue by ${-days} days`);
  }
  return date(request.dueAt);
}

function requestRow(context, request, reload) {
  const incoming = request.requestedAdministration === context.viewer.administration;
  return h(
    "tr",
    { "data-reference": request.reference },
    h("td", null, incoming ? "Incoming" : "Outgoing"),
    h("td", { class: "nowrap" }, request.reference),
    h("td", { class: "nowrap" }, flag(request.requestingAdministration), " → ", flag(request.requestedAdministration)),
    h("td", null, request.matter, request.reasons ? h("details", { class: "muted" }, h("summary", null, "Reasons"), request.reasons) : null),
    h("td", null, words(request.assistanceType), h("br"), words(request.urgency), request.oral ? (request.confirmedInWritingAt ? ", oral, confirmed" : ", oral, not yet confirmed") : ""),
    h("td", null, date(request.submittedAt)),
    h("td", null, due(request)),
    h("td", null, h("span", { class: "badge status" }, words(request.status))),
    h("td", null, actions(context, request, reload))
  );
}

export async function render(main, context) {
  const results = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Request filters" },
    field("Direction", select("direction", [["", "Both"], ["INCOMING", "Incoming"], ["OUTGOING", "Outgoing"]], lastFilter.direction)),
    field("Status", select("status", [["", "Any"], ...STATUSES.map((s) => [s, words(s)])], lastFilter.status)),
    h("button", { type: "submit" }, "Show")
  );
  async function reload() {
    const answer = await run("RequestsDue", {
      dueBefore: HORIZON,
      direction: lastFilter.direction || null,
      status: lastFilter.status ? [lastFilter.status] : null,
      first: 100,
    });
    const found = answer.data && answer.data.assistanceRequests;
    replace(results, refusal(answer.errors), found ? [
      h("p", null, count(found.totalCount, "request", "requests")),
      table("Requests for assistance", ["Direction", "Reference", "From → to", "Matter and reasons", "Type", "Submitted", "Due", "Status", "Actions"],
        found.edges.map((edge) => requestRow(context, edge.node, reload))),
    ] : null);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    lastFilter = Object.fromEntries(new FormData(form).entries());
    reload();
  });
  replace(main, h("h2", null, "Requests for assistance"),
    context.has("cmaa.requests:write") ? h("details", null, h("summary", null, `Submit a request to ${context.partner}`), submitForm(context, reload)) : null,
    form, results);
  await reload();
}
