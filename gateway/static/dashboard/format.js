// How the exchange's values read to an analyst: dates, flags, badges, handling conditions.
import { h, svg } from "./dom.js";
import { config } from "./api.js";

const DAY_MS = 86_400_000;

export function words(value) {
  if (!value) { return ""; }
  const text = String(value).toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function date(value) {
  return value ? String(value).slice(0, 10) : "—";
}

export function when(value) {
  return value ? String(value).replace("T", " ").slice(0, 16) + " UTC" : "—";
}

export function daysFromNow(value) {
  return Math.ceil((Date.parse(value) - Date.now()) / DAY_MS);
}

const USE_WORDS = {
  INTELLIGENCE: "intelligence",
  INVESTIGATION: "investigation",
  RISK_ASSESSMENT: "risk assessment",
  JUDICIAL_CIVIL: "use in civil judicial proceedings",
  JUDICIAL_CRIMINAL: "use in criminal judicial proceedings",
  ONWARD_TRANSFER: "onward transfer to another agency or a third country",
};

export function use(value) {
  return USE_WORDS[value] || words(value).toLowerCase();
}

export function count(number, one, many) {
  return `${number} ${number === 1 ? one : many}`;
}

export function list(items, empty) {
  return items && items.length ? items.join(", ") : empty || "none";
}

function flagUS() {
  const stripes = [];
  for (let i = 0; i < 13; i += 2) {
    stripes.push(svg("rect", { x: 0, y: (i * 10) / 13, width: 19, height: 10 / 13, fill: "#b22234" }));
  }
  return [svg("rect", { width: 19, height: 10, fill: "#fff" }), stripes,
    svg("rect", { width: 7.6, height: (7 * 10) / 13, fill: "#3c3b6e" })];
}

function flagUZ() {
  return [
    svg("rect", { width: 19, height: 10, fill: "#fff" }),
    svg("rect", { width: 19, height: 3.2, fill: "#1eb53a" }),
    svg("rect", { y: 0, width: 19, height: 3.2, fill: "#0099b5" }),
    svg("rect", { y: 3.2, width: 19, height: 0.3, fill: "#ce1126" }),
    svg("rect", { y: 6.5, width: 19, height: 0.3, fill: "#ce1126" }),
    svg("rect", { y: 6.8, width: 19, height: 3.2, fill: "#1eb53a" }),
  ];
}

// The owner as a flag, named for screen readers and on hover.
export function flag(owner) {
  const name = (config.names || {})[owner] || owner;
  const drawing = svg(
    "svg",
    { viewBox: "0 0 19 10", width: 24, height: 13, role: "img", "aria-label": name, class: "flag" },
    svg("title", null, name),
    owner === "US" ? flagUS() : owner === "UZ" ? flagUZ() : []
  );
  return h("span", { class: "owner" }, drawing, " ", owner);
}

export function tlp(value) {
  return h("span", { class: "badge tlp tlp-" + String(value).toLowerCase(), title: "Traffic Light Protocol" }, "TLP:" + value);
}

export function marking(value) {
  return h("span", { class: "badge marking", title: "The owner's marking" }, value);
}

export function releasedUnder(reference) {
  if (!reference) { return "own record"; }
  if (reference.basis === "REQUEST") {
    return "request " + (reference.requestReference || "");
  }
  return "spontaneous disclosure";
}

export function expiry(value) {
  if (!value) { return "no expiry"; }
  const days = daysFromNow(value);
  return `${date(value)} (${days >= 0 ? "in " + days + " days" : "expired"})`;
}

// The handling conditions in plain words: what the holder may do, what needs consent, when
// it ends.
export function handlingWords(handling, viewerAdministration) {
  const owner = handling.owner;
  const own = owner === viewerAdministration;
  const lines = [];
  const released = handling.releasedUnder;
  if (own) {
    lines.push(`This is a record of your own administration (${owner}); its handling is yours to set.`);
  } else if (released) {
    const how = released.basis === "REQUEST"
      ? `in answer to request ${released.requestReference || ""}`
      : "on its own initiative (spontaneous disclosure)";
    lines.push(`${owner} released this record to you ${how}, for: ${released.purpose}.`);
    lines.push(released.includesPersonalData
      ? "Personal data is included in the release."
      : "Personal data is withheld: the release does not include it.");
  }
  lines.push(`You may use it for: ${list(handling.permittedUses.map(use), "no use")}.`);
  if (handling.consentRequiredFor.length) {
    lines.push(`${own ? "The partner needs your" : `You need ${owner}'s`} prior written consent for: ${list(handling.consentRequiredFor.map(use))}.`);
  }
  for (const consent of handling.consents || []) {
    const to = [consent.recipientAgency, consent.recipientCountry].filter(Boolean).join(", ");
    lines.push(`Consent granted on ${date(consent.decidedAt)} for ${use(consent.use)}${to ? " to " + to : ""}.`);
  }
  for (const condition of handling.conditions || []) {
    lines.push(`Condition: ${condition}`);
  }
  lines.push(handling.expiresAt ? `The release expires on ${expiry(handling.expiresAt)}.` : "No expiry.");
  return h(
    "section",
    { class: "handling", "aria-label": "Handling conditions" },
    h("h3", null, "Handling conditions"),
    h("p", null, marking(handling.marking), " ", tlp(handling.tlp)),
    h("ul", null, lines.map((line) => h("li", null, line)))
  );
}
