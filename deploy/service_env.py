"""The binary, port and environment each of the platform's services gets,
without a container engine or a cluster, as JSON:
{"gateway": {"binary": "gateway", "port": 8080, "environment": {...}}, ...}

    python deploy/service_env.py compose compose.yaml .env
    python deploy/service_env.py kubernetes RENDERED_OVERLAY_YAML

compose: as `docker compose config` would render it, merge keys resolved and
${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$
interpolated from the env file (KEY=VALUE lines); the services built from
this repository (with `build:`), `port` being the build's PORT, which the
image's HEALTHCHECK asks. Exit 1 naming a required variable left unset.

kubernetes: each Deployment's first container, its environment being the
ConfigMaps and Secrets of its `envFrom` then its own `env`; the binary is the
image's name, `port` its PLATFORM__SERVER__PORT.
"""
import base64
import json
import re
import sys

import yaml

# $$, or ${NAME} with an optional :-, -, :? or ? part; any other $ is refused
# (unbraced $NAME, :+, nesting) rather than passed on as text.
REFERENCE = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^${}]*))?\}|)")


def read_env_file(path):
    values = {}
    with open(path) as file:
        for line in file:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                values[name.strip()] = value.strip()
    return values


def interpolate(text, values):
    def replace(match):
        escaped, name, colon, operator, argument = match.groups()
        if escaped:
            return "$"
        if name is None:
            sys.exit(f"unsupported interpolation in {text!r}")
        value = values.get(name)
        missing = value is None or (colon and value == "")
        if operator == "-":
            return argument if missing else value
        if operator == "?" and missing:
            sys.exit(f"{name}: {argument or 'required'}")
        return value or ""

    return REFERENCE.sub(replace, text)


def environments(compose, values):
    rendered = {}
    for name, service in compose["services"].items():
        if "build" not in service:
            continue
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(entry.split("=", 1) for entry in environment)
        rendered[name] = {
            "binary": service["build"]["args"]["BIN"],
            "port": int(service["build"]["args"]["PORT"]),
            "environment": {key: interpolate(str(value), values) for key, value in environment.items()},
        }
    return rendered


def deployments(documents):
    sources = {}
    for document in documents:
        if document["kind"] == "ConfigMap":
            sources[("configMapRef", document["metadata"]["name"])] = document.get("data") or {}
        elif document["kind"] == "Secret":
            data = {key: base64.b64decode(value).decode() for key, value in (document.get("data") or {}).items()}
            sources[("secretRef", document["metadata"]["name"])] = {**data, **(document.get("stringData") or {})}
    rendered = {}
    for document in documents:
        if document["kind"] != "Deployment":
            continue
        container = document["spec"]["template"]["spec"]["containers"][0]
        environment = {}
        for source in container.get("envFrom", []):
            (reference, target), = source.items()
            environment.update(sources[(reference, target["name"])])
        for entry in container.get("env", []):
            if "value" not in entry:
                sys.exit(f"{document['metadata']['name']}: {entry['name']} is not a plain value")
            environment[entry["name"]] = entry["value"]
        rendered[document["metadata"]["name"]] = {
            "binary": container["image"].split("@")[0].rsplit("/", 1)[-1].split(":")[0],
            "port": int(environment["PLATFORM__SERVER__PORT"]),
            "environment": environment,
        }
    return rendered


if __name__ == "__main__":
    kind, path = sys.argv[1:3]
    with open(path) as file:
        if kind == "compose":
            listed = environments(yaml.safe_load(file), read_env_file(sys.argv[3]))
        else:
            listed = deployments([document for document in yaml.safe_load_all(file) if document])
    print(json.dumps(listed))
