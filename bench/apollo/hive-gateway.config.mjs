// Hive Gateway (@graphql-hive/gateway) over the same supergraph as Apollo Gateway, set up
// alike: forward each caller's Authorization header to the subgraphs (which verify it
// themselves), no introspection, no landing page or GraphiQL, errors masked.
//   node node_modules/@graphql-hive/gateway/dist/bin.js supergraph SUPERGRAPH_FILE \
//     --config-path hive-gateway.config.mjs --host 127.0.0.1 --port PORT --fork 1
// One process (--fork 1), as every other server of the benchmark.
//
// By default Hive Gateway shares one subgraph request among identical ones in flight (same
// subgraph, body and headers: the same caller asking the same thing at the same moment).
// With CMAA_HIVE_SHARE_INFLIGHT=0 it does not: each answer makes its own subgraph requests,
// as Apollo Gateway's and ours do (ours must: every partner read of every operation is in
// the owner's audit log).
import { defineConfig } from "@graphql-hive/gateway";

const shareInflight = process.env.CMAA_HIVE_SHARE_INFLIGHT !== "0";

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get("authorization") ?? undefined,
    }),
  },
  disableIntrospection: true,
  graphiql: false,
  landingPage: false,
  maskedErrors: true,
  logging: "warn",
  // The supergraph is a file that does not change during a run: read it once an hour at most.
  pollingInterval: 3_600_000,
  ...(shareInflight
    ? {}
    : { transportEntries: { "*": { options: { deduplicateInflightRequests: false } } } }),
});
