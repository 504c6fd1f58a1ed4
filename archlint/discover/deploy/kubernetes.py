"""Kubernetes manifests: workloads, their containers and environment, the Services that
name them. Every YAML file that declares ``apiVersion`` and ``kind`` is read as plain YAML
(multi-document; kustomize bases and overlays alike); a Helm template (``{{ }}``) is
skipped with an AL007 note. ConfigMaps and Secrets (and kustomize generators) found anywhere
in the repository resolve ``envFrom`` and ``valueFrom``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from archlint.discover.deploy.loader import (
    DeployFileError,
    Reader,
    items,
    join,
    line_of,
    load_yaml,
    mapping,
    parent,
    within,
)
from archlint.discover.deploy.units import BuildRef, ContainerSpec, UnitSpec, env_value, parse_dotenv
from archlint.model.findings import Location

_API = re.compile(r"^\s*apiVersion\s*:", re.M)
_KIND = re.compile(r"^\s*kind\s*:", re.M)
_POD_TEMPLATE = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                 "DeploymentConfig", "Rollout"}
_KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def looks_like_manifest(head: str) -> bool:
    return bool(_API.search(head) and _KIND.search(head))


def is_kustomization(path: str) -> bool:
    return path.rpartition("/")[2] in _KUSTOMIZATION


@dataclass(slots=True)
class _Workload:
    kind: str
    name: str
    where: Location
    labels: dict[str, str]
    containers: list[dict[str, Any]]
    service_name: str | None = None
    container_lines: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Manifests:
    config_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    services: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    workloads: dict[tuple[str, str], _Workload] = field(default_factory=dict)
    artifacts: list[tuple[str, BuildRef]] = field(default_factory=list)


def kubernetes_specs(reader: Reader, paths: list[str], charts: list[str]) -> tuple[list[UnitSpec], list[tuple[str, BuildRef]]]:
    """Workloads of the manifests in ``paths``, and the images skaffold builds from the
    repository (image, build). Templates of the Helm charts in ``charts`` (directories
    holding a Chart.yaml) are not read: one AL007 note per chart."""
    found = _Manifests()
    skipped: dict[str, int] = {}
    # the shallowest declaration first: a base before its overlays, kubernetes-manifests/
    # before extras/cloudsql/kubernetes-manifests/
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        chart = next((c for c in charts if within(path, join(c, "templates") or c)), None)
        if chart is not None:
            skipped[chart] = skipped.get(chart, 0) + 1
            continue
        text = reader.read(path)
        if text is None:
            continue
        try:
            docs = load_yaml(text)
        except DeployFileError as exc:
            if "{{" in text:
                line = text[: text.index("{{")].count("\n") + 1
                reader.template_skipped(path, line, f"{path}: a Go template ({{{{ }}}}), not read")
            else:
                reader.error(path, exc.line, str(exc))
            continue
        for doc in docs:
            if is_kustomization(path) or (isinstance(doc, dict) and doc.get("kind") == "Kustomization"):
                _generators(reader, path, doc, found)
            elif isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("skaffold/"):
                _skaffold(path, doc, found)
            else:
                _document(path, doc, found)
    for chart, count in sorted(skipped.items()):
        # at the chart's Chart.yaml: a file, which code scanning can show (not a directory)
        reader.template_skipped(join(chart, "Chart.yaml"), 0, f"Helm chart {chart}: {count} template file(s) not read "
                                          "(Go templates are YAML only once rendered)")
    specs = [_spec(w, found) for _, w in sorted(found.workloads.items(), key=lambda kv: (kv[1].where.path, kv[1].where.line))]
    return specs, found.artifacts


# skaffold builders that need no Dockerfile; jib names the project inside the context
_SKAFFOLD_BUILDERS = ("jib", "buildpacks", "ko", "bazel", "custom")


def _skaffold(path: str, doc: dict[str, Any], found: _Manifests) -> None:
    """skaffold's build artifacts, also those of its profiles: which directory each image
    is built from. An image jib, buildpacks or ko build has no Dockerfile: its directory
    is its code (a Java or Go service of the system)."""
    builds = [doc.get("build")] + [mapping(p).get("build") for p in items(doc.get("profiles"))]
    for build in (b for b in builds if isinstance(b, dict)):
        for artifact in items(build.get("artifacts")):
            if not isinstance(artifact, dict) or not artifact.get("image"):
                continue
            context = join(parent(path), str(artifact.get("context") or "."))
            if not context:
                continue
            builder = next((b for b in _SKAFFOLD_BUILDERS if isinstance(artifact.get(b), dict)), None)
            if builder == "jib" and artifact["jib"].get("project"):
                context = join(context, str(artifact["jib"]["project"])) or context
            docker = artifact.get("docker") if isinstance(artifact.get("docker"), dict) else {}
            dockerfile = join(context, str(docker.get("dockerfile") or "Dockerfile"))
            if dockerfile:
                target = docker.get("target")
                found.artifacts.append((str(artifact["image"]), BuildRef(dockerfile, context, str(target) if target else None)))


def _document(path: str, doc: Any, found: _Manifests) -> None:
    if not isinstance(doc, dict):
        return
    kind = doc.get("kind")
    if kind == "List" or (isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list)):
        for item in items(doc.get("items")):
            _document(path, item, found)
        return
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = str(metadata.get("name") or "")
    if not isinstance(kind, str) or not name:
        return
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    if kind == "ConfigMap":
        data = {str(k): v for k, v in mapping(doc.get("data")).items() if env_value(v) is not None}
        found.config_maps.setdefault(name, {}).update({k: str(env_value(v)) for k, v in data.items()})
    elif kind == "Secret":
        values = found.secrets.setdefault(name, {})
        for key, value in mapping(doc.get("data")).items():
            try:
                values[str(key)] = base64.b64decode(str(value), validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                continue
        for key, value in mapping(doc.get("stringData")).items():
            if env_value(value) is not None:
                values[str(key)] = str(env_value(value))
    elif kind == "Service" and "serving.knative.dev" in str(doc.get("apiVersion", "")):
        _workload(path, doc, "KnativeService", name, spec.get("template"), None, found)
    elif kind == "Service":
        selector = spec.get("selector")
        if isinstance(selector, dict) and selector:
            found.services.append((name, {str(k): str(v) for k, v in selector.items()}))
    elif kind in _POD_TEMPLATE:
        service_name = spec.get("serviceName") if kind == "StatefulSet" else None
        _workload(path, doc, kind, name, spec.get("template"), service_name, found)
    elif kind == "CronJob":
        job = spec.get("jobTemplate") if isinstance(spec.get("jobTemplate"), dict) else {}
        job_spec = job.get("spec") if isinstance(job.get("spec"), dict) else {}
        _workload(path, doc, kind, name, job_spec.get("template"), None, found)
    elif kind == "Pod":
        _workload(path, doc, kind, name, {"metadata": metadata, "spec": spec}, None, found)


def _workload(path: str, doc: dict[str, Any], kind: str, name: str, template: Any,
              service_name: Any, found: _Manifests) -> None:
    if not isinstance(template, dict):
        return
    pod = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    containers = [c for c in items(pod.get("containers")) if isinstance(c, dict) and c.get("name")]
    if not containers:
        return  # a patch (replicas, resources) or an empty template
    meta = template.get("metadata") if isinstance(template.get("metadata"), dict) else {}
    labels = {str(k): str(v) for k, v in mapping(meta.get("labels")).items()}
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    where = Location(path, line_of(metadata, "name", line_of(doc)), f"{kind} {name}")
    key = (kind, name)
    existing = found.workloads.get(key)
    if existing is None:
        found.workloads[key] = _Workload(kind, name, where, labels, containers,
                                         str(service_name) if service_name else None)
        return
    by_name = {c.get("name"): c for c in existing.containers}  # an overlay: add its environment
    for container in containers:
        base = by_name.get(container.get("name"))
        if base is not None:
            base["env"] = [*items(base.get("env")), *items(container.get("env"))]
            base["envFrom"] = [*items(base.get("envFrom")), *items(container.get("envFrom"))]


def _generators(reader: Reader, path: str, doc: Any, found: _Manifests) -> None:
    """kustomize's configMapGenerator / secretGenerator: literals and env files."""
    if not isinstance(doc, dict):
        return
    here = parent(path)
    for key, target in (("configMapGenerator", found.config_maps), ("secretGenerator", found.secrets)):
        for generator in items(doc.get(key)):
            if not isinstance(generator, dict) or not generator.get("name"):
                continue
            values = target.setdefault(str(generator["name"]), {})
            for literal in items(generator.get("literals")):
                name, eq, value = str(literal).partition("=")
                if eq:
                    values[name] = value
            env_files = items(generator.get("envs")) + ([generator["env"]] if generator.get("env") else [])
            for env_file in env_files:
                full = join(here, str(env_file))
                text = reader.read(full, required=False) if full and reader.exists(full) else None
                if text:
                    values.update(parse_dotenv(text))


