// Who of the partner read which of our records: the audit log's partner entries, with a
// chart of the partner's reads per day.
import { refusal, run } from "./api.js";
import { field, h, input, replace, svg, table } from "./dom.js";
import { count, flag, list, when, words } from "./format.js";

const DAYS = 14;
const DAY_MS = 86_400_000;
// The chart reads at most this many pages of 100 entries; past that it says "at least".
const CHART_PAGES = 10;

function day(value) {
  return String(value).slice(0, 10);
}

// Permitted partner reads per day over the last DAYS days, as an inline SVG bar chart.
function chart(entries, partner, complete) {
  const counts = new Map();
  const today = Date.parse(new Date().toISOString().slice(0, 10));
  const days = [];
  for (let i = DAYS - 1; i >= 0; i--) {
    const key = new Date(today - i * DAY_MS).toISOString().slice(0, 10);
    days.push(key);
    counts.set(key, 0);
  }
  for (const entry of entries) {
    const key = day(entry.at);
    if (entry.decision === "PERMIT" && counts.has(key)) { counts.set(key, counts.get(key) + 1); }
  }
  const highest = Math.max(1, ...counts.values());
  const width = 28;
  const height = 120;
  const bars = days.map((key, index) => {
    const count = counts.get(key);
    const barHeight = Math.round((count / highest) * (height - 20));
    const x = 30 + index * width;
    return svg("g", null,
      svg("title", null, `${key}: ${count} reads`),
      svg("rect", { x, y: height - barHeight, width: width - 6, height: barHeight, class: "bar" }),
      svg("text", { x: x + (width - 6) / 2, y: height - barHeight - 4, "text-anchor": "middle", class: "count" }, count ? String(count) : ""),
      svg("text", { x: x + (width - 6) / 2, y: height + 14, "text-anchor": "middle", class: "day" }, key.slice(5)));
  });
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const inAll = complete ? `${total} in all` : `at least ${total}`;
  return h("figure", { class: "chart" },
    svg("svg", { viewBox: `0 0 ${30 + DAYS * width} ${height + 22}`, role: "img", "aria-label": `${partner} reads of our records per day, last ${DAYS} days: ${inAll}` },
      svg("line", { x1: 28, y1: height, x2: 30 + DAYS * width, y2: height, class: "axis" }),
      bars),
    h("figcaption", null, `${partner} reads of our records per day (last ${DAYS} days, ${inAll})`));
}

export function entryRow(entry) {
  return h(
    "tr",
    null,
    h("td", null, when(entry.at)),
    h("td", null, flag(entry.actorAdministration), " ", entry.subject),
    h("td", null, entry.clientId),
    h("td", null, entry.operation),
    h("td", null, list(entry.recordIds, "—")),
    h("td", null, h("span", { class: "badge " + entry.decision.toLowerCase() }, words(entry.decision))),
    h("td", null, entry.rule, entry.detail ? h("div", { class: "muted" }, entry.detail) : null)
  );
}

// Every entry of the chart's days, page by page (bounded): { entries, complete }.
async function recentEntries(filter) {
  const since = new Date(Date.parse(new Date().toISOString().slice(0, 10)) - (DAYS - 1) * DAY_MS);
  const entries = [];
  let after = null;
  for (let page = 0; page < CHART_PAGES; page++) {
    const answer = await run("AuditTrail", { first: 100, after, filter: Object.assign({ atFrom: since.toISOString() }, filter) });
    if (!answer.data) { return { entries, complete: false }; }
    const found = answer.data.auditTrail;
    entries.push(...found.edges.map((edge) => edge.node));
    if (!found.pageInfo.hasNextPage) { return { entries, complete: true }; }
    after = found.pageInfo.endCursor;
  }
  return { entries, complete: false };
}

export async function render(main, context, _id, params) {
  const record = params.get("record") || "";
  const form = h(
    "form",
    { class: "filters", "aria-label": "Audit filters" },
    field("Record", input("record", { value: record }), "a record's id, or its name in the log (e.g. CASE:12)"),
    h("button", { type: "submit" }, "Show")
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = String(new FormData(form).get("record")).trim();
    location.hash = "#audit" + (chosen ? "?record=" + encodeURIComponent(chosen) : "");
  });
  const filter = { actorAdministration: context.partner };
  if (record) { filter.recordId = record; }
  const [answer, recent] = await Promise.all([run("AuditTrail", { first: 100, filter }), recentEntries(filter)]);
  const found = answer.data && answer.data.auditTrail;
  const entries = found ? found.edges.map((edge) => edge.node) : [];
  replace(
    main,
    h("h2", null, `Audit: ${context.partner} access to our records`),
    form,
    refusal(answer.errors),
    found ? [
      chart(recent.entries, context.partner, recent.complete),
      h("p", null, `${count(found.totalCount, "entry", "entries")}${record ? " for " + record : ""}; the newest ${entries.length} shown.`),
      table(`Who of ${context.partner} read or asked for which of our records`,
        ["At", "Who", "Client", "Operation", "Our records", "Decision", "Rule"], entries.map(entryRow)),
    ] : null
  );
}
