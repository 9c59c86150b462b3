// The dashboard's login session: the token lives in this module's memory only.
import { finishLogin, revoke, startLogin } from "/static/login/pkce.js";

let session = null;

function pages(config) {
  return {
    key: "cmaa.dashboard.pkce",
    issuers: config.issuers,
    clients: config.clients,
    scopes: config.scopes,
    redirectUri: location.origin + location.pathname,
  };
}

export function token() { return session ? session.token : null; }

export function login(config, administration) {
  return startLogin(pages(config), administration);
}

// Resolves to the administration logged in to, or null when no login was under way.
export async function completeLogin(config) {
  session = await finishLogin(pages(config));
  return session ? session.administration : null;
}

export function forget() {
  const dropped = session;
  session = null;
  return dropped;
}

export async function logout(config) {
  const dropped = forget();
  if (dropped) { await revoke(pages(config), dropped); }
}
