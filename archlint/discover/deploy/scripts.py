"""Console scripts of a (sub-)project: ``[project.scripts]``, ``[tool.poetry.scripts]``,
setup.cfg's ``console_scripts`` and setup.py's (read as text, never executed)."""

from __future__ import annotations

import configparser
import re
from typing import Any

from archlint.discover.deploy.commands import Command
from archlint.discover.deploy.dockerfile import locate
from archlint.discover.deploy.loader import Reader, mapping, parent
from archlint.discover.deploy.units import directory_unit
from archlint.model.findings import Location
from archlint.model.system import DeployUnit, Process

PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
_ENTRY = re.compile(r"^\s*([\w.-]+)\s*=\s*([\w.]+)\s*(?::\s*([\w.]+))?")
_SETUP_ENTRY = re.compile(r"[\"']\s*([\w.-]+)\s*=\s*([\w.]+)\s*(?::\s*([\w.]+))?[^\"']*[\"']")
_SETUP_NAME = re.compile(r"\bname\s*=\s*[\"']([^\"']+)[\"']")


def is_project_file(path: str) -> bool:
    return path.rpartition("/")[2] in PROJECT_FILES


def _line(text: str, name: str, after: str = "") -> int:
    start = text.find(after) if after else 0
    start = max(start, 0)
    match = re.search(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=", text[start:], re.M)
    return text[: start + match.start()].count("\n") + 1 if match else 1


def _pyproject(reader: Reader, path: str) -> tuple[str | None, list[tuple[str, str, int]]]:
    doc = reader.toml(path)
    text = reader.read(path) or ""
    if not doc:
        return None, []
    project: Any = doc.get("project") if isinstance(doc.get("project"), dict) else {}
    poetry: Any = mapping(doc.get("tool")).get("poetry")
    poetry = poetry if isinstance(poetry, dict) else {}
    scripts: list[tuple[str, str, int]] = []
    for table, header in ((project.get("scripts"), "[project.scripts]"), (project.get("gui-scripts"), "[project.gui-scripts]"),
                          (poetry.get("scripts"), "[tool.poetry.scripts]")):
        if not isinstance(table, dict):
            continue
        for name, target in table.items():
            if isinstance(target, dict):
                target = target.get("callable") or target.get("reference") or ""
            if isinstance(target, str) and target:
                scripts.append((str(name), target, _line(text, str(name), header)))
    return str(project.get("name") or poetry.get("name") or "") or None, scripts


def _setup_cfg(reader: Reader, path: str) -> tuple[str | None, list[tuple[str, str, int]]]:
    text = reader.read(path)
    if not text:
        return None, []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        reader.error(path, getattr(exc, "lineno", 0) or 0, f"invalid setup.cfg: {str(exc).splitlines()[0]}")
        return None, []
    name = parser.get("metadata", "name", fallback=None)
    scripts = []
    for key in ("console_scripts", "gui_scripts"):
        block = parser.get("options.entry_points", key, fallback="")
        for entry in block.splitlines():
            match = _ENTRY.match(entry)
            if match:
                target = match.group(2) + (f":{match.group(3)}" if match.group(3) else "")
                scripts.append((match.group(1), target, _line(text, match.group(1), key)))
    return name, scripts


def _setup_py(reader: Reader, path: str) -> tuple[str | None, list[tuple[str, str, int]]]:
    text = reader.read(path) or ""
    start = text.find("console_scripts")
    if start < 0:
        return None, []
    end = text.find("]", start)
    block = text[start : end if end > 0 else len(text)]
    scripts = []
    for match in _SETUP_ENTRY.finditer(block):
        target = match.group(2) + (f":{match.group(3)}" if match.group(3) else "")
        scripts.append((match.group(1), target, text[: start + match.start()].count("\n") + 1))
    name = _SETUP_NAME.search(text)
    return (name.group(1) if name else None), scripts


def scripts_unit(reader: Reader, directory: str, paths: list[str]) -> DeployUnit | None:
    """One unit per project directory, a process per script."""
    name: str | None = None
    found: list[tuple[str, str, int, str]] = []
    seen: set[str] = set()
    for path in sorted(paths, key=lambda p: PROJECT_FILES.index(p.rpartition("/")[2])):
        kind = path.rpartition("/")[2]
        project_name, scripts = (_pyproject if kind == "pyproject.toml" else _setup_cfg if kind == "setup.cfg" else _setup_py)(reader, path)
        name = name or project_name
        for script, target, line in scripts:
            if script not in seen:
                seen.add(script)
                found.append((script, target, line, path))
    if not found:
        return None
    processes = []
    for script, target, line, path in found:
        module = target.partition(":")[0].strip()
        command = Command(module=module)
        where = Location(path, line, f"console script {script}")
        processes.append(Process(script, f"{script} ({target})", module, where,
                                 script=locate(command, None, directory, reader)))
    first = processes[0].where
    unit_name = name or (directory.rpartition("/")[2] if directory != "." else "project")
    return directory_unit(reader, unit_name, "console-scripts", Location(first.path, first.line, "console scripts"),
                          directory, processes, group=name)


def project_dirs(paths: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in paths:
        out.setdefault(parent(path), []).append(path)
    return out

