// node validate.mjs SCHEMA.json DOC.yaml...: parses each YAML document and
// validates it against the JSON Schema (draft-07) with ajv, formats checked;
// prints "ok FILE" or "bad FILE: errors"; exit 1 if any is invalid.
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parse } from "yaml";

const require = createRequire(import.meta.url);

const [schemaPath, ...docs] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// llama-swap's schema names draft-07 by its https address; ajv knows the
// same meta-schema by the http one: register it under both.
const draft07 = require("ajv/dist/refs/json-schema-draft-07.json");
ajv.addMetaSchema({ ...draft07, $id: "https://json-schema.org/draft-07/schema" });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
let bad = 0;
for (const d of docs) {
  const doc = parse(readFileSync(d, "utf8"));
  if (validate(doc)) {
    console.log(`ok ${d}`);
  } else {
    bad++;
    console.log(`bad ${d}: ${ajv.errorsText(validate.errors)}`);
  }
}
process.exit(bad ? 1 : 0);
