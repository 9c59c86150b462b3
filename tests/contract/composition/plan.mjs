// Plans operations over a supergraph the way Apollo Router or Apollo Gateway would, and prints
// {"<file>": "<the plan, pretty-printed>" or {"error": "<why it cannot be planned>"}, ...} as
// JSON on stdout.
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
  try {
    const document = parse(readFileSync(file, "utf8"));
    const operation = operationFromDocument(supergraph.apiSchema(), document);
    plans[file] = prettyFormatQueryPlan(planner.buildQueryPlan(operation));
  } catch (error) {
    plans[file] = { error: String(error.message ?? error) };
  }
}
process.stdout.write(JSON.stringify(plans));
