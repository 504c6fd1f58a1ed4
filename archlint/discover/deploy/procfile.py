"""Procfile (Heroku, Dokku, foreman, honcho): one process type per line, all started from
the Procfile's directory."""

from __future__ import annotations

import re

from archlint.discover.deploy.loader import Reader, parent
from archlint.discover.deploy.units import directory_unit, script_process
from archlint.model.findings import Location
from archlint.model.system import DeployUnit

_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(\S.*)$")


def is_procfile(path: str) -> bool:
    return path.rpartition("/")[2] == "Procfile"


def procfile_unit(reader: Reader, path: str) -> DeployUnit | None:
    text = reader.read(path)
    if text is None:
        return None
    here = parent(path)
    processes = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _LINE.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            name, command = match.group(1), match.group(2)
            processes.append(script_process(name, command, Location(path, number, f"Procfile {name}"), here, reader))
    if not processes:
        return None
    return directory_unit(reader, path, "procfile", Location(path, processes[0].where.line, "Procfile"), here, processes)
