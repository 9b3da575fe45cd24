"""What the Compose schema cannot see in compose.yaml: references that lead
nowhere and the platform's own rules. Exit 1 with every problem listed.

- every `depends_on` names a service, every named volume is declared;
- only the gateway is published beyond the host's loopback;
- every long-running service (one with a restart policy) has a memory limit.
"""
import sys

import yaml


def problems(compose):
    services = compose.get("services", {})
    volumes = set(compose.get("volumes", {}) or {})
    found = []
    for name, service in services.items():
        for dependency in service.get("depends_on", {}) or {}:
            if dependency not in services:
                found.append(f"{name}: depends on unknown service {dependency!r}")
        for volume in service.get("volumes", []) or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/")) and source not in volumes:
                found.append(f"{name}: volume {source!r} is not declared")
        for port in service.get("ports", []) or []:
            published = str(port)
            if name != "gateway" and not published.startswith("127.0.0.1:"):
                found.append(f"{name}: port {published} is published beyond 127.0.0.1")
        # Long-running services restart; one-shot jobs (the bucket) do not.
        if "restart" in service:
            limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
            if "memory" not in limits:
                found.append(f"{name}: no memory limit")
    return found


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        listed = problems(yaml.safe_load(file))
    for problem in listed:
        print(problem)
    sys.exit(1 if listed else 0)
