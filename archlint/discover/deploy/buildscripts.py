"""Images built by scripts: ``docker build -t NAME -f FILE CONTEXT`` in Makefiles, shell
scripts and CI workflows, and docker/build-push-action steps. They tell which in-repo
Dockerfile an image name used elsewhere (a compose ``image:``, a Kubernetes container, a
``FROM``) comes from."""

from __future__ import annotations

import re
import shlex
from typing import Any

from archlint.discover.deploy.loader import Reader, items, join, mapping, parent
from archlint.discover.deploy.units import BuildRef

_DOCKER_BUILD = re.compile(r"docker\s+(?:buildx\s+)?build\b((?:[^\n\\;&|]|\\\n)*)")
_TAKES_VALUE = frozenset({
    "-t", "--tag", "-f", "--file", "--target", "--build-arg", "--platform", "--label", "--cache-from", "--cache-to",
    "--secret", "--ssh", "--network", "--output", "-o", "--progress", "--iidfile", "--add-host", "--build-context",
    "--metadata-file", "--shm-size", "-m", "--memory", "--ulimit", "--builder",
})


def is_build_script(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name in ("Makefile", "makefile", "GNUmakefile", "justfile", "Justfile") or name.endswith((".mk", ".sh")) \
        or (path.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")))


def built_images(reader: Reader, path: str) -> list[tuple[str, BuildRef]]:
    """(image, build) pairs a script or workflow builds."""
    text = reader.read(path, required=False)
    if not text or "build" not in text:
        return []
    base = "." if path.startswith(".github/") else parent(path)
    out: list[tuple[str, BuildRef]] = []
    for match in _DOCKER_BUILD.finditer(text):
        try:
            tokens = shlex.split(match.group(1).replace("\\\n", " "), comments=True)
        except ValueError:
            continue
        out += _docker_build(tokens, base)
    if path.startswith(".github/") and "build-push-action" in text:
        for doc in reader.yaml(path, text) or []:
            out += _build_push_steps(doc)
    return out


def _docker_build(tokens: list[str], base: str) -> list[tuple[str, BuildRef]]:
    tags: list[str] = []
    dockerfile = target = None
    positional: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key, eq, value = token.partition("=")
        if token.startswith("-") and (eq or key in _TAKES_VALUE):
            if not eq:
                value = tokens[i + 1] if i + 1 < len(tokens) else ""
                i += 1
            if key in ("-t", "--tag"):
                tags.append(value)
            elif key in ("-f", "--file"):
                dockerfile = value
            elif key == "--target":
                target = value
        elif not token.startswith("-"):
            positional.append(token)
        i += 1
    if not positional or not tags or "$" in positional[0] or positional[0] == "-":
        return []
    context = join(base, positional[0])
    path = join(base, dockerfile) if dockerfile and "$" not in dockerfile else join(context, "Dockerfile") if context else None
    if not context or not path:
        return []
    return [(tag, BuildRef(path, context, target)) for tag in tags if tag and not tag.startswith("$")]


def _build_push_steps(doc: Any) -> list[tuple[str, BuildRef]]:
    out: list[tuple[str, BuildRef]] = []
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    for job in mapping(jobs).values():
        for step in items(mapping(job).get("steps")):
            if not isinstance(step, dict) or not str(step.get("uses", "")).startswith("docker/build-push-action"):
                continue
            given = step.get("with") if isinstance(step.get("with"), dict) else {}
            context = join(".", str(given.get("context") or "."))
            if not context or "${{" in str(given.get("context", "")):
                continue
            file = given.get("file")
            path = join(".", str(file)) if file and "${{" not in str(file) else join(context, "Dockerfile")
            tags = given.get("tags") or []
            tags = tags if isinstance(tags, list) else re.split(r"[\n,]", str(tags))
            for tag in tags:
                tag = str(tag).strip()
                if tag and "${{" not in tag.partition(":")[0] and path:
                    target = given.get("target")
                    out.append((tag, BuildRef(path, context, str(target) if target else None)))
    return out
