// Validates KEDA objects (JSON, one array of documents) against the KEDA CRD
// schemas as packaged by @kubernetes-models/keda (npm), installed by
// scripts/validate-deploy into $KEDA_MODELS. Exits non-zero on any error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const models = await import(
  pathToFileURL(join(process.env.KEDA_MODELS, "node_modules/@kubernetes-models/keda/keda.sh/v1alpha1/index.js"))
);
const documents = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = false;
for (const document of documents) {
  const Model = models[document.kind];
  const name = `${document.kind}/${document.metadata?.name}`;
  if (!Model) {
    console.error(`${name}: no KEDA schema for this kind`);
    failed = true;
    continue;
  }
  try {
    new Model(document).validate();
  } catch (error) {
    console.error(`${name}: ${error.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
