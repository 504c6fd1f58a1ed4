"""docker compose files: the services of each compose project, with overrides merged.

A project is a directory's compose files: the base file (compose.yaml, compose.yml,
docker-compose.yaml or docker-compose.yml, the first found), then its override
(``*.override.y(a)ml``) merged over it as ``docker compose up`` does, then other variants
(``docker-compose.prod.yml``) which add services and settings but do not replace a command
the base already gives. ``include:`` and ``extends:`` are followed; ``${VAR:-default}`` is
interpolated from the project's ``.env``.
"""

from __future__ import annotations

import re
from typing import Any

from archlint.discover.deploy.loader import LineDict, Reader, join, line_of, parent
from archlint.discover.deploy.units import BuildRef, ContainerSpec, UnitSpec, env_mapping, env_value, read_dotenv
from archlint.model.findings import Location

BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_COMPOSE = re.compile(r"^(docker-)?compose(\.[\w.-]+)?\.ya?ml$")
_LIST_KEYS = ("env_file", "profiles", "hosts", "mounts", "depends_on", "links")
_MAX_EXTENDS = 5


def is_compose(path: str) -> bool:
    return bool(_COMPOSE.match(path.rpartition("/")[2]))


def _is_override(path: str) -> bool:
    return ".override." in path.rpartition("/")[2]


def _order(paths: list[str]) -> list[str]:
    names = {p.rpartition("/")[2]: p for p in paths}
    base = next((names[n] for n in BASE_NAMES if n in names), None)
    rest = sorted(p for p in paths if p != base)
    overrides = [p for p in rest if _is_override(p)]
    variants = [p for p in rest if not _is_override(p)]
    return ([base] if base else []) + overrides + variants


def compose_specs(reader: Reader, paths: list[str]) -> list[UnitSpec]:
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        by_dir.setdefault(parent(path), []).append(path)
    specs: list[UnitSpec] = []
    for directory, files in sorted(by_dir.items()):
        project = _Project(reader, directory)
        for i, path in enumerate(_order(files)):
            project.load(path, variant=i > 0 and not _is_override(path))
        specs += project.specs()
    return specs


