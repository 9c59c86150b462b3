// GraphiQL for the CMAA exchange: log in through the caller's own administration with the
// authorization code flow + PKCE (S256), keep the access token in memory only, and send it
// with every operation. Nothing is written to localStorage; the PKCE verifier waits in
// sessionStorage only for the length of the redirect. Logging out revokes the token.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("cmaa-config").textContent);
  const select = document.getElementById("cmaa-administration");
  const loginButton = document.getElementById("cmaa-login");
  const logoutButton = document.getElementById("cmaa-logout");
  const who = document.getElementById("cmaa-who");
  const PKCE_KEY = "cmaa.pkce";
  let accessToken = null;
  let loggedInTo = null;

  function base64url(bytes) {
    let text = "";
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomText(size) {
    return base64url(crypto.getRandomValues(new Uint8Array(size)));
  }

  async function metadata(administration) {
    const issuer = new URL(config.issuers[administration], location.href);
    const response = await fetch(
      issuer.origin + "/.well-known/oauth-authorization-server" + issuer.pathname
    );
    if (!response.ok) { throw new Error("the authorization server did not answer"); }
    return response.json();
  }

  function show(text) { who.textContent = text; }

  async function login() {
    const administration = select.value;
    const verifier = randomText(32);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    const state = randomText(16);
    sessionStorage.setItem(PKCE_KEY, JSON.stringify({ administration, verifier, state }));
    const server = await metadata(administration);
    const query = new URLSearchParams({
      response_type: "code",
      client_id: config.clients[administration],
      redirect_uri: config.redirectUri,
      scope: config.scopes.join(" "),
      state: state,
      code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: "S256",
    });
    location.assign(server.authorization_endpoint + "?" + query.toString());
  }

  async function completeLogin() {
    const params = new URLSearchParams(location.search);
    if (!params.has("code") && !params.has("error")) { return; }
    const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
    sessionStorage.removeItem(PKCE_KEY);
    history.replaceState(null, "", location.pathname);
    if (!saved || saved.state !== params.get("state") || !params.has("code")) {
      show("Login was not completed.");
      return;
    }
    const server = await metadata(saved.administration);
    const response = await fetch(server.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: config.redirectUri,
        client_id: config.clients[saved.administration],
        code_verifier: saved.verifier,
      }),
    });
    const token = await response.json();
    if (!response.ok || !token.access_token) {
      show("Login failed: " + (token.error || response.status));
      return;
    }
    accessToken = token.access_token;
    loggedInTo = saved.administration;
    select.value = saved.administration;
    show("Logged in to " + saved.administration.toUpperCase());
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
    if (!dropped.token) { return; }
    const server = await metadata(dropped.administration);
    if (!server.revocation_endpoint) { return; }
    await fetch(server.revocation_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        token: dropped.token,
        token_type_hint: "access_token",
        client_id: config.clients[dropped.administration],
      }),
    });
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
})();
