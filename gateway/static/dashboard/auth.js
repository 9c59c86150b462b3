// Login through the caller's own administration: authorization code + PKCE (S256). The
// access token lives in this module's memory only; the PKCE verifier waits in sessionStorage
// for the length of the redirect and is removed on return. Logging out revokes the token.

const PKCE_KEY = "cmaa.dashboard.pkce";
let session = null;

function base64url(bytes) {
  let text = "";
  bytes.forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

function redirectUri() {
  return location.origin + location.pathname;
}

async function metadata(config, administration) {
  const issuer = new URL(config.issuers[administration], location.href);
  const response = await fetch(issuer.origin + "/.well-known/oauth-authorization-server" + issuer.pathname);
  if (!response.ok) { throw new Error("the authorization server did not answer"); }
  return response.json();
}

export function token() { return session ? session.token : null; }
export function administration() { return session ? session.administration : null; }

export async function login(config, chosen) {
  const verifier = randomText(32);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const state = randomText(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ administration: chosen, verifier, state }));
  const server = await metadata(config, chosen);
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.clients[chosen],
    redirect_uri: redirectUri(),
    scope: config.scopes.join(" "),
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  });
  location.assign(server.authorization_endpoint + "?" + query.toString());
}

// Finishes a login the issuer sent back here; resolves to null when there was none to finish.
export async function completeLogin(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) { return null; }
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", location.pathname);
  if (!saved || saved.state !== params.get("state") || !params.has("code")) {
    throw new Error("the login was not completed");
  }
  const server = await metadata(config, saved.administration);
  const response = await fetch(server.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri(),
      client_id: config.clients[saved.administration],
      code_verifier: saved.verifier,
    }),
  });
  const answer = await response.json();
  if (!response.ok || !answer.access_token) {
    throw new Error(answer.error || String(response.status));
  }
  session = { token: answer.access_token, administration: saved.administration };
  return saved.administration;
}

export function forget() {
  const dropped = session;
  session = null;
  return dropped;
}

export async function logout(config) {
  const dropped = forget();
  if (!dropped) { return; }
  const server = await metadata(config, dropped.administration);
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