_DEPENDENT = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _environment(container: dict[str, Any], found: _Manifests) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in items(container.get("envFrom")):
        if not isinstance(source, dict):
            continue
        prefix = str(source.get("prefix") or "")
        for key, table in (("configMapRef", found.config_maps), ("secretRef", found.secrets)):
            ref = source.get(key)
            if isinstance(ref, dict) and ref.get("name") in table:
                env.update({prefix + k: v for k, v in table[str(ref["name"])].items()})
    for item in items(container.get("env")):
        if not isinstance(item, dict) or not item.get("name"):
            continue
        name = str(item["name"])
        value = env_value(item.get("value"))
        ref = item.get("valueFrom") if isinstance(item.get("valueFrom"), dict) else {}
        for key, table in (("configMapKeyRef", found.config_maps), ("secretKeyRef", found.secrets)):
            selector = ref.get(key)
            if isinstance(selector, dict):
                value = table.get(str(selector.get("name")), {}).get(str(selector.get("key")))
        if value is not None:
            env[name] = _DEPENDENT.sub(lambda m: env.get(m.group(1), m.group(0)), value)
    return env


def _command(value: Any) -> list[str] | None:
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


def _spec(workload: _Workload, found: _Manifests) -> UnitSpec:
    hosts = {workload.name}
    if workload.service_name:
        hosts.add(workload.service_name)
    for name, selector in found.services:
        if all(workload.labels.get(k) == v for k, v in selector.items()):
            hosts.add(name)
    single = len(workload.containers) == 1
    containers = []
    for container in workload.containers:
        has_command = container.get("command") is not None or container.get("args") is not None
        containers.append(
            ContainerSpec(
                name=workload.name if single else str(container["name"]),
                where=workload.where,
                image=str(container["image"]) if container.get("image") else None,
                command=_command(container.get("args")),
                entrypoint=_command(container.get("command")),
                command_where=Location(workload.where.path, line_of(container, "command", line_of(container, "args")),
                                       f"{workload.where.note} {'command' if container.get('command') else 'args'}")
                if has_command else None,
                env=_environment(container, found),
                working_dir=str(container["workingDir"]) if container.get("workingDir") else None,
            )
        )
    return UnitSpec(workload.name, "kubernetes", workload.where, containers, hosts=tuple(sorted(hosts)))
