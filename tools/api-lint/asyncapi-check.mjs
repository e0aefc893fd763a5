// Validates an AsyncAPI document with the AsyncAPI Initiative's own parser (its JSON Schema and
// Spectral rules): prints each diagnostic, exits 1 on any error.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const path = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"));
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) {
  console.log(`${["error", "warning", "info", "hint"][d.severity]} ${d.code} ${d.path.join(".")}: ${d.message}`);
}
console.log(`[api-lint] asyncapi parser: ${errors.length} errors, ${diagnostics.length - errors.length} other` +
  (document ? `, ${document.channels().length} channels, ${document.messages().length} messages` : ""));
process.exit(errors.length || !document ? 1 : 0);
