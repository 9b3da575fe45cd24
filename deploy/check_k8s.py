"""What the Kubernetes schemas cannot see in a rendered overlay: names and
ports that lead nowhere. Exit 1 with every problem listed.

- each container listens (PLATFORM__SERVER__PORT) on a port it declares,
  and its probes and `prometheus.io/port` annotation ask that port;
- each Service selects the pods of one Deployment and targets the port they
  listen on;
- each upstream URL of a ConfigMap (http://name:port) is a Service's port;
- autoscalers, ScaledObjects, disruption budgets, network policies and the
  Ingress refer to Deployments, pods and Service ports that exist, and the
  ports a network policy lets in are those its pods listen on.

Usage: check_k8s.py RENDERED_YAML
"""
import re
import sys

import yaml

UPSTREAM = re.compile(r"^http://([a-z0-9-]+):(\d+)")


def selects(selector, labels):
    return all(labels.get(key) == value for key, value in (selector or {}).items())


def problems(documents):
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document["kind"], []).append(document)
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    pod_labels = {name: d["spec"]["template"]["metadata"].get("labels", {}) for name, d in deployments.items()}
    found = []

    def container_ports(deployment):
        ports = {}
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for port in container.get("ports", []):
                ports[port["containerPort"]] = port["containerPort"]
                if "name" in port:
                    ports[port["name"]] = port["containerPort"]
        return ports

    declared = {name: container_ports(deployment) for name, deployment in deployments.items()}
    listening = {}

    def listened(deployment, port):
        """Whether `port` (a number or a name) is the one the Deployment's service listens on."""
        return declared[deployment].get(port) == listening[deployment]

    for name, deployment in deployments.items():
        ports = declared[name]
        template = deployment["spec"]["template"]
        for container in template["spec"]["containers"]:
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            listens = int(env.get("PLATFORM__SERVER__PORT") or 0)
            listening[name] = listens
            if listens not in ports.values():
                found.append(f"Deployment {name}: listens on {listens or 'no set port'}, declares {sorted(set(ports.values()))}")
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                port = container.get(probe, {}).get("httpGet", {}).get("port")
                if port is not None and not listened(name, port):
                    found.append(f"Deployment {name}: {probe} asks port {port}, the service listens on {listens}")
        annotated = template["metadata"].get("annotations", {}).get("prometheus.io/port")
        if annotated is not None and int(annotated) != listening[name]:
            found.append(f"Deployment {name}: prometheus.io/port {annotated}, the service listens on {listening[name]}")

    def service_port(service_name, port):
        service = services.get(service_name)
        if service is None:
            return f"no Service {service_name}"
        for declared in service["spec"].get("ports", []):
            if port in (declared.get("port"), declared.get("name")):
                return None
        return f"Service {service_name} has no port {port}"

    for name, service in services.items():
        selector = service["spec"].get("selector", {})
        targets = [d for d, labels in pod_labels.items() if selector and selects(selector, labels)]
        if len(targets) != 1:
            found.append(f"Service {name}: selects the pods of {len(targets)} Deployments, not one")
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            for deployment in targets:
                if not listened(deployment, target):
                    found.append(f"Service {name}: targets port {target}, Deployment {deployment} listens on {listening[deployment]}")

    for config_map in by_kind.get("ConfigMap", []):
        for key, value in (config_map.get("data") or {}).items():
            match = UPSTREAM.match(str(value))
            if key.startswith("GATEWAY__UPSTREAMS__") and match:
                problem = service_port(match.group(1), int(match.group(2)))
                if problem:
                    found.append(f"ConfigMap {config_map['metadata']['name']}: {key}={value}: {problem}")

    for kind in ("HorizontalPodAutoscaler", "ScaledObject"):
        for scaler in by_kind.get(kind, []):
            target = scaler["spec"]["scaleTargetRef"]["name"]
            if target not in deployments:
                found.append(f"{kind} {scaler['metadata']['name']}: no Deployment {target}")
    for budget in by_kind.get("PodDisruptionBudget", []):
        selector = budget["spec"]["selector"].get("matchLabels", {})
        if not any(selects(selector, labels) for labels in pod_labels.values()):
            found.append(f"PodDisruptionBudget {budget['metadata']['name']}: selects no pods")
    for policy in by_kind.get("NetworkPolicy", []):
        selectors = [policy["spec"]["podSelector"].get("matchLabels", {})]
        for rule in policy["spec"].get("ingress", []):
            selectors += [peer["podSelector"].get("matchLabels", {}) for peer in rule.get("from", []) if "podSelector" in peer]
        for selector in selectors:
            if not any(selects(selector, labels) for labels in pod_labels.values()):
                found.append(f"NetworkPolicy {policy['metadata']['name']}: {selector} selects no pods")
        # The ports let in must be the ones the selected pods listen on.
        guarded = [d for d, labels in pod_labels.items() if selects(selectors[0], labels)]
        for rule in policy["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                for deployment in guarded:
                    if not listened(deployment, port["port"]):
                        found.append(
                            f"NetworkPolicy {policy['metadata']['name']}: lets in port {port['port']}, "
                            f"Deployment {deployment} listens on {listening[deployment]}"
                        )
    for ingress in by_kind.get("Ingress", []):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                port = backend["port"].get("name", backend["port"].get("number"))
                problem = service_port(backend["name"], port)
                if problem:
                    found.append(f"Ingress {ingress['metadata']['name']}: {problem}")
    return found


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        listed = problems([document for document in yaml.safe_load_all(file) if document])
    for problem in listed:
        print(problem)
    sys.exit(1 if listed else 0)