_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose variable interpolation; unset variables without a default become ''."""

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        op, word = match.group(2), match.group(3) or ""
        value = values.get(name)
        if op in (":-", "-"):
            use_default = value is None or (op == ":-" and value == "")
            return interpolate(word, values) if use_default else value or ""
        if op in (":+", "+"):
            return interpolate(word, values) if value else ""
        return value or ""

    return _INTERPOLATION.sub(sub, text)


def _interpolate_tree(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return interpolate(value, values) if "$" in value else value
    if isinstance(value, dict):
        out = LineDict({k: _interpolate_tree(v, values) for k, v in value.items()})
        if isinstance(value, LineDict):
            out.line, out.lines = value.line, value.lines
        return out
    if isinstance(value, list):
        return [_interpolate_tree(v, values) for v in value]
    return value


class _Project:
    """One directory's compose files, merged into one set of services."""

    def __init__(self, reader: Reader, directory: str) -> None:
        self.reader = reader
        self.directory = directory
        self.values = read_dotenv(reader, join(directory, ".env"), example=True)
        self.services: dict[str, dict[str, Any]] = {}
        self._loaded: set[str] = set()

    def _document(self, path: str) -> dict[str, Any] | None:
        docs = self.reader.yaml(path)
        if not docs:
            return None
        doc = docs[0]
        if not isinstance(doc, dict):
            self.reader.error(path, 1, "not a compose file: the document is not a mapping")
            return None
        return _interpolate_tree(doc, self.values)

    def load(self, path: str, *, variant: bool, depth: int = 0) -> None:
        if path in self._loaded or depth > 3:
            return
        self._loaded.add(path)
        doc = self._document(path)
        if doc is None:
            return
        for include in _as_list(doc.get("include")):
            targets = include.get("path") if isinstance(include, dict) else include
            for target in _as_list(targets):
                full = join(parent(path), str(target))
                if full and self.reader.exists(full):
                    self.load(full, variant=variant, depth=depth + 1)
        services = doc.get("services")
        if services is None and "version" not in doc:  # the version-1 format: services at the top
            services = LineDict({k: v for k, v in doc.items() if isinstance(v, dict) and ("image" in v or "build" in v)})
        if not isinstance(services, dict):
            if services is not None:
                self.reader.error(path, line_of(doc, "services"), "services: expected a mapping")
            return
        for name, raw in services.items():
            if not isinstance(raw, dict):
                continue
            service = self._canonical(str(name), raw, path, line_of(services, name, 1), services, 0)
            if name in self.services:
                self.services[str(name)] = _merge(self.services[str(name)], service, keep_command=variant)
            else:
                self.services[str(name)] = service

    def _canonical(self, name: str, raw: dict[str, Any], path: str, line: int,
                   siblings: dict[str, Any], depth: int) -> dict[str, Any]:
        """A service with every path resolved against its own file's directory."""
        here = parent(path)
        out: dict[str, Any] = {"path": path, "line": line}
        extends = raw.get("extends")
        if extends is not None and depth < _MAX_EXTENDS:
            base = self._extended(extends, here, siblings, depth)
            if base is not None:
                out = _merge(base, {}, keep_command=False)
                out["path"], out["line"] = path, line
        if raw.get("image") is not None:
            out["image"] = str(raw["image"])
        build = raw.get("build")
        if isinstance(build, str):
            build = {"context": build}
        if isinstance(build, dict):
            context = join(here, str(build.get("context") or "."))
            if context is not None:
                inline = build.get("dockerfile_inline")
                dockerfile = join(context, str(build.get("dockerfile") or "Dockerfile"))
                target = build.get("target")
                out["build"] = BuildRef(
                    dockerfile or f"{context}/Dockerfile", context, str(target) if target else None,
                    str(inline) if isinstance(inline, str) else None, tuple(sorted(env_mapping(build.get("args")).items())),
                )
        for key in ("command", "entrypoint"):
            value = raw.get(key)
            if isinstance(value, list):
                value = [str(part) for part in value if part is not None]
            if isinstance(value, (str, list)):
                out[key] = value
                out[f"{key}_at"] = (path, line_of(raw, key, line))
        if "environment" in raw:
            out["environment"] = _environment(raw["environment"])
        files = []
        for item in _as_list(raw.get("env_file")):
            rel = item.get("path") if isinstance(item, dict) else item
            full = join(here, str(rel)) if rel else None
            if full:
                files.append(full)
        if files:
            out["env_file"] = files
        depends = raw.get("depends_on")
        if depends:
            out["depends_on"] = [str(d) for d in (depends if isinstance(depends, (list, dict)) else [depends])]
        links = [str(link) for link in _as_list(raw.get("links"))]
        if links:
            out["links"] = links
        profiles = [str(p) for p in _as_list(raw.get("profiles"))]
        if profiles:
            out["profiles"] = profiles
        hosts = [str(raw[k]) for k in ("hostname", "container_name") if raw.get(k)]
        networks = raw.get("networks")
        if isinstance(networks, dict):
            for config in networks.values():
                if isinstance(config, dict):
                    hosts += [str(a) for a in _as_list(config.get("aliases"))]
        if hosts:
            out["hosts"] = hosts
        mounts = self._mounts(raw.get("volumes"), here)
        if mounts:
            out["mounts"] = mounts
        if raw.get("working_dir"):
            out["working_dir"] = str(raw["working_dir"])
        return out

    def _extended(self, extends: Any, here: str, siblings: dict[str, Any], depth: int) -> dict[str, Any] | None:
        if isinstance(extends, str):
            extends = {"service": extends}
        if not isinstance(extends, dict) or not extends.get("service"):
            return None
        target = str(extends["service"])
        path = join(here, str(extends["file"])) if extends.get("file") else None
        services = siblings
        source = None
        if path:
            doc = self._document(path) if self.reader.exists(path) else None
            services = doc.get("services") if doc else None
            source = path
        if not isinstance(services, dict) or not isinstance(services.get(target), dict):
            return None
        return self._canonical(target, services[target], source or f"{here}/-", line_of(services, target, 1),
                               services, depth + 1)

    def _mounts(self, volumes: Any, here: str) -> list[tuple[str, str]]:
        out = []
        for volume in _as_list(volumes):
            if isinstance(volume, dict):
                if volume.get("type") != "bind":
                    continue
                source, target = str(volume.get("source") or ""), str(volume.get("target") or "")
            elif isinstance(volume, str):
                parts = volume.split(":")
                if len(parts) < 2:
                    continue
                source, target = parts[0], parts[1]
            else:
                continue
            if not source.startswith((".", "/")) or not target.startswith("/"):
                continue  # a named volume, or an absolute host path outside the repository
            repo = join(here, source)
            if repo and self.reader.is_dir(repo):
                out.append((repo, target))
        return out

    def specs(self) -> list[UnitSpec]:
        aliases: dict[str, list[str]] = {}
        for service in self.services.values():
            for link in service.get("links", []):
                name, _, alias = link.partition(":")
                if alias:
                    aliases.setdefault(name, []).append(alias)
        out = []
        for name, service in sorted(self.services.items()):
            env: dict[str, str] = {}
            for env_file in service.get("env_file", []):
                env.update(read_dotenv(self.reader, env_file, example=True))
            for key, value in service.get("environment", {}).items():
                if value is None:  # `- KEY`: the value of the shell or of the project's .env
                    value = self.values.get(key)
                if value is not None:
                    env[key] = value
            where = Location(service["path"], service["line"], f"compose service {name}")
            command_key = "command" if service.get("command_at") else "entrypoint"
            command_at = service.get(f"{command_key}_at")
            container = ContainerSpec(
                name=name,
                where=where,
                image=service.get("image"),
                build=service.get("build"),
                command=service.get("command"),
                entrypoint=service.get("entrypoint"),
                command_where=Location(*command_at, f"compose service {name} {command_key}") if command_at else None,
                env=env,
                mounts=tuple(service.get("mounts", ())),
                working_dir=service.get("working_dir"),
            )
            depends = {d for d in service.get("depends_on", [])} | {l.partition(":")[0] for l in service.get("links", [])}
            out.append(
                UnitSpec(
                    name=name,
                    kind="compose",
                    where=where,
                    containers=[container],
                    depends_on=tuple(sorted(depends)),
                    hosts=tuple(sorted({name, *service.get("hosts", []), *aliases.get(name, [])})),
                    profiles=tuple(service.get("profiles", [])),
                )
            )
        return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _environment(value: Any) -> dict[str, str | None]:
    """List or map form; a key without a value (``- DEBUG``) passes the host's value
    through, unknown here: None."""
    out: dict[str, str | None] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out[str(key)] = env_value(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                key, eq, text = item.partition("=")
                out[key.strip()] = text if eq else None
    return out


def _merge(base: dict[str, Any], over: dict[str, Any], *, keep_command: bool) -> dict[str, Any]:
    """Compose's merge: scalars replace, environment merges by key, lists add up; a
    variant file (``keep_command``) does not replace a command the base gives."""
    out = dict(base)
    for key, value in over.items():
        if key in ("path", "line") and key in base:
            continue
        if keep_command and key in ("command", "entrypoint", "command_at", "entrypoint_at") and key in base:
            continue
        if key == "environment":
            out[key] = {**base.get(key, {}), **value}
        elif key in _LIST_KEYS:
            out[key] = list(dict.fromkeys([*base.get(key, []), *value]))
        else:
            out[key] = value
    return out

