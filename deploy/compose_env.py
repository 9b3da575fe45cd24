"""The binary and environment compose.yaml gives each of the platform's
services, as `docker compose config` would render them, without a container
engine: merge keys resolved and ${VAR}, ${VAR:-default}, ${VAR-default},
${VAR:?error}, ${VAR?error} and $$ interpolated from an env file (KEY=VALUE
lines, as .env).

    python deploy/compose_env.py compose.yaml .env
    # {"gateway": {"binary": "gateway", "port": 8080, "environment": {...}}, ...}

`port` is the build's PORT, which the image's HEALTHCHECK asks.

Only services built from this repository (those with `build:`) are listed.
Exit 1 naming the variable when a required one is unset or empty.
"""
import json
import re
import sys

import yaml

REFERENCE = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\})")


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


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        compose = yaml.safe_load(file)
    print(json.dumps(environments(compose, read_env_file(sys.argv[2]))))
