"""The pipeline: discover -> extract -> graph -> analyze -> Report. The one place that
knows every stage; the stages know only the model."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from archlint import __version__
from archlint.analyze.clusters import domain_depth, find_clusters
from archlint.analyze.cycles import cycle_findings, find_cycles, runtime_edges
from archlint.analyze.packages import package_metrics
from archlint.analyze.splits import split_candidates
from archlint.analyze.verdict import SystemFacts, decide
from archlint.config.load import load_settings
from archlint.discover.files import list_tree
from archlint.discover.modules import name_modules, package_prefix
from archlint.extract.files import extract_files
from archlint.extract.runner import default_jobs
from archlint.graph.calls import build_call_graph, with_call_weights
from archlint.graph.coupling import coupling_graph, is_peripheral
from archlint.graph.imports import ImportGraph, aggregate, build_import_graph
from archlint.model.errors import UsageError
from archlint.model.facts import FileFacts
from archlint.model.findings import Finding, Location
from archlint.model.report import Report, Summary
from archlint.model.rules import RULES
from archlint.model.settings import Settings
from archlint.model.source import Skipped


@dataclass(slots=True)
class ScanOptions:
    path: str = "."
    config: str | None = None
    exclude: tuple[str, ...] = ()
    jobs: int | None = None
    debug: bool = False
    # (total files) -> advance(n): lets the CLI draw a progress bar without the stages
    # knowing about terminals.
    progress: Callable[[int], Callable[[int], None]] | None = field(default=None, repr=False)


@dataclass(slots=True)
class Scan:
    """Everything a scan produced: the report and the values it was rendered from, for
    commands (graph, check) that need more than the report."""

    report: Report
    settings: Settings
    facts: dict[str, FileFacts]
    imports: ImportGraph


def resolve_root(path: str) -> str:
    if not os.path.exists(path):
        raise UsageError(f"path does not exist: {path}")
    if not os.path.isdir(path):
        raise UsageError(f"not a directory: {path}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError(f"directory is not readable: {path}")
    return os.path.realpath(path)


def scan(options: ScanOptions) -> Scan:
    root = resolve_root(options.path)
    settings = load_settings(root, options.config, exclude=options.exclude)
    tree = list_tree(root, settings)
    advance = options.progress(len(tree.python)) if options.progress else None
    facts = extract_files(
        root,
        tree.python,
        max_size=settings.max_file_size,
        jobs=options.jobs or default_jobs(),
        progress=advance,
        debug=options.debug,
    )
    top_imports = {
        path: {i.module.partition(".")[0] for i in f.imports if not i.level and i.module}
        for path, f in facts.items()
    }
    modules = name_modules(
        [source.path for source in tree.python],
        tree.files,
        top_imports,
        roots=settings.roots,
        root_prefix=package_prefix(root),
    )
    imports = build_import_graph(modules, facts)
    graph = imports.graph
    calls = build_call_graph(imports.index, facts)
    weighted = with_call_weights(graph, calls.module_weights())  # coupling: imports + calls

    def edge_location(source: str, target: str) -> Location:
        lines = [ln for ls in graph[source][target]["kinds"].values() for ln in ls]
        return Location(imports.index.modules[source].path, min(lines), f"{source} -> {target}")

    runtime = runtime_edges(graph)
    cycles = find_cycles(runtime, edge_location)
    by_id = imports.index.modules
    depth = domain_depth(m for m in by_id.values() if not is_peripheral(m))
    packages = aggregate(runtime, by_id, depth)

    def package_location(source: str, target: str) -> Location:
        a, b = packages[source][target]["via"][0]
        return replace(edge_location(a, b), note=f"{source} -> {target} ({a} -> {b})")

    package_cycles = find_cycles(packages, package_location)
    coupling = coupling_graph(weighted, by_id)
    partition = find_clusters(
        coupling,
        by_id,
        depth=depth,
        excluded=[m for m in by_id if m not in coupling],
    )
    splits = split_candidates(partition, weighted, by_id, cycles)
    verdict, verdict_findings = decide(
        SystemFacts(
            modules=by_id,
            imports=graph,
            partition=partition,
            package_cycles=package_cycles,
            parse_errors=sum(1 for f in facts.values() if f.error),
            files=len(tree.python),
        )
    )
    findings = (
        verdict_findings
        + file_findings(facts)
        + skipped_findings(tree.skipped)
        + cycle_findings(cycles)
        + cycle_findings(package_cycles, "AL102", "packages")
    )
    report = Report(
        root=os.path.basename(root) or root,
        tool_version=__version__,
        summary=Summary(
            files=len(tree.python),
            modules=len(modules),
            packages=sum(m.is_package for m in modules),
            parse_errors=sum(1 for f in facts.values() if f.error),
            imports=imports.imports,
            unresolved_imports=imports.unresolved,
            calls=calls.coverage,
        ),
        modules=modules,
        dependencies=imports.dependencies() + calls.dependencies(),
        external=imports.external_imports(),
        cycles=cycles,
        findings=sorted(findings, key=Finding.sort_key),
        package_depth=depth,
        packages=package_metrics(packages, by_id, depth),
        package_cycles=package_cycles,
        partition=partition,
        split_candidates=splits,
        verdict=verdict,
        functions=calls.functions,
        calls=calls.calls,
    )
    return Scan(report, settings, facts, imports)


def file_findings(facts: dict[str, FileFacts]) -> list[Finding]:
    out = []
    for path, f in facts.items():
        if f.error is None:
            continue
        rule = RULES[f.error.code]
        out.append(Finding(rule.code, rule.severity, f.error.message, path, f.error.line, rule.name))
    return out


def skipped_findings(skipped: list[Skipped]) -> list[Finding]:
    out = []
    for item in skipped:
        rule = RULES["AL002" if item.lost else "AL005"]
        out.append(Finding(rule.code, rule.severity, item.reason, item.path, 0, item.reason))
    return out
