"""What the repository deploys: deploy units read from its deploy files (docs/services.md).

``discover_deploy`` picks deploy files out of the scanned tree by name (compose files,
Dockerfiles, Procfiles, serverless.yml, .chalice/config.json, function.json, app.yaml,
project files) and by a look at the first bytes of other YAML / JSON files (Kubernetes
manifests, SAM and CloudFormation templates), reads each once, and returns the units with
the findings about files it could not use. Nothing is executed; only deploy files are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archlint.discover.deploy.buildscripts import built_images, is_build_script
from archlint.discover.deploy.cloudformation import looks_like_template, template_units
from archlint.discover.deploy.compose import compose_specs, is_compose
from archlint.discover.deploy.dockerfile import Dockerfile, is_dockerfile, parse_dockerfile
from archlint.discover.deploy.functions import (
    appengine_unit,
    azure_units,
    chalice_unit,
    gcloud_units,
    is_app_yaml,
    is_chalice_config,
)
from archlint.discover.deploy.kubernetes import is_kustomization, kubernetes_specs, looks_like_manifest
from archlint.discover.deploy.loader import Reader, parent
from archlint.discover.deploy.procfile import is_procfile, procfile_unit
from archlint.discover.deploy.scripts import is_project_file, project_dirs, scripts_unit
from archlint.discover.deploy.serverless import is_serverless, serverless_units
from archlint.discover.deploy.units import BuildRef, Builds, ContainerSpec, UnitSpec, read_dotenv, resolve_unit
from archlint.model.findings import Finding, Location
from archlint.model.system import DEPLOY_KINDS, DeployUnit

LAMBDA_KINDS = ("serverless", "sam", "cloudformation", "chalice")
_SNIFF_YAML = 16_384  # bytes read to tell a manifest or template from other YAML
_SNIFF_JSON = 4_096
_NOT_DEPLOY = {
    ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "mkdocs.yml", "mkdocs.yaml", ".readthedocs.yml",
    ".readthedocs.yaml", "codecov.yml", ".codecov.yml", "environment.yml", "environment.yaml", ".gitlab-ci.yml",
    "dependabot.yml", ".travis.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml", "package.json",
    "package-lock.json", "tsconfig.json", "composer.json", "Chart.yaml", "values.yaml", "host.json",
    "local.settings.json", "function.json", ".markdownlint.yaml", ".yamllint.yaml", "renovate.json",
}
_DOTENV_NAMES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults", ".env")


@dataclass(slots=True)
class DeployScan:
    """What discovery learned from deploy files. ``import_roots`` are directories a
    deployment puts on sys.path (a Lambda's code directory, a layer's python/);
    ``layers`` which of them each code directory sees beside its own (the layers its
    functions carry); ``dotenv`` the values of each directory's .env files (.env over
    .env.example)."""

    units: list[DeployUnit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    import_roots: tuple[str, ...] = ()
    layers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dotenv: dict[str, dict[str, str]] = field(default_factory=dict)


def _name(path: str) -> str:
    return path.rpartition("/")[2]


# Hidden directories hold tooling (.github, .devcontainer, .vscode) and build output
# (.aws-sam, .serverless), not deployments; these few hold deployments.
_DEPLOY_DIRS = frozenset({".chalice", ".docker", ".deploy", ".deployment", ".k8s", ".kubernetes", ".helm"})
_BUILD_OUTPUT = frozenset({"cdk.out"})


_BY_NAME = (  # (test on the path, group): deploy files known by their names
    (is_compose, "compose"),
    (is_dockerfile, "docker"),
    (is_procfile, "procfile"),
    (is_serverless, "serverless"),
    (is_chalice_config, "chalice"),
    (lambda path: _name(path) == "function.json", "function"),
    (lambda path: _name(path) == "host.json", "host"),
    (is_project_file, "project"),
    (is_kustomization, "kubernetes"),
    (is_app_yaml, "appengine"),
)


def _hidden(path: str) -> bool:
    """True for files in hidden directories other than _DEPLOY_DIRS, and in build output."""
    parts = path.split("/")[:-1]
    return any((part.startswith(".") and part not in _DEPLOY_DIRS) or part in _BUILD_OUTPUT for part in parts)


def discover_deploy(root: str, files: list[str], python: list[str], max_size: int) -> DeployScan:
    reader = Reader(root, sorted(files), sorted(python), max_size)
    groups: dict[str, list[str]] = {k: [] for k in ("compose", "docker", "procfile", "serverless", "chalice",
                                                      "function", "host", "appengine", "scripts", "project",
                                                      "kubernetes", "template")}
    for path in reader.files:
        name = _name(path)
        if is_build_script(path) or (name.startswith("cloudbuild") and name.endswith((".yaml", ".yml", ".json"))):
            groups["scripts"].append(path)  # CI workflows too: they build images and deploy functions
        if _hidden(path):
            continue
        group = next((group for test, group in _BY_NAME if test(path)), None)
        if group is not None:
            groups[group].append(path)
        else:
            _sniff(reader, path, groups)
    groups["project"] += [p for p in reader.python if _name(p) == "setup.py"]
    charts = sorted((parent(p) for p in reader.files if _name(p) == "Chart.yaml"), key=len, reverse=True)
    groups["kubernetes"] += [p for p in reader.files if p.endswith((".yaml", ".yml")) and p not in groups["kubernetes"]
                             and any(p.startswith(f"{c}/templates/" if c != "." else "templates/") for c in charts)]

    units = _container_units(reader, groups, charts)
    for path in groups["procfile"]:
        units += _guarded(reader, path, procfile_unit, path)
    for path in groups["appengine"]:
        units += _guarded(reader, path, appengine_unit, path)
    for path in groups["serverless"]:
        units += _guarded(reader, path, serverless_units, path)
    for path in groups["template"]:
        units += _guarded(reader, path, _template_file, path)
    for path in groups["chalice"]:
        units += _guarded(reader, path, chalice_unit, path)
    if groups["function"] or groups["host"]:
        units += _guarded(reader, (groups["function"] or groups["host"])[0], azure_units, groups["function"], groups["host"])
    for path in groups["scripts"]:
        units += _guarded(reader, path, gcloud_units, path)
    for directory, paths in sorted(project_dirs(groups["project"]).items()):
        units += _guarded(reader, paths[0], scripts_unit, directory, paths)

    units = _unique_names(units)
    roots, layers = _import_roots(reader, units)
    return DeployScan(
        units=sorted(units, key=lambda u: u.name),
        findings=sorted(reader.findings, key=Finding.sort_key),
        import_roots=roots,
        layers=layers,
        dotenv=_dotenv(reader),
    )


def _guarded(reader: Reader, path: str, read: Callable[..., Any], *args: Any) -> list[Any]:
    """What one reader makes of its file(s); a bug in archlint on one file costs that file
    (an AL004 finding), never the scan."""
    try:
        found = read(reader, *args)
    except Exception as exc:  # noqa: BLE001 - whatever the bug, the rest of the report stands
        reader.internal_error(path, exc)
        return []
    if found is None:
        return []
    return list(found) if isinstance(found, (list, tuple)) else [found]


def _template_file(reader: Reader, path: str) -> list[DeployUnit]:
    if path.endswith(".json"):
        docs = [reader.json(path)]
    else:
        docs = reader.yaml(path) or []
    return [unit for doc in docs for unit in template_units(reader, path, doc)]


def _sniff(reader: Reader, path: str, groups: dict[str, list[str]]) -> None:
    """Kubernetes manifests and CloudFormation templates have no fixed names: look at the
    first bytes of YAML and JSON files that are not known to be something else."""
    name = _name(path)
    if name in _NOT_DEPLOY:
        return
    is_yaml = name.endswith((".yaml", ".yml", ".template"))
    if not is_yaml and not name.endswith(".json"):
        return
    head = reader.read(path, required=False, head=_SNIFF_YAML if is_yaml else _SNIFF_JSON)
    if not head:
        return
    if looks_like_template(head):
        groups["template"].append(path)
    elif is_yaml and looks_like_manifest(head):
        groups["kubernetes"].append(path)


def _container_units(reader: Reader, groups: dict[str, list[str]], charts: list[str]) -> list[DeployUnit]:
    """Compose services, Kubernetes workloads and Dockerfiles: images are matched to the
    in-repo builds that make them before any unit is resolved."""
    dockerfiles: dict[str, Dockerfile] = {}
    for path in groups["docker"]:
        text = reader.read(path)
        if text is not None:
            dockerfiles[path] = parse_dockerfile(path, text)
    builds = Builds(reader, dockerfiles)
    specs: list[UnitSpec] = []
    for directory, paths in sorted(project_dirs(groups["compose"]).items()):
        specs += _guarded(reader, paths[0], compose_specs, paths)
    contexts: dict[str, BuildRef] = {}
    for spec in specs:
        container = spec.containers[0]
        if container.build is not None:
            builds.register(container.image, spec.name, container.build)
            contexts.setdefault(container.build.dockerfile, container.build)
    found = _guarded(reader, (groups["kubernetes"] or [""])[0], kubernetes_specs, sorted(set(groups["kubernetes"])), charts)
    manifests, artifacts = found if found else ([], [])
    for path in groups["scripts"]:
        artifacts += _guarded(reader, path, built_images, path)
    for image, ref in artifacts:
        builds.register(image, None, ref)
        contexts.setdefault(ref.dockerfile, ref)
    specs += manifests
    units = [unit for spec in specs for unit in _guarded(reader, spec.where.path, resolve_unit, spec, builds)]
    for path, dockerfile in sorted(dockerfiles.items()):
        final = dockerfile.stage()
        if final is None:
            continue
        ref = contexts.get(path) or BuildRef(path, parent(path))
        where = Location(path, final.line, f"FROM {final.base}")
        spec = UnitSpec(path, "dockerfile", where, [ContainerSpec("main", where, build=ref)])
        units += _guarded(reader, path, resolve_unit, spec, builds)
    return units


def _unique_names(units: list[DeployUnit]) -> list[DeployUnit]:
    """Unit names are how services refer to units: the first (compose before Kubernetes
    before ..., then the shallowest file: kubernetes-manifests/ before
    extras/cloudsql/kubernetes-manifests/) keeps its name, later namesakes get their file
    added."""
    ordered = sorted(units, key=lambda u: (DEPLOY_KINDS.index(u.kind) if u.kind in DEPLOY_KINDS else 99,
                                           u.where.path.count("/"), u.where.path, u.where.line, u.name))
    seen: set[str] = set()
    for unit in ordered:
        name = unit.name
        if name in seen:
            name = f"{unit.name} ({unit.where.path})"
            if name in seen:
                name = f"{unit.name} ({unit.where.path}:{unit.where.line})"
        seen.add(name)
        unit.name = name
    return ordered


def _import_roots(reader: Reader, units: list[DeployUnit]) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Where a function platform runs code from: the code directory is the top of the
    import path (``/var/task``), a layer's ``python/`` directory too. A directory that is
    itself a package is left to the usual rules. Also, by code directory, the layer roots
    its functions see (a loose ``shared.py`` in a layer is importable from them alone)."""
    roots: set[str] = set()
    layers: dict[str, set[str]] = defaultdict(set)
    for unit in units:
        if unit.kind not in LAMBDA_KINDS or not unit.root:
            continue
        carried = [f"{layer}/python" if reader.is_dir(f"{layer}/python") else layer for layer in unit.copies_from]
        for candidate in [unit.root, *carried]:
            if candidate not in (".", "") and reader.is_dir(candidate) and not reader.exists(f"{candidate}/__init__.py"):
                roots.add(candidate)
                if candidate != unit.root:
                    layers[unit.root].add(candidate)
    return tuple(sorted(roots)), {root: tuple(sorted(seen)) for root, seen in sorted(layers.items())}


def _dotenv(reader: Reader) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name in _DOTENV_NAMES:  # examples first: the real .env wins
        for path in reader.files:
            if _name(path) == name:
                out.setdefault(parent(path), {}).update(read_dotenv(reader, path))
    return out


__all__ = ["DeployScan", "discover_deploy"]
