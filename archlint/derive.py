"""From facts to the Report: the graph and analysis stages composed (the second half of
the pipeline). Apart from ``pipeline`` so that a scan answered from the report memo never
imports networkx or the analysis (a fifth of a warm scan's time)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from archlint import __version__
from archlint.background import Background
from archlint.analyze.clusters import domain_depth, find_clusters
from archlint.analyze.contracts import Subject, check_contracts
from archlint.analyze.cycles import cycle_findings, find_cycles, runtime_edges
from archlint.analyze.gates import gate_findings
from archlint.analyze.policy import apply_rules
from archlint.analyze.packages import package_metrics
from archlint.analyze.splits import split_candidates
from archlint.analyze.verdict import SystemFacts, decide
from archlint.config.locate import key_location
from archlint.discover.deploy import DeployScan
from archlint.discover.modules import name_modules, package_prefix
from archlint.graph.calls import build_call_graph, with_call_weights
from archlint.graph.coupling import coupling_graph
from archlint.graph.imports import ImportGraph, aggregate, build_import_graph
from archlint.graph.resolve import relative_stem
from archlint.graph.instances import infrastructure_databases
from archlint.graph.services import assemble_services, resolve_processes
from archlint.graph.system import assemble_system, module_tables, read_code
from archlint.model.analysis import MICROSERVICES, SERVERLESS
from archlint.model.contracts import ContractResult
from archlint.model.facts import FileFacts, ImportFact
from archlint.model.findings import Finding, Location
from archlint.model.report import Report, Summary
from archlint.model.rules import RULES
from archlint.model.settings import Settings
from archlint.model.source import Module, Skipped, Tree, is_peripheral


def derive(root: str, settings: Settings, tree: Tree, deploy: DeployScan, facts: dict[str, FileFacts],
           parallel: bool = False) -> tuple[Report, ImportGraph]:
    """The Report of a scanned tree (with the import graph it was built on). With
    ``parallel``, the call graph is resolved in a child process while this one reads the
    code for entrypoints, data and communication (background.py)."""
    top_imports = {
        path: {i.module.partition(".")[0] for i in f.imports if not i.level and i.module}
        for path, f in facts.items()
    }
    modules = name_modules(
        [source.path for source in tree.python],
        tree.files,
        top_imports,
        roots=settings.roots + deploy.import_roots,
        root_prefix=package_prefix(root),
    )
    imports = build_import_graph(modules, facts, deploy.layers)
    graph = imports.graph
    # Tests and tooling are left out of the call graph as they are of clusters: calls from
    # tests say nothing of the architecture, and they are most of some packages' code.
    peripheral = {m.path for m in imports.index.modules.values() if is_peripheral(m)}
    resolving = Background(parallel, build_call_graph, imports.index,
                           {path: f for path, f in facts.items() if path not in peripheral})
    try:
        units = resolve_processes(deploy.units, modules)
        code = read_code(imports.index, facts, units)
        calls = resolving.result()
    finally:
        resolving.cancel()
    weighted = with_call_weights(graph, calls.module_weights())  # coupling: imports + calls

    def edge_location(source: str, target: str) -> Location:
        lines = [ln for ls in graph[source][target]["kinds"].values() for ln in ls]
        return Location(imports.index.modules[source].path, min(lines), f"{source} -> {target}")

    runtime = runtime_edges(graph)
    services = assemble_services(units, modules, runtime, facts=facts, dotenv=deploy.dotenv,
                                 entrypoints=code.entrypoints, root_name=os.path.basename(root))
    system = assemble_system(services, units, infrastructure_databases(units), imports.index, facts, code)
    cycles = find_cycles(runtime, edge_location)
    by_id = imports.index.modules
    depth = domain_depth(m for m in by_id.values() if not is_peripheral(m))
    packages = aggregate(runtime, by_id, depth)

    def package_location(source: str, target: str) -> Location:
        a, b = packages[source][target]["via"][0]
        return replace(edge_location(a, b), note=f"{source} -> {target} ({a} -> {b})")

    package_cycles = find_cycles(packages, package_location)
    tables = module_tables(code.data)
    coupling = coupling_graph(weighted, by_id, tables, module_tables(code.data, ("model",)))
    partition = find_clusters(
        coupling,
        by_id,
        depth=depth,
        module_tables=tables,
        excluded=[m for m in by_id if m not in coupling],
        apps=code.django_apps,
    )
    parse_errors = sum(1 for f in facts.values() if f.error)
    verdict, verdict_findings = decide(
        SystemFacts(
            modules=by_id,
            imports=graph,
            partition=partition,
            package_cycles=package_cycles,
            parse_errors=parse_errors,
            files=len(tree.python),
            services=[s for s in services if not s.implicit],
            units=units,
            databases=system.databases,
            links=system.links,
            data_uses=system.data_uses,
            entrypoints=code.entrypoints,
            unresolved_connections=system.unresolved_connections,
            unknown_clients=system.unknown_clients,
        )
    )
    # a system already split into isolated services (or functions) needs no split advice
    splits = [] if verdict.kind in (MICROSERVICES, SERVERLESS) else split_candidates(partition, weighted, by_id, cycles)
    findings = (
        verdict_findings
        + file_findings(facts)
        + skipped_findings(tree.skipped)
        + hidden_findings(tree, facts, sorted(modules, key=lambda m: m.path))
        + cycle_findings(cycles)
        + cycle_findings(package_cycles, "AL102", "packages")
        + deploy.findings
        + system.findings
    )
    report = Report(
        root=os.path.basename(root) or root,
        tool_version=__version__,
        summary=Summary(
            files=len(tree.python),
            modules=len(modules),
            packages=sum(m.is_package for m in modules),
            parse_errors=parse_errors,
            imports=imports.imports,
            unresolved_imports=len(imports.unresolved),
            calls=calls.coverage,
            unresolved_connections=system.unresolved_connections + sum(map(len, system.unknown_clients.values())),
        ),
        modules=modules,
        dependencies=imports.dependencies() + calls.dependencies(),
        external=imports.external_imports(),
        unresolved=imports.unresolved,
        cycles=cycles,
        findings=sorted(findings, key=Finding.sort_key),
        package_depth=depth,
        packages=package_metrics(packages, by_id, depth),
        package_cycles=package_cycles,
        partition=partition,
        split_candidates=splits,
        verdict=verdict,
        services=services,
        deploy_units=units,
        databases=system.databases,
        links=system.links,
        entrypoints=code.entrypoints,
        data_uses=code.data,
        endpoints=code.endpoints,
        functions=calls.functions,
        calls=calls.calls,
    )
    govern(report, settings, facts, imports, root)
    return report, imports


def govern(report: Report, settings: Settings, facts: dict[str, FileFacts], imports: ImportGraph, root: str) -> None:
    """The project's rules on a finished report: contracts and gates add their findings,
    then `select` / `ignore` / inline ignores / `severity` shape the whole list."""
    subject = Subject(
        modules=imports.index.modules,
        graph=imports.graph,
        facts=facts,
        services=report.services,
        databases=report.databases,
        label=settings.config_path,
    )
    checks = check_contracts(subject, settings.contracts)
    where = {key: key_location(settings.config_file, root, key) for key in ("require", "max_shared_databases")}
    gates = gate_findings(settings, report.verdict, report.databases, where)
    raised = [f for c in checks for f in c.findings]
    findings = apply_rules([*report.findings, *raised, *gates], settings, facts)
    report.findings = sorted(findings, key=Finding.sort_key)
    left = {f.fingerprint for f in findings}
    report.contracts = []
    for c in checks:
        violations = sum(1 for f in c.findings if f.fingerprint in left)
        report.contracts.append(ContractResult(c.contract.name, c.contract.type, not violations, violations, c.unused_ignores))


def file_findings(facts: dict[str, FileFacts]) -> list[Finding]:
    out = []
    for path, f in facts.items():
        if f.error is None:
            continue
        rule = RULES[f.error.code]
        out.append(Finding(rule.code, rule.severity, f.error.message, path, f.error.line, rule.name))
    return out


EVIDENCE = 10  # imports a finding lists (the message counts them all)


def hidden_findings(tree: Tree, facts: dict[str, FileFacts], modules: list[Module]) -> list[Finding]:
    """AL008: a package that a default exclude hides, imported by its dotted name from the
    scanned code (``pip._internal.operations.build`` below a scanned ``operations``
    package; a top-level ``build`` even where a scanned module of that name answers:
    pypa/build's tests hold a loose ``build.py`` of their own), or any such package when
    nothing else is scanned."""
    rule = RULES["AL008"]
    packages = {m.path.rpartition("/")[0]: m.name for m in modules if m.is_package and m.path.endswith("/__init__.py")}
    out = []
    for directory, count in tree.hidden_packages:
        parent, _, base = directory.rpartition("/")
        owner = packages.get(parent)
        if not base.isidentifier() or (owner is None and base in sys.stdlib_module_names):
            continue
        name = f"{owner}.{base}" if owner else base
        evidence = [Location(m.path, fact.line, f"import {name}") for m in modules if m.path in facts
                    for fact in facts[m.path].imports if _imports(m, fact, name, owner, base)]
        files = f"{count} Python file" + ("" if count == 1 else "s")
        advice = f"include = [\"{directory}\"] scans its {files}"
        if evidence:
            times = "once" if len(evidence) == 1 else f"{len(evidence)} times"
            first = evidence[0]
            message = (f"{directory} is excluded by default (a directory named {base}), but the scanned code imports "
                       f"{name} {times}, first at {first.path}:{first.line}: {advice}")
        elif not modules:  # nothing else to scan (`scan src` of a src/build layout)
            message = f"{directory} is excluded by default (a directory named {base}), and no other Python code was found: {advice}"
        else:
            continue
        out.append(Finding(rule.code, rule.severity, message, f"{directory}/__init__.py", 0, directory,
                           tuple(evidence[:EVIDENCE])))
    return out


def _imports(importer: Module, fact: ImportFact, name: str, owner: str | None, base: str) -> bool:
    """Whether ``fact`` imports module ``name`` (``base`` in package ``owner``) or below it."""
    stem = relative_stem(importer, fact)
    if stem is None:
        return False
    return stem == name or stem.startswith(name + ".") or (stem == owner and any(n == base for n, _ in fact.names))


def skipped_findings(skipped: list[Skipped]) -> list[Finding]:
    out = []
    for item in skipped:
        rule = RULES["AL002" if item.lost else "AL005"]
        out.append(Finding(rule.code, rule.severity, item.reason, item.path, 0, item.reason))
    return out
