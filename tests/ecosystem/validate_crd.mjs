// node validate_crd.mjs CRD.yaml... -- DOC.yaml...: validates every YAML
// document of the DOC files whose apiVersion and kind a CRD defines against
// that CRD version's openAPIV3Schema with ajv (Kubernetes' structural schema
// is JSON Schema plus x-kubernetes-* annotations and int32/int64 formats,
// which ajv is told about); prints "ok FILE KIND" or "bad FILE KIND: errors";
// exit 1 if any document is invalid or of a kind no CRD defines.
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const args = process.argv.slice(2);
const sep = args.indexOf("--");
const crds = args.slice(0, sep), docs = args.slice(sep + 1);
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });
for (const k of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-list-type",
                 "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
                 "x-kubernetes-embedded-resource"])
  ajv.addKeyword(k);
const validators = {};
for (const f of crds) {
  const crd = parseAllDocuments(readFileSync(f, "utf8"))[0].toJS();
  for (const v of crd.spec.versions)
    validators[`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`] = ajv.compile(v.schema.openAPIV3Schema);
}
let bad = 0;
for (const d of docs)
  for (const doc of parseAllDocuments(readFileSync(d, "utf8"))) {
    const o = doc.toJS();
    const key = `${o.apiVersion} ${o.kind}`;
    const validate = validators[key];
    if (!validate) { bad++; console.log(`bad ${d} ${o.kind}: no CRD defines ${key}`); continue; }
    if (validate(o)) console.log(`ok ${d} ${o.kind}`);
    else { bad++; console.log(`bad ${d} ${o.kind}: ${ajv.errorsText(validate.errors)}`); }
  }
process.exit(bad ? 1 : 0);
