"""From container specs (a compose service, a Kubernetes workload) to deploy units: which
in-repo build an image comes from, what the container runs, and whether it runs code of
the repository at all or third-party infrastructure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from archlint.discover.deploy.commands import Command, command_text, parse
from archlint.discover.deploy.dockerfile import (
    Dockerfile,
    Image,
    Stage,
    build_image,
    build_sources,
    image_command,
    locate,
    own_directory,
    parse_dockerfile,
    wrapper_command,
)
from archlint.discover.deploy.loader import Reader, parent, within
from archlint.model.findings import Location
from archlint.model.infrastructure import identify, image_repository, is_runtime_image
from archlint.model.system import DeployUnit, Process


@dataclass(frozen=True, slots=True)
class BuildRef:
    """``docker build -f dockerfile context`` (``inline`` for compose's dockerfile_inline)."""

    dockerfile: str
    context: str
    target: str | None = None
    inline: str | None = None
    args: tuple[tuple[str, str], ...] = ()  # compose build args: they set the Dockerfile's ARGs


@dataclass(slots=True)
class ContainerSpec:
    name: str  # the process name
    where: Location  # where the container is declared
    image: str | None = None
    build: BuildRef | None = None
    command: list[str] | str | None = None
    entrypoint: list[str] | str | None = None
    command_where: Location | None = None  # where command / entrypoint are declared
    env: dict[str, str] = field(default_factory=dict)
    mounts: tuple[tuple[str, str], ...] = ()  # (repository path, path in the container)
    working_dir: str | None = None


@dataclass(slots=True)
class UnitSpec:
    name: str
    kind: str
    where: Location
    containers: list[ContainerSpec]
    depends_on: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    group: str | None = None


@dataclass(slots=True)
class Build:
    """What building ``ref`` gives: the image layout, the unit's own directory and code,
    code copied from outside it, the image's environment, its base image."""

    ref: BuildRef
    image: Image
    root: str
    code: tuple[str, ...]
    copies_from: dict[str, Location]  # copied from outside ``root`` -> the COPY line
    sources: dict[str, Location]  # every repository path with Python code it copies -> the COPY line
    base: str
    infrastructure: str | None


class Builds:
    """Every Dockerfile of the repository, and the images known to be built from them."""

    def __init__(self, reader: Reader, dockerfiles: dict[str, Dockerfile]) -> None:
        self.reader = reader
        self.dockerfiles = dockerfiles
        self._images: dict[str, BuildRef] = {}  # image repository -> build
        self._services: dict[str, BuildRef] = {}  # compose service name with a build -> build
        self._memo: dict[BuildRef, Build | None] = {}

    def register(self, image: str | None, service: str | None, ref: BuildRef) -> None:
        if image:
            self._images.setdefault(image_repository(image), ref)
        if service:
            self._services.setdefault(service.lower(), ref)

    def for_image(self, image: str, *, loose: bool = True) -> BuildRef | None:
        """The in-repo build of ``image``: an image a compose file builds, else (``loose``)
        a build whose compose service or Dockerfile directory has the image's name."""
        repo = image_repository(image)
        if repo in self._images:
            return self._images[repo]
        if not loose or not repo:
            return None
        last = repo.rpartition("/")[2]
        if identify(image) or is_runtime_image(image):
            return None
        if last in self._services:
            return self._services[last]
        # a build named `balancereader` pushed as registry.example/team/balancereader (skaffold's default repo)
        named = {ref for name, ref in self._images.items() if name.rpartition("/")[2] == last}
        if len(named) == 1:
            return named.pop()
        for matches in (
            [p for p in self.dockerfiles if parent(p).rpartition("/")[2].lower() == last
             or p.rpartition("/")[2].lower() in (f"dockerfile.{last}", f"{last}.dockerfile")],
            [p for p in self.dockerfiles if last in parent(p).lower().split("/")],  # src/cart/src/Dockerfile
        ):
            if len(matches) == 1:
                return BuildRef(matches[0], parent(matches[0]))
            if matches:
                return None
        return None

    def describe(self, ref: BuildRef) -> Build | None:
        if ref not in self._memo:
            self._memo[ref] = self._describe(ref)
        return self._memo[ref]

    def _describe(self, ref: BuildRef) -> Build | None:
        if ref.inline is not None:
            dockerfile = parse_dockerfile(ref.dockerfile, ref.inline, dict(ref.args))
        else:
            found = self.dockerfiles.get(ref.dockerfile)
            if found is None:
                return None
            dockerfile = found
            if ref.args:  # ARG values given at build time reach ENV: parse again with them
                text = self.reader.read(ref.dockerfile)
                dockerfile = parse_dockerfile(ref.dockerfile, text, dict(ref.args)) if text is not None else found
        image = build_image(dockerfile, ref.context, self.reader, ref.target)
        if image is None:
            return None
        copied = {s: where for s, where in build_sources(dockerfile, image.stage, ref.context, self.reader).items()
                  if self.reader.has_python(s)}
        sources = list(copied)
        root = own_directory(ref.dockerfile, ref.context, sources)
        code = tuple(s for s in sources if within(s, root))
        outside = {s: where for s, where in copied.items() if not within(s, root)}
        base = image.stage.root_image()
        software = identify(base)
        infrastructure = software.name if software and not sources else None
        return Build(ref, image, root, code, outside, copied, base, infrastructure)


def merge_env(*layers: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for layer in layers:
        out.update(layer)
    return out


def _mounted_image(build: Build | None, spec: ContainerSpec) -> Image | None:
    """The image layout with the container's bind mounts and working_dir on top."""
    if build is None and not spec.mounts:
        return None
    if build is not None:
        image = build.image
        stage = image.stage
    else:
        stage = Stage(None, spec.image or "", 0)
        image = Image(Dockerfile("", [stage]), stage, ".", [])
    if spec.working_dir:
        stage = replace(stage, workdir=spec.working_dir)
    mapping = [*image.mapping, *((target.rstrip("/") or "/", source, True) for source, target in spec.mounts)]
    return Image(image.dockerfile, stage, image.context, mapping)


def container_process(spec: ContainerSpec, build: Build | None, reader: Reader,
                      context: str | None = None) -> Process | None:
    """What a container runs, with the file it starts when the repository has it."""
    overridden = spec.command is not None or spec.entrypoint is not None
    if build is not None:
        argv = image_command(build.image.stage, spec.command, spec.entrypoint,
                             override_entrypoint=spec.entrypoint is not None)
    elif spec.entrypoint is not None:
        argv = image_command(Stage(None, "", 0), spec.command, spec.entrypoint, override_entrypoint=True)
    else:
        argv = spec.command
    if argv is None or argv == [] or argv == "":
        return None
    env = merge_env(build.image.stage.env if build else {}, spec.env)
    image = _mounted_image(build, spec)
    base_dir = build.root if build else (spec.mounts[0][0] if spec.mounts else context or ".")
    command = wrapper_command(parse(argv, env), image, base_dir, reader, env)
    script = locate(command, image, base_dir, reader, env) if command.known else None
    if overridden or build is None:
        where = spec.command_where or spec.where
    else:
        stage = build.image.stage
        where = Location(build.ref.dockerfile, stage.cmd_line or stage.entrypoint_line or stage.line, "CMD")
    return Process(spec.name, command_text(argv), command.module, where, script=script)


def resolve_unit(reader: Reader, spec: UnitSpec, builds: Builds) -> DeployUnit:
    """A deploy unit from its containers: code containers become processes; a unit with
    none is infrastructure (named after the software its image runs)."""
    processes: list[Process] = []
    code: list[str] = []
    copies: dict[str, Location] = {}
    roots: list[str] = []
    env: dict[str, str] = {}
    infra: list[tuple[str, dict[str, str]]] = []
    infra_dockerfile: str | None = None  # the in-repo Dockerfile a third-party image is built from
    first_build: Build | None = None
    base_image: tuple[str, Location] | None = None
    image = next((c.image for c in spec.containers if c.image), None)
    for container in spec.containers:
        ref = container.build or (builds.for_image(container.image) if container.image else None)
        build = builds.describe(ref) if ref else None
        container_env = merge_env(build.image.stage.env if build else {}, container.env)
        mounted = [source for source, _ in container.mounts if reader.has_python(source)]
        if build is not None and build.infrastructure:
            infra.append((build.infrastructure, container_env))
            infra_dockerfile = infra_dockerfile or (build.ref.dockerfile if build.ref.inline is None else None)
            continue
        # built in the repository without a Dockerfile (jib, buildpacks, a missing file): the context is its code
        context = ref.context if build is None and ref is not None else None
        if build is None and context is None:
            software = identify(container.image) if container.image else None
            if software is not None or not mounted:
                name = software.name if software else image_repository(container.image or "") or "unknown"
                infra.append((name, container_env))
                continue
        process = container_process(container, build, reader, context)
        if process is None and build is None and context is not None:
            # no Dockerfile says what it runs, but it runs the code built from its context
            process = Process(container.name, f"the image built from {context}", None, container.where)
        if process is not None:
            processes.append(process)
        for key, value in container_env.items():
            env.setdefault(key, value)
        if build is not None:
            first_build = first_build or build
            roots.append(build.root)
            code += build.code
            for path, where in build.copies_from.items():
                copies.setdefault(path, where if build.ref.inline is None else container.where)
            found = builds.for_image(build.base, loose=False)
            if found is None:
                found = builds.for_image(build.base)
            # an in-repo base image couples its users only when it carries repository code;
            # one that installs system packages is a build convenience (nameko-examples)
            carried = builds.describe(found) if found is not None and found.dockerfile != build.ref.dockerfile else None
            if carried is not None and carried.code:
                from_line = Location(build.ref.dockerfile, build.image.stage.root_stage().line, f"FROM {build.base}")
                base_image = base_image or (found.dockerfile, from_line if build.ref.inline is None else container.where)
                # what the base image copies in from outside this unit's code is in this image too
                for path, where in carried.sources.items():
                    if not within(path, build.root):
                        copies.setdefault(path, replace(where, note=f"{where.note}, the base image of {build.ref.dockerfile}"))
        elif context is not None:  # the Dockerfile is not in the repository: the context is the code
            roots.append(context)
            code += [context] if reader.has_python(context) else []
        code += mounted
        roots += mounted[:1]
    unit = DeployUnit(
        name=spec.name,
        kind=spec.kind,
        where=spec.where,
        image=image,
        processes=processes,
        environment=env,
        depends_on=spec.depends_on,
        hosts=spec.hosts,
        profiles=spec.profiles,
        group=spec.group,
    )
    if not roots:
        unit.infrastructure, unit.environment = infra[0] if infra else ("unknown", {})
        unit.dockerfile = infra_dockerfile
        return unit
    unit.context = first_build.ref.context if first_build else roots[0]
    unit.dockerfile = first_build.ref.dockerfile if first_build and first_build.ref.inline is None else None
    unit.root = roots[0]
    unit.code = tuple(sorted(set(code)))
    unit.copies_from = dict(sorted(copies.items()))
    if base_image is not None:
        unit.base_image, unit.base_where = base_image
    return unit


# --- environment files -------------------------------------------------------------------

_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*?)\s*$")
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def parse_dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines as docker compose and python-dotenv read them (quotes, ``export``,
    comments, ${VAR} of earlier keys)."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _DOTENV.match(lines[i])
        i += 1
        if not match or lines[i - 1].lstrip().startswith("#"):
            continue
        key, value = match.group(1), match.group(2)
        if value[:1] in ("'", '"'):
            quote = value[0]
            body = value[1:]
            while quote not in body and i < len(lines):  # a multi-line quoted value
                body += "\n" + lines[i]
                i += 1
            value = body.partition(quote)[0]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
                value = expand_vars(value, out)
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
            value = expand_vars(value, out)
        out[key] = value
    return out


def expand_vars(text: str, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in values:
            return values[name]
        return match.group(2) if match.group(2) is not None else match.group(0)

    return _REF.sub(sub, text)


def env_value(value: Any) -> str | None:
    """A deploy file's environment value as the process sees it (None: not set)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def env_mapping(value: Any) -> dict[str, str]:
    """compose / serverless environment in list (``- KEY=value``) or map form."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            text = env_value(item)
            if text is not None:
                out[str(key)] = text
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str) and "=" in item:
                key, _, text = item.partition("=")
                out[key.strip()] = text
    return out


# The copies of an env file a repository ships for users to fill in (`cp .env.example .env`).
EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist")


def read_dotenv(reader: Reader, path: str | None, *, example: bool = False) -> dict[str, str]:
    """The values of an env file; with ``example``, when the file is not in the repository
    (a `.env` is rarely committed), those of the example shipped next to it."""
    if not path:
        return {}
    if not reader.exists(path) and example:
        path = next((path + suffix for suffix in EXAMPLE_SUFFIXES if reader.exists(path + suffix)), path)
    if not reader.exists(path):
        return {}
    text = reader.read(path, required=False)
    return parse_dotenv(text) if text else {}


def script_process(name: str, command_text_: str, where: Location, base_dir: str, reader: Reader,
                   env: dict[str, str] | None = None) -> Process:
    """A process started from a directory of the repository (Procfile, app.yaml, ...)."""
    env = env or {}
    command: Command = wrapper_command(parse(command_text_, env), None, base_dir, reader, env)
    script = locate(command, None, base_dir, reader, env) if command.known else None
    return Process(name, command_text(command_text_), command.module, where, script=script)



def directory_unit(reader: Reader, name: str, kind: str, where: Location, base: str,
                   processes: list[Process], **fields: Any) -> DeployUnit:
    """A unit whose code is one directory of the repository (a function's code directory,
    a Procfile's, a project's): its context and root."""
    return DeployUnit(name=name, kind=kind, where=where, context=base, root=base,
                      code=(base,) if reader.has_python(base) else (), processes=processes, **fields)
