// Logging a person in at their own administration's issuer from a page of the gateway: the
// authorization code flow with PKCE (S256), as a public client. The access token is handed
// to the caller to keep in memory; only the PKCE verifier and state wait in sessionStorage,
// for the length of the redirect, and are removed on return. Shared by GraphiQL and the
// dashboard.

function base64url(bytes) {
  let text = "";
  bytes.forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

// The issuer's RFC 8414 metadata: where to authorize, exchange the code and revoke.
export async function metadata(issuerUrl) {
  const issuer = new URL(issuerUrl, location.href);
  const response = await fetch(issuer.origin + "/.well-known/oauth-authorization-server" + issuer.pathname);
  if (!response.ok) { throw new Error("the authorization server did not answer"); }
  return response.json();
}

// A page's login: `pages` = { key (of sessionStorage), issuers, clients (each by
// administration), scopes, redirectUri }.

// Sends the browser to the administration's sign-in page.
export async function startLogin(pages, administration) {
  const verifier = randomText(32);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const state = randomText(16);
  sessionStorage.setItem(pages.key, JSON.stringify({ administration, verifier, state }));
  const server = await metadata(pages.issuers[administration]);
  const query = new URLSearchParams({
    response_type: "code",
    client_id: pages.clients[administration],
    redirect_uri: pages.redirectUri,
    scope: pages.scopes.join(" "),
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  });
  location.assign(server.authorization_endpoint + "?" + query.toString());
}

// Finishes a login the issuer sent back to this page: resolves to null when there is none,
// else to { administration, token }; throws when it cannot be completed.
export async function finishLogin(pages) {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) { return null; }
  const saved = JSON.parse(sessionStorage.getItem(pages.key) || "null");
  sessionStorage.removeItem(pages.key);
  history.replaceState(null, "", location.pathname);
  if (!saved || saved.state !== params.get("state") || !params.has("code")) {
    throw new Error("the login was not completed");
  }
  const server = await metadata(pages.issuers[saved.administration]);
  const response = await fetch(server.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: pages.redirectUri,
      client_id: pages.clients[saved.administration],
      code_verifier: saved.verifier,
    }),
  });
  const answer = await response.json();
  if (!response.ok || !answer.access_token) {
    throw new Error(answer.error || String(response.status));
  }
  return { administration: saved.administration, token: answer.access_token };
}

// Asks the issuer of a finished login to revoke its token (if it offers revocation).
export async function revoke(pages, session) {
  const server = await metadata(pages.issuers[session.administration]);
  if (!server.revocation_endpoint) { return; }
  await fetch(server.revocation_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      token: session.token,
      token_type_hint: "access_token",
      client_id: pages.clients[session.administration],
    }),
  });
}
