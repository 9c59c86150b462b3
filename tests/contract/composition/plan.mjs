// Plans operations over a supergraph the way Apollo Router or Apollo Gateway would, and prints
// {"<file>": "<the plan, pretty-printed>", ...} as JSON on stdout.
//
// Usage: node plan.mjs SUPERGRAPH_FILE OPERATION_FILE ...
import { readFileSync } from "node:fs";
import {
  ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  Supergraph,
  operationFromDocument,
} from "@apollo/federation-internals";
import { QueryPlanner, prettyFormatQueryPlan } from "@apollo/query-planner";
import { parse } from "graphql";

const [supergraphFile, ...operationFiles] = process.argv.slice(2);
// Apollo Router's features: it enforces @authenticated and @requiresScopes itself.
const supergraph = Supergraph.build(readFileSync(supergraphFile, "utf8"), {
  supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
});
const planner = new QueryPlanner(supergraph);
const plans = {};
for (const file of operationFiles) {
  const operation = operationFromDocument(supergraph.schema, parse(readFileSync(file, "utf8")));
  plans[file] = prettyFormatQueryPlan(planner.buildQueryPlan(operation));
}
process.stdout.write(JSON.stringify(plans));
