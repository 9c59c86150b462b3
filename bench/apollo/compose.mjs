// Composes the two administrations' subgraph SDLs into a supergraph, as Apollo Router or
// Apollo Gateway would:  node compose.mjs OUT.graphql US=URL=SDL_FILE UZ=URL=SDL_FILE
//
// Apollo Gateway refuses a supergraph that links the SECURITY features @authenticated and
// @requiresScopes (only Apollo Router enforces them), so they are taken out of the subgraph
// SDLs here. Nothing is lost for the comparison: each subgraph verifies the forwarded token
// and applies its owner's policy itself, whoever is in front of it.
import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { Kind, parse, visit } from "graphql";

const SECURITY = new Set(["authenticated", "requiresScopes"]);

function withoutSecurityDirectives(document) {
  return visit(document, {
    Directive(node) {
      return SECURITY.has(node.name.value) ? null : undefined;
    },
    Argument(node, _key, _parent, _path, ancestors) {
      // @link(import: [...]): drop the two directives from the imported names.
      const directive = ancestors[ancestors.length - 1];
      if (directive?.kind !== Kind.DIRECTIVE || directive.name.value !== "link") return undefined;
      if (node.name.value !== "import" || node.value.kind !== Kind.LIST) return undefined;
      const values = node.value.values.filter(
        (value) => !(value.kind === Kind.STRING && SECURITY.has(value.value.replace(/^@/, ""))),
      );
      return { ...node, value: { ...node.value, values } };
    },
  });
}

const [out, ...subgraphs] = process.argv.slice(2);
const services = subgraphs.map((argument) => {
  const [name, url, file] = argument.split("=");
  return { name, url, typeDefs: withoutSecurityDirectives(parse(readFileSync(file, "utf8"))) };
});
const result = composeServices(services);
if (result.errors && result.errors.length) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
for (const hint of result.hints ?? []) console.error(`hint: ${hint.definition.code}`);
console.log(`composed ${services.map((s) => s.name).join(" + ")} into ${out}`);
