// The dashboard sends only the published operations: their text comes from the gateway
// (operations/ as stored), so a gateway in safelist mode runs every one of them.
import { h } from "./dom.js";
import * as auth from "./auth.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const texts = new Map();
// The agreement's rules by id, once the Viewer operation has read them.
const rules = new Map();

export { config };

export function learnRules(list) {
  for (const rule of list || []) { rules.set(rule.id, rule); }
}

async function operationText(name) {
  if (!texts.has(name)) {
    const response = await fetch(config.operations + encodeURIComponent(name) + ".graphql");
    if (!response.ok) { throw new Error(`the gateway does not publish the operation ${name}`); }
    texts.set(name, await response.text());
  }
  return texts.get(name);
}

// The answer of one operation: { data, errors }. A refused token ends the session.
export async function run(name, variables) {
  const query = await operationText(name);
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  };
  const token = auth.token();
  if (token) { headers.authorization = "Bearer " + token; }
  const response = await fetch(config.endpoint, {
    method: "POST",
    headers,
    body: JSON.stringify({ operationName: name, query, variables: variables || {} }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    body = { errors: [{ message: `The gateway answered ${response.status}.`, extensions: { code: "HTTP_" + response.status } }] };
  }
  if (response.status === 401) {
    document.dispatchEvent(new CustomEvent("dashboard:logged-out", { detail: "Login expired" }));
  }
  return { data: body.data || null, errors: body.errors || [] };
}

export function idempotencyKey() {
  return crypto.randomUUID();
}

function describe(error) {
  const extensions = error.extensions || {};
  const code = extensions.code || "ERROR";
  const rule = extensions.rule ? rules.get(extensions.rule) : null;
  const parts = [h("strong", { class: "code" }, code)];
  if (extensions.rule) {
    parts.push(" · rule ", h("strong", { class: "rule" }, extensions.rule));
    if (rule) { parts.push(` (${rule.clause}: ${rule.summary})`); }
  }
  if (extensions.field) { parts.push(" · field ", h("code", null, String(extensions.field))); }
  if (extensions.administration) { parts.push(" · administration ", String(extensions.administration)); }
  parts.push(h("br"), error.message || "");
  return h("li", null, parts);
}

// The agreement's reason for each refusal, in words; never the raw JSON.
export function refusal(errors, heading) {
  if (!errors || !errors.length) { return null; }
  return h(
    "div",
    { class: "refusal", role: "alert" },
    h("p", null, h("strong", null, heading || "Refused")),
    h("ul", null, errors.map(describe))
  );
}
