// GraphiQL for the CMAA exchange: log in through the caller's own administration with the
// authorization code flow + PKCE (S256), keep the access token in memory only, and send it
// with every operation. Nothing is written to localStorage; the PKCE verifier waits in
// sessionStorage only for the length of the redirect. Logging out revokes the token.
import { finishLogin, revoke as revokeAt, startLogin } from "/static/login/pkce.js";

const config = JSON.parse(document.getElementById("cmaa-config").textContent);
const select = document.getElementById("cmaa-administration");
const loginButton = document.getElementById("cmaa-login");
const logoutButton = document.getElementById("cmaa-logout");
const who = document.getElementById("cmaa-who");
const pages = {
  key: "cmaa.pkce",
  issuers: config.issuers,
  clients: config.clients,
  scopes: config.scopes,
  redirectUri: config.redirectUri,
};
let accessToken = null;
let loggedInTo = null;

function show(text) { who.textContent = text; }

function login() {
  return startLogin(pages, select.value);
}

async function completeLogin() {
  let done;
  try {
    done = await finishLogin(pages);
  } catch (error) {
    show("Login failed: " + error.message);
    return;
  }
  if (!done) { return; }
  accessToken = done.token;
  loggedInTo = done.administration;
  select.value = done.administration;
  show("Logged in to " + done.administration.toUpperCase());
  loginButton.hidden = true;
  logoutButton.hidden = false;
}

// Forget the token (and show the Log in button again); GraphiQL restarts without it.
function forget(text) {
  const dropped = { token: accessToken, administration: loggedInTo };
  accessToken = null;
  loggedInTo = null;
  show(text);
  loginButton.hidden = false;
  logoutButton.hidden = true;
  render();
  return dropped;
}

async function revoke(dropped) {
  if (dropped.token) { await revokeAt(pages, dropped); }
}

function logout() {
  revoke(forget("Not logged in")).catch(function () {
    show("Logged out (the token could not be revoked; it expires by itself)");
  });
}

// A new fetcher for each login state: GraphiQL fetches the schema again whenever its fetcher
// changes, so the schema is read with the token once there is one.
function makeFetcher(token) {
  return async function fetcher(params) {
    return execute(params, token);
  };
}

async function execute(params, token) {
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  };
  if (token) { headers.authorization = "Bearer " + token; }
  const response = await fetch(config.endpoint, {
    method: "POST",
    headers: headers,
    body: JSON.stringify(params),
  });
  if (response.status === 401) {
    // A token that is no longer accepted (expired or revoked) is dropped, so that the
    // Log in button the message points to is shown.
    if (token && token === accessToken) { forget("Login expired"); }
    return { errors: [{ message: "Log in first (the button above).", extensions: { code: "UNAUTHENTICATED" } }] };
  }
  return response.json();
}

// GraphiQL keeps tabs and headers in this object only: nothing survives the page.
const memory = new Map();
const storage = {
  getItem: function (key) { return memory.has(key) ? memory.get(key) : null; },
  setItem: function (key, value) { memory.set(key, String(value)); },
  removeItem: function (key) { memory.delete(key); },
  clear: function () { memory.clear(); },
  get length() { return memory.size; },
};

const root = ReactDOM.createRoot(document.getElementById("graphiql"));

function render() {
  root.render(
    React.createElement(GraphiQL, {
      fetcher: makeFetcher(accessToken),
      storage: storage,
      shouldPersistHeaders: false,
      defaultQuery: config.defaultQuery,
      isHeadersEditorEnabled: false,
    })
  );
}

loginButton.addEventListener("click", function () {
  login().catch(function (error) { show("Login failed: " + error.message); });
});
logoutButton.addEventListener("click", logout);
// GraphiQL starts once a returning login has finished (or failed), so that its first schema
// request already carries the token.
completeLogin()
  .catch(function (error) { show("Login failed: " + error.message); })
  .finally(render);
