"""Database instances the deployment runs: datastore containers (postgres, mysql, mongo,
redis, ...) and the databases they create at start. Which services use them, and which
tables, is joined in from the code's data access (DataUse) elsewhere; this is the
deployment's side only."""

from __future__ import annotations

import posixpath

from collections.abc import Sequence

from archlint.model.infrastructure import database_names, engines_of
from archlint.model.system import DEPLOY_KINDS, Database, DeployUnit


def _priority(unit: DeployUnit) -> tuple[int, str, int]:
    return (DEPLOY_KINDS.index(unit.kind) if unit.kind in DEPLOY_KINDS else len(DEPLOY_KINDS), unit.where.path, unit.where.line)


def infrastructure_databases(units: Sequence[DeployUnit]) -> list[Database]:
    """One Database per (instance, database name) of every datastore unit. Units that
    deploy the same software under a shared host name (a compose service and its
    Kubernetes twin) are one instance, named after the first; an instance that names no
    database gets one record with an empty name."""
    instances: list[tuple[DeployUnit, set[str], list[DeployUnit]]] = []
    datastores = [u for u in units if engines_of(u.infrastructure)]
    for unit in sorted((u for u in datastores if not _built_by_another(u, datastores)), key=_priority):
        hosts = set(unit.hosts) | {unit.name}
        for first, known, members in instances:
            if first.infrastructure == unit.infrastructure and known & hosts and not _other_project(first, unit):
                known |= hosts
                members.append(unit)
                break
        else:
            instances.append((unit, hosts, [unit]))
    out: list[Database] = []
    for first, _, members in instances:
        names = sorted({n for member in members for n in database_names(member)}) or [""]
        engines = engines_of(first.infrastructure)
        for engine in engines:
            for name in names:
                base = f"{first.name}/{name}" if name else first.name
                out.append(Database(
                    id=f"{base}#{engine}" if len(engines) > 1 else base,
                    engine=engine,
                    instance=first.name,
                    name=name,
                    evidence=tuple(member.where for member in members),
                ))
    return sorted(out, key=lambda d: (d.id, d.engine))


def _other_project(a: DeployUnit, b: DeployUnit) -> bool:
    """Two compose files in different directories are two projects on two networks: their
    ``postgres`` services are two servers, however alike their names."""
    return a.kind == b.kind == "compose" and posixpath.dirname(a.where.path) != posixpath.dirname(b.where.path)


def _built_by_another(unit: DeployUnit, datastores: Sequence[DeployUnit]) -> bool:
    """A Dockerfile ``FROM postgres`` that a compose or Kubernetes datastore is built from
    (a build, a skaffold artifact), or below a compose or Kubernetes file that runs the
    same software, is that datastore's image, not a server of its own."""
    if unit.kind != "dockerfile":
        return False
    here = posixpath.dirname(unit.where.path) + "/"

    def above(other: DeployUnit) -> bool:
        top = posixpath.dirname(other.where.path)
        return not top or here.startswith(top + "/")

    return any(other.kind != "dockerfile" and other.infrastructure == unit.infrastructure
               and (other.dockerfile == unit.where.path or above(other)) for other in datastores)
