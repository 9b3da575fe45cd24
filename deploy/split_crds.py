"""Splits rendered manifests: KEDA objects (keda.sh) to a JSON array for
deploy/check_keda.mjs, everything else to YAML for kubernetes-validate.
Usage: split_crds.py RENDERED CORE_YAML KEDA_JSON"""
import json
import sys

import yaml

rendered, core_path, keda_path = sys.argv[1:4]
with open(rendered) as source:
    documents = [document for document in yaml.safe_load_all(source) if document]
keda = [d for d in documents if str(d.get("apiVersion", "")).startswith("keda.sh/")]
core = [d for d in documents if d not in keda]
with open(core_path, "w") as out:
    yaml.safe_dump_all(core, out, sort_keys=False)
with open(keda_path, "w") as out:
    json.dump(keda, out)
