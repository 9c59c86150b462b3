// Composes subgraph SDLs into a supergraph the way Apollo Router's tooling does, and prints
// {"errors": [...], "hints": [...]} as JSON on stdout.
//
// Usage: node compose.mjs NAME=SDL_FILE NAME=SDL_FILE ...
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((argument) => {
  const separator = argument.indexOf("=");
  if (separator < 1) {
    throw new Error(`expected NAME=SDL_FILE, got ${argument}`);
  }
  const name = argument.slice(0, separator);
  const file = argument.slice(separator + 1);
  return {
    name,
    url: `http://${name}.subgraph.invalid/graphql`,
    typeDefs: parse(readFileSync(file, "utf8")),
  };
});

const result = composeServices(services);
const report = {
  errors: (result.errors ?? []).map((error) => ({
    code: error.extensions?.code ?? null,
    message: error.message,
  })),
  hints: (result.hints ?? []).map((hint) => ({
    code: hint.definition?.code ?? null,
    message: hint.message,
  })),
  supergraph: result.errors ? null : result.supergraphSdl,
};
process.stdout.write(JSON.stringify(report));
