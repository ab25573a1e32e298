// node validate.mjs SCHEMA.json DOC.json...: validates each document against
// the JSON Schema with ajv, draft-04 (the SARIF 2.1.0 schema) or draft-07
// (infrac's fleet schema) as its "$schema" says; prints "ok FILE" or
// "bad FILE: errors" per document; exit 1 if any is invalid.
import Ajv04 from "ajv-draft-04";
import Ajv07 from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";

const [schemaPath, ...docs] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const Ajv = String(schema.$schema || "").includes("draft-04") ? Ajv04 : Ajv07;
// unicodeRegExp: false: the 2.1.0 schema's "language" pattern has a stray ']'
// that a /u regular expression refuses. The formats (uri, uri-reference,
// date-time) are checked: they are where a percent-encoding slip shows.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
let bad = 0;
for (const d of docs) {
  if (validate(JSON.parse(readFileSync(d, "utf8")))) {
    console.log(`ok ${d}`);
  } else {
    bad++;
    console.log(`bad ${d}: ${ajv.errorsText(validate.errors)}`);
  }
}
process.exit(bad ? 1 : 0);
