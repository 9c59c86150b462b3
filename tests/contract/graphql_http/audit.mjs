// Runs graphql-http's server audit suite (GraphQL over HTTP) against a gateway and prints
// each result as one JSON line: {id, name, status, reason}. Usage:
//   node audit.mjs URL            with the bearer token in the CMAA_AUDIT_TOKEN variable
import { serverAudits } from 'graphql-http';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const token = process.env.CMAA_AUDIT_TOKEN ?? '';

// Every request of the audit carries the caller's token: the gateway admits no anonymous call.
function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  const result = await audit.fn();
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    line.httpStatus = result.response?.status;
    try {
      line.body = (await result.response.text()).slice(0, 300);
    } catch {
      // the body was read by the audit already
    }
  }
  results.push(line);
}
for (const line of results) console.log(JSON.stringify(line));
