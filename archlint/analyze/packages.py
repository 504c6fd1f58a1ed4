"""Package metrics and package-level cycles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import networkx as nx

from archlint.model.analysis import PackageMetric
from archlint.model.source import Module


def package_metrics(packages: nx.DiGraph, modules: Mapping[str, Module], depth: int) -> list[PackageMetric]:
    """Ca, Ce and instability for every package at ``depth`` (one node of ``packages``)."""
    sizes = Counter(m.ancestor(depth) for m in modules.values())
    out = []
    for package in sorted(packages.nodes):
        afferent = sum(1 for p in packages.predecessors(package) if p != package)
        efferent = sum(1 for p in packages.successors(package) if p != package)
        total = afferent + efferent
        out.append(
            PackageMetric(
                package=package,
                modules=sizes.get(package, 0),
                afferent=afferent,
                efferent=efferent,
                instability=round(efferent / total, 4) if total else 0.0,
            )
        )
    return out
