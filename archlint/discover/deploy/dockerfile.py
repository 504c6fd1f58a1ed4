"""Dockerfiles: which code an image holds and what it runs.

A Dockerfile is read into stages (multi-stage builds, ``FROM earlier-stage``, ``COPY
--from=stage``); for a given build context its final stage (or ``target``) gives a layout -
which repository paths end up where in the image - and the CMD / ENTRYPOINT. From the layout
come the unit's own code, the code it COPYs from outside its own directory
(``copies_from``), and where a module or script named by a command lives in the repository.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch

from archlint.discover.deploy.commands import Command, parse, spec, split
from archlint.discover.deploy.loader import Reader, join, parent, within
from archlint.model.findings import Location

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")


def is_dockerfile(path: str) -> bool:
    name = path.rpartition("/")[2]
    return (
        name in DOCKERFILE_NAMES
        or name.startswith(("Dockerfile.", "Containerfile."))
        or name.endswith((".Dockerfile", ".dockerfile", ".containerfile"))
    )


@dataclass(slots=True)
class Copy:
    sources: tuple[str, ...]  # as written, relative to the build context (or to the --from stage)
    dest: str  # absolute in the image; a trailing "/" means a directory
    stage: str | None  # --from=
    line: int
    keyword: str = "COPY"  # or ADD


@dataclass(slots=True)
class Stage:
    name: str | None
    base: str  # an image reference, or the name of an earlier stage
    line: int
    parent: Stage | None = None  # FROM <earlier stage>
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    copies: list[Copy] = field(default_factory=list)
    cmd: list[str] | str | None = None
    cmd_line: int = 0
    entrypoint: list[str] | str | None = None
    entrypoint_line: int = 0
    cmd_set: bool = False  # CMD given in this stage (not inherited)

    def root_stage(self) -> Stage:
        """The stage whose FROM names an image (``FROM x AS base`` ... ``FROM base``)."""
        stage: Stage = self
        while stage.parent is not None:
            stage = stage.parent
        return stage

    def root_image(self) -> str:
        return self.root_stage().base


@dataclass(slots=True)
class Dockerfile:
    path: str
    stages: list[Stage]

    def stage(self, target: str | None = None) -> Stage | None:
        if target:
            for stage in self.stages:
                if stage.name == target:
                    return stage
        return self.stages[-1] if self.stages else None


# --- parsing ---------------------------------------------------------------------------


_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, instruction text) with continuations joined, comments and
    heredoc bodies dropped."""
    lines = text.splitlines()
    escape = "\\"
    for raw in lines:
        directive = re.match(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$", raw)
        if not directive:
            break
        if directive.group(1).lower() == "escape" and directive.group(2) in ("\\", "`"):
            escape = directive.group(2)
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # blank and comment lines, also inside a continuation
        if not buf:
            start = i
        if raw.rstrip().endswith(escape):
            buf.append(raw.rstrip()[:-1])
            continue
        buf.append(raw)
        instruction = " ".join(part.strip() for part in buf)
        buf = []
        for heredoc in _HEREDOC.finditer(instruction):
            word, dash = heredoc.group(3), heredoc.group(1)
            while i < len(lines):
                body = lines[i].lstrip("\t") if dash else lines[i]
                i += 1
                if body.strip() == word:
                    break
        out.append((start, instruction))
    if buf:
        out.append((start, " ".join(part.strip() for part in buf)))
    return out


def expand(text: str, variables: dict[str, str]) -> str:
    """Docker's build-time variable substitution ($X, ${X}, ${X:-default}, ${X:+alt})."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, word = match.group(2), match.group(3) or ""
        value = variables.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else word
        if op in (":+", "+"):
            return word if value else ""
        return value or ""

    return _VAR.sub(sub, text)


def _exec_form(rest: str) -> list[str] | str:
    text = rest.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return text


def _env_pairs(rest: str) -> list[tuple[str, str]]:
    try:
        tokens = shlex.split(rest, posix=True)
    except ValueError:
        tokens = rest.split()
    if tokens and "=" not in tokens[0]:  # legacy `ENV KEY value with spaces`
        return [(tokens[0], " ".join(tokens[1:]))]
    return [(t.partition("=")[0], t.partition("=")[2]) for t in tokens if "=" in t]


def parse_dockerfile(path: str, text: str, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """Stages of a Dockerfile; tolerant: unknown or malformed instructions are skipped.
    ``build_args`` are ``--build-arg`` values (compose ``build.args``): they override the
    defaults of the ARGs they name."""
    given = build_args or {}
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    args: dict[str, str] = {}
    by_name: dict[str, Stage] = {}
    for line, instruction in _logical_lines(text):
        match = re.match(r"([A-Za-z]+)\s*(.*)", instruction, re.S)
        if not match:
            continue
        keyword, rest = match.group(1).upper(), match.group(2).strip()
        if keyword == "FROM":
            tokens = [t for t in rest.split() if not t.startswith("--")]
            if not tokens:
                continue
            base = expand(tokens[0], global_args)
            name = tokens[2].lower() if len(tokens) >= 3 and tokens[1].lower() == "as" else None
            parent_stage = by_name.get(base.lower())
            stage = Stage(name, base, line, parent_stage)
            if parent_stage is not None:
                stage.workdir = parent_stage.workdir
                stage.env = dict(parent_stage.env)
                stage.copies = list(parent_stage.copies)
                stage.cmd, stage.cmd_line = parent_stage.cmd, parent_stage.cmd_line
                stage.entrypoint, stage.entrypoint_line = parent_stage.entrypoint, parent_stage.entrypoint_line
            stages.append(stage)
            by_name[str(len(stages) - 1)] = stage
            if name:
                by_name[name] = stage
            args = {}
            continue
        if keyword == "ARG":
            for token in rest.split():
                key, eq, value = token.partition("=")
                target = global_args if not stages else args
                if key in given:
                    target[key] = given[key]
                elif eq:
                    target[key] = value.strip("\"'")
                elif not stages:
                    target.setdefault(key, "")
                else:
                    args.setdefault(key, global_args.get(key, ""))
            continue
        if not stages:
            continue
        stage = stages[-1]
        variables = {**args, **stage.env}
        if keyword == "ENV":
            for key, value in _env_pairs(rest):
                stage.env[key] = expand(value, variables)
        elif keyword == "WORKDIR":
            stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, expand(rest.strip("\"'"), variables)))
        elif keyword in ("COPY", "ADD"):
            copy = _copy(rest, stage, variables, line, keyword)
            if copy is not None:
                stage.copies.append(copy)
        elif keyword == "CMD":
            stage.cmd, stage.cmd_line, stage.cmd_set = _exec_form(rest), line, True
        elif keyword == "ENTRYPOINT":
            stage.entrypoint, stage.entrypoint_line = _exec_form(rest), line
            if not stage.cmd_set:  # an ENTRYPOINT drops the CMD inherited from the base
                stage.cmd, stage.cmd_line = None, 0
    return Dockerfile(path, stages)


def _copy(rest: str, stage: Stage, variables: dict[str, str], line: int, keyword: str) -> Copy | None:
    form = _exec_form(rest)
    if isinstance(form, list):
        tokens = form
    else:
        tokens = split(rest)
    source_stage = None
    parts: list[str] = []
    for token in tokens:
        if token.startswith("--"):
            key, _, value = token.partition("=")
            if key == "--from":
                source_stage = expand(value, variables).lower()
            continue
        parts.append(expand(token, variables))
    if len(parts) < 2 or any(s.startswith("<<") for s in parts):
        return None
    *sources, dest = parts
    if keyword == "ADD":
        sources = [s for s in sources if "://" not in s and not s.startswith("git@")]
        if not sources:
            return None
    trailing = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
    dest = posixpath.normpath(posixpath.join(stage.workdir, dest))
    return Copy(tuple(sources), dest + "/" if trailing and dest != "/" else dest, source_stage, line, keyword)


# --- an image built from a context -----------------------------------------------------


@dataclass(slots=True)
class Image:
    """A Dockerfile's target stage built from ``context``: which repository paths are
    where in the image (``mapping``: image path, repository path, is a directory)."""

    dockerfile: Dockerfile
    stage: Stage
    context: str
    mapping: list[tuple[str, str, bool]]

    @property
    def workdir(self) -> str:
        return self.stage.workdir

    def to_repo(self, image_path: str) -> str | None:
        path = posixpath.normpath(posixpath.join(self.workdir, image_path))
        best: tuple[int, str] | None = None
        for dest, repo, is_dir in self.mapping:
            dest_dir = dest.rstrip("/") or "/"
            if is_dir and (path == dest_dir or path.startswith(dest_dir.rstrip("/") + "/")):
                rest = path[len(dest_dir):].lstrip("/")
                found = join(repo, rest) if rest else repo
                if found and (best is None or len(dest_dir) > best[0]):
                    best = (len(dest_dir), found)
            elif not is_dir and path == dest.rstrip("/"):
                best = (len(dest), repo)
        return best[1] if best else None

    def sources(self) -> list[str]:
        return sorted({repo for _, repo, _ in self.mapping})


def build_sources(dockerfile: Dockerfile, stage: Stage, context: str, reader: Reader) -> dict[str, Location]:
    """Repository paths the build of ``stage`` reads from the context, in any stage it
    depends on (a builder stage that turns ``common/`` into a wheel counts too), each with
    the first COPY / ADD line that reads it."""
    names = {s.name: s for s in dockerfile.stages if s.name}
    names.update({str(i): s for i, s in enumerate(dockerfile.stages)})
    seen: set[int] = set()
    todo = [stage]
    out: dict[str, Location] = {}
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.parent is not None:
            todo.append(current.parent)
        for copy in current.copies:
            if copy.stage is None:
                where = Location(dockerfile.path, copy.line, f"{copy.keyword} {' '.join(copy.sources)}")
                for source in _expand_sources(copy.sources, context, reader):
                    if source not in out or copy.line < out[source].line:
                        out[source] = where
            elif copy.stage in names:
                todo.append(names[copy.stage])
    return dict(sorted(out.items()))


def build_image(dockerfile: Dockerfile, context: str, reader: Reader, target: str | None = None) -> Image | None:
    stage = dockerfile.stage(target)
    if stage is None:
        return None
    memo: dict[int, list[tuple[str, str, bool]]] = {}
    return Image(dockerfile, stage, context, _layout(dockerfile, stage, context, reader, memo, 0))


def _layout(dockerfile: Dockerfile, stage: Stage, context: str, reader: Reader,
            memo: dict[int, list[tuple[str, str, bool]]], depth: int) -> list[tuple[str, str, bool]]:
    key = id(stage)
    if key in memo or depth > 20:
        return memo.get(key, [])
    memo[key] = []
    out: list[tuple[str, str, bool]] = []
    names = {s.name: s for s in dockerfile.stages if s.name}
    names.update({str(i): s for i, s in enumerate(dockerfile.stages)})
    for copy in stage.copies:
        if copy.stage is not None:
            source_stage = names.get(copy.stage)
            if source_stage is None or source_stage is stage:
                continue  # --from=an-external-image
            inner = _layout(dockerfile, source_stage, context, reader, memo, depth + 1)
            for source in copy.sources:
                src = posixpath.normpath(posixpath.join(source_stage.workdir, source))
                dest = copy.dest.rstrip("/") or "/"
                for image_path, repo, is_dir in inner:
                    image_dir = image_path.rstrip("/") or "/"
                    if within(image_dir, src):
                        out.append((posixpath.join(dest, image_dir[len(src):].lstrip("/")), repo, is_dir))
                    elif is_dir and within(src, image_dir):
                        found = join(repo, src[len(image_dir):].lstrip("/"))
                        if found:
                            out.append((dest, found, reader.is_dir(found)))
            continue
        for source in _expand_sources(copy.sources, context, reader):
            is_dir = reader.is_dir(source)
            if is_dir:
                out.append((copy.dest.rstrip("/") or "/", source, True))
            elif copy.dest.endswith("/"):
                out.append((copy.dest + source.rpartition("/")[2], source, False))
            else:
                out.append((copy.dest, source, False))
    memo[key] = out
    return out


def _expand_sources(sources: tuple[str, ...], context: str, reader: Reader) -> list[str]:
    out: list[str] = []
    for source in sources:
        if any(c in source for c in "*?["):
            base = join(context, posixpath.dirname(source)) or context
            pattern = posixpath.basename(source)
            children = {
                p[len(base) + 1 :].split("/")[0] if base != "." else p.split("/")[0]
                for p in (*reader.files, *reader.python)
                if within(p, base) and p != base
            }
            out += [join(base, c) or c for c in sorted(children) if fnmatch(c, pattern)]
            continue
        found = join(context, source)
        if found is not None:
            out.append(found)
    return out


# --- what the image runs ----------------------------------------------------------------


def image_command(stage: Stage, command: list[str] | str | None = None,
                  entrypoint: list[str] | str | None = None, *, override_entrypoint: bool = False) -> list[str] | str | None:
    """ENTRYPOINT + CMD as Docker combines them; ``command`` / ``entrypoint`` override the
    image's (a new entrypoint drops the image's CMD, as docker does)."""
    ep = entrypoint if override_entrypoint else stage.entrypoint
    cmd = command if command is not None else (None if override_entrypoint else stage.cmd)
    if ep is None:
        return cmd
    if isinstance(ep, str):  # shell-form ENTRYPOINT ignores CMD
        return ep
    tail = split(cmd) if isinstance(cmd, str) else list(cmd or [])
    return [*ep, *tail]


def locate(command: Command, image: Image | None, base_dir: str, reader: Reader,
           env: dict[str, str] | None = None) -> str | None:
    """The repository file holding what ``command`` runs: its script, or its module's file,
    looked up through the image layout (or under ``base_dir`` without an image)."""
    env = env or {}
    rels: list[str] = []
    if command.script:
        rels += [command.script, *command.alternatives]
    if command.module:
        stem = command.module.replace(".", "/")
        rels += [stem + ".py", stem + "/__init__.py"]
    if not rels:
        return None
    if image is not None:
        bases = [image.workdir]
        if command.cwd:
            bases.insert(0, posixpath.join(image.workdir, command.cwd))
        bases += [p for p in env.get("PYTHONPATH", "").split(":") if p.startswith("/")]
        for base in bases:
            for rel in rels:
                found = image.to_repo(posixpath.join(base, rel))
                if found and reader.exists(found):
                    return found
        return None
    dirs = [join(base_dir, command.cwd) if command.cwd else base_dir, join(base_dir, "src")]
    for d in dirs:
        for rel in rels:
            found = join(d or base_dir, rel.lstrip("./") if rel.startswith("./") else rel)
            if found and reader.exists(found):
                return found
    return None


def wrapper_command(command: Command, image: Image | None, base_dir: str, reader: Reader,
                    env: dict[str, str]) -> Command:
    """When a command runs a shell script (``./start.sh``), what the script starts: the last
    line of it that runs Python code."""
    if not command.wrapper:
        return command
    path = image.to_repo(command.wrapper) if image is not None else join(base_dir, command.wrapper)
    if image is not None and path is None and "/" not in command.wrapper:
        for directory in ("/usr/local/bin", "/usr/bin", "/bin"):
            path = image.to_repo(posixpath.join(directory, command.wrapper))
            if path:
                break
    if not path or not reader.exists(path):
        return command
    text = reader.read(path, required=False)
    if not text:
        return command
    if path.endswith(".ini"):
        return _uwsgi_ini(text) or command
    found = command
    for _, line in _logical_lines(text)[:2000]:
        inner = parse(line, env)
        if inner.known:
            found = inner
    return found


def _uwsgi_ini(text: str) -> Command | None:
    """What a uWSGI ini file serves: ``module =``, ``wsgi-file =``, ``mount = /=mod:app``."""
    # uWSGI flags stand alone (``master``, ``strict``) and keys repeat (``if-env``, ``endif``)
    parser = configparser.ConfigParser(interpolation=None, strict=False, allow_no_value=True)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_section("uwsgi"):
        return None
    get = parser["uwsgi"].get
    module = get("module") or get("wsgi") or (get("mount") or "").partition("=")[2] or None
    if module:
        found = spec(module)
    elif get("wsgi-file") or get("file"):
        found = Command(script=get("wsgi-file") or get("file"))
    else:
        return None
    return replace(found, program="uwsgi", cwd=get("chdir")) if found.known else None


def own_directory(dockerfile_path: str, context: str, sources: list[str]) -> str:
    """The unit's own directory: the Dockerfile's, when it sits strictly inside the build
    context and the image copies code from it (or no Python code at all) but nothing
    around it; the build context otherwise (``COPY . /app`` with docker/Dockerfile copies
    the whole repository: its code is the repository's, not docker/'s)."""
    here = parent(dockerfile_path)
    around = any(s != here and within(here, s) for s in sources)
    if here != context and within(here, context) and not around and (not sources or any(within(s, here) for s in sources)):
        return here
    return context
