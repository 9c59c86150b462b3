// The dashboard's shell: the login bar, the navigation and a hash router over the views.
import { config, learnRules, refusal, run } from "./api.js";
import * as auth from "./auth.js";
import { h, replace } from "./dom.js";
import * as cases from "./cases.js";
import * as requests from "./requests.js";
import * as releases from "./releases.js";
import * as consents from "./consents.js";
import * as audit from "./audit.js";

const select = document.getElementById("administration");
const loginButton = document.getElementById("login");
const logoutButton = document.getElementById("logout");
const who = document.getElementById("who");
const nav = document.getElementById("nav");
const main = document.getElementById("view");

const VIEWS = {
  cases: cases.renderList,
  case: cases.renderDetail,
  requests: requests.render,
  releases: releases.render,
  consents: consents.render,
  audit: audit.render,
};

let context = null;

function loggedOut(text) {
  auth.forget();
  context = null;
  who.textContent = text;
  loginButton.hidden = false;
  logoutButton.hidden = true;
  nav.hidden = true;
  replace(main, h("p", null, "Log in with your own administration to see the exchange."));
}

// "#case/ID?x=1" → { view: "case", id: "ID", params }
function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const [view, ...rest] = path.split("/");
  return { view: VIEWS[view] ? view : "cases", id: rest.map(decodeURIComponent).join("/"), params: new URLSearchParams(query || "") };
}

async function show() {
  if (!context) { return; }
  const { view, id, params } = route();
  for (const link of nav.querySelectorAll("a")) {
    const current = link.getAttribute("href") === "#" + (view === "case" ? "cases" : view);
    if (current) { link.setAttribute("aria-current", "page"); } else { link.removeAttribute("aria-current"); }
  }
  replace(main, h("p", { class: "loading" }, "Loading…"));
  try {
    await VIEWS[view](main, context, id, params);
  } catch (error) {
    replace(main, refusal([{ message: error.message, extensions: { code: "CLIENT" } }], "The view could not be shown"));
  }
  main.focus();
}

async function start(administration) {
  const answer = await run("Viewer");
  if (!answer.data) {
    replace(main, refusal(answer.errors, "Your token was not accepted"));
    return;
  }
  const viewer = answer.data.viewer;
  learnRules(answer.data.agreement.rules);
  const partner = viewer.administration === "US" ? "UZ" : "US";
  context = {
    viewer,
    agreement: answer.data.agreement,
    partner,
    has: (scope) => viewer.scopes.includes(scope),
  };
  select.value = administration;
  who.textContent = `${viewer.subject} · ${viewer.administration}${viewer.designated ? " · designated official" : ""}`;
  loginButton.hidden = true;
  logoutButton.hidden = false;
  nav.hidden = false;
  await show();
}

loginButton.addEventListener("click", () => {
  auth.login(config, select.value).catch((error) => { who.textContent = "Login failed: " + error.message; });
});
logoutButton.addEventListener("click", () => {
  auth.logout(config)
    .then(() => loggedOut("Not logged in"))
    .catch(() => loggedOut("Logged out (the token could not be revoked; it expires by itself)"));
});
document.addEventListener("dashboard:logged-out", (event) => loggedOut(event.detail));
window.addEventListener("hashchange", show);
// The skip link moves the focus only: the address keeps naming the view shown.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

auth.completeLogin(config)
  .then((administration) => (administration ? start(administration) : null))
  .catch((error) => { who.textContent = "Login failed: " + error.message; });
