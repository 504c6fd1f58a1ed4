"""The terminal report: what a tech lead reads in thirty seconds."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archlint.model.analysis import PackageFit
from archlint.model.calls import CallCoverage
from archlint.model.findings import ERROR, WARNING, Finding, Location, counted
from archlint.model.report import Report
from archlint.model.rules import RULES
from archlint.model.source import is_peripheral
from archlint.report.console import make_console, printable, where
from archlint.report.check_text import contracts_section

_STYLE = {ERROR: "bold red", WARNING: "yellow"}
TOP = 10  # rows of each table without --verbose


def render_text(report: Report, *, verbose: bool = False, color: bool = False, width: int = 100) -> str:
    out = io.StringIO()
    console = make_console(out, color=color, width=width)
    _summary(console, report)
    _verdict(console, report, verbose)
    _services(console, report, verbose)
    _data(console, report, verbose)
    _links(console, report, verbose)
    _depended_on(console, report, verbose)
    if verbose:
        _package_metrics(console, report)
    _unresolved(console, report, verbose)
    _cycles(console, report, verbose)
    _clusters(console, report, verbose)
    _splits(console, report, verbose)
    if report.contracts:
        contracts_section(console, report)
        console.print()
    _findings(console, report, verbose)
    return out.getvalue()


def _summary(console: Console, report: Report) -> None:
    s = report.summary
    console.print(Text(f"archlint {report.tool_version} - {report.root}", style="bold"))
    line = (
        f"{counted(s.files, 'file')}, {counted(s.modules, 'module')} in {counted(s.packages, 'package')}, "
        f"{counted(s.imports, 'import')} ({s.unresolved_imports} unresolved), "
        f"{counted(len(report.external), 'external package')}"
    )
    console.print(line)
    if s.calls.sites:
        console.print(calls_line(s.calls))
    if s.unresolved_connections:
        console.print(f"{counted(s.unresolved_connections, 'connection')} to an address with no known value "
                      "(a link or database may be missing)")
    if s.parse_errors:
        console.print(Text(f"{counted(s.parse_errors, 'file')} could not be analysed (see findings)", style="red"))
    console.print()


def _verdict(console: Console, report: Report, verbose: bool) -> None:
    v = report.verdict
    if v is None:
        return
    console.print(Text(f"Verdict: {v.kind} (confidence {v.confidence:.2f})", style="bold cyan"))
    shown = v.reasons if verbose else v.reasons[:5]
    for r in shown:
        console.print(Text(f"  - {r.message}"))
        _evidence(console, r.evidence, verbose)
    _more(console, len(v.reasons), len(shown), " reasons")
    if v.services:  # one line per service (a table would wrap the reasons mid-phrase)
        system_reasons = {r.message for r in v.reasons}
        name_width = max(len(s.service) for s in v.services)
        kind_width = max(len(s.kind) for s in v.services)
        for s in v.services:
            codes = [code for code in dict.fromkeys(r.code for r in s.reasons) if code in RULES]
            because = (", ".join(f"{code} {RULES[code].name}" for code in codes) if codes
                       else "; ".join(r.message for r in s.reasons))  # a coupling's rules, else why it is isolated
            console.print(Text(f"  {s.service:<{name_width}}  {s.kind:<{kind_width}}  {because}"))
            if verbose:  # every reason with its evidence, unless the system's reasons showed it
                for r in s.reasons:
                    if r.message not in system_reasons:
                        console.print(Text(f"    - {r.message}"))
                        _evidence(console, r.evidence, verbose)
    console.print()


def _services(console: Console, report: Report, verbose: bool) -> None:
    """What the repository deploys: its services and the infrastructure next to them."""
    if report.services:
        console.print(Text("Services", style="bold"))
        shown = report.services if verbose else report.services[:TOP]
        for service in shown:
            declared = where(service.where.path, service.where.line)
            modules = f"{len(service.modules)} module" + ("" if len(service.modules) == 1 else "s")
            console.print(f"  {service.name}: {service.root}, {modules}, "
                          + ("implicit (no deploy files)" if service.implicit else f"declared at {declared}"))
            processes = service.processes if verbose else service.processes[:4]
            for p in processes:
                console.print(f"      {p.name}: {p.module or p.module_id or p.command}")
            if len(processes) < len(service.processes):
                console.print(f"      ... and {len(service.processes) - len(processes)} more processes (--verbose)")
        _more(console, len(report.services), len(shown))
    infrastructure: dict[str, set[str]] = {}
    for unit in report.deploy_units:
        if unit.infrastructure:
            infrastructure.setdefault(unit.infrastructure, set()).add(unit.name.split(" (", 1)[0])
    if infrastructure:
        console.print("Infrastructure: " + ", ".join(
            f"{software} ({', '.join(sorted(names))})" for software, names in sorted(infrastructure.items())))
    if report.services or infrastructure:
        console.print()


def _evidence(console: Console, locations: tuple[Location, ...], verbose: bool, limit: int = 2) -> None:
    """Evidence under its row, whole: a path a user opens must never be cut to fit."""
    shown = locations if verbose else locations[:limit]
    for e in shown:
        console.print(Text(f"      {where(e.path, e.line)}") +
                      Text(f"  {e.note}" if e.note else "", style="dim"))
    _more(console, len(locations), len(shown), indent="      ")


def _data(console: Console, report: Report, verbose: bool) -> None:
    """Where the data lives and who uses it: the facts behind shared-database verdicts."""
    if not report.databases:
        return
    console.print(Text("Data", style="bold"))
    shown = report.databases if verbose else report.databases[:TOP]
    for db in shown:
        tables = ", ".join(db.tables[: None if verbose else 6])
        if not verbose and len(db.tables) > 6:
            tables += f", +{len(db.tables) - 6}"
        users = ", ".join(db.services) or "no service keeps data in it"
        console.print(f"  {db.id} ({db.engine}): {users}" + (f"; tables {tables}" if tables else ""))
        _evidence(console, db.evidence, verbose, limit=3)  # the server's deploy entries, then the code
    _more(console, len(report.databases), len(shown))
    console.print()


def _links(console: Console, report: Report, verbose: bool) -> None:
    """How services talk: the edges a microservice verdict rests on."""
    if not report.links:
        return
    console.print(Text("Links", style="bold"))
    shown = report.links if verbose else report.links[:TOP]
    for link in shown:
        console.print(f"  {link.source} -> {link.target}  {link.protocol} {link.channel}")
        _evidence(console, link.evidence, verbose)
    _more(console, len(report.links), len(shown))
    console.print()


def calls_line(c: CallCoverage) -> str:
    """How much of the call graph is known (docs/calls.md)."""
    known = (f"{c.resolved} of {c.internal} internal-looking resolved ({c.coverage:.1%})" if c.internal
             else "none internal-looking")  # not "0 of 0 (100.0%)": nothing was there to resolve
    return f"calls: {known}, {c.external} external, {c.opaque} opaque"


def _depended_on(console: Console, report: Report, verbose: bool) -> None:
    """The modules the code leans on: tests and tooling are left out on both sides (saleor's
    most imported module was a test helper, imported by 690 tests)."""
    fan_in: Counter[str] = Counter()
    fan_out: Counter[str] = Counter()
    peripheral = {m.id for m in report.modules if is_peripheral(m)}
    pairs = {(d.source, d.target) for d in report.dependencies
             if d.kind != "call" and d.source not in peripheral and d.target not in peripheral}
    for source, target in pairs:
        fan_in[target] += 1
        fan_out[source] += 1
    if not fan_in:
        return
    table = Table(title="Most depended-on modules", title_justify="left", box=None, pad_edge=False)
    table.add_column("module")
    table.add_column("imported by", justify="right")
    table.add_column("imports", justify="right")
    ranked = sorted(fan_in.items(), key=lambda kv: (-kv[1], kv[0]))
    for name, count in ranked if verbose else ranked[:TOP]:
        table.add_row(printable(name), str(count), str(fan_out[name]))
    console.print(table)
    console.print()


def _package_metrics(console: Console, report: Report) -> None:
    """Ca, Ce and instability of every package at the domain depth (docs/verdicts.md)."""
    if not report.packages:
        return
    table = Table(title=f"Packages at depth {report.package_depth}", title_justify="left", box=None, pad_edge=False)
    for column in ("package", "modules", "Ca", "Ce", "instability"):
        table.add_column(column, justify="left" if column == "package" else "right")
    for p in report.packages:
        table.add_row(printable(p.package), str(p.modules), str(p.afferent), str(p.efferent), f"{p.instability:.2f}")
    console.print(table)
    console.print()


def _unresolved(console: Console, report: Report, verbose: bool) -> None:
    """Which imports the graph lacks, so that the count in the summary can be checked."""
    if not report.unresolved:
        return
    count = len(report.unresolved)
    console.print(Text(f"{counted(count, 'unresolved import')} "
                       "(own code, but no module of the scan: excluded, compiled or missing)", style="bold"))
    shown = report.unresolved if verbose else report.unresolved[:TOP]
    for u in shown:
        console.print(f"  {where(u.path, u.line)}  {u.name}")
    _more(console, count, len(shown))
    console.print()


def _cycles(console: Console, report: Report, verbose: bool) -> None:
    if not report.cycles:
        console.print("No import cycles between modules.")
        _package_cycles(console, report, verbose)
        console.print()
        return
    count = len(report.cycles)
    console.print(Text(counted(count, "import cycle"), style="bold yellow"))
    for cycle in report.cycles if verbose else report.cycles[:TOP]:
        size = len(cycle.members)
        console.print(f"  {size} modules: " + " -> ".join(cycle.example))
        if verbose:
            for step in cycle.evidence:
                console.print(f"      {where(step.path, step.line)}  {step.note}")
    _more(console, len(report.cycles), len(report.cycles) if verbose else TOP)
    _package_cycles(console, report, verbose)
    console.print()


def _package_cycles(console: Console, report: Report, verbose: bool) -> None:
    """Packages can import each other in a loop with no module cycle below (a.x -> b.y,
    b.z -> a.w): the verdict counts those too, so they are said here."""
    if not report.package_cycles:
        return
    count = len(report.package_cycles)
    console.print(Text(counted(count, "package cycle"), style="bold yellow"))
    for cycle in report.package_cycles if verbose else report.package_cycles[:TOP]:
        console.print(Text("  " + " -> ".join(cycle.example)))
        _evidence(console, cycle.evidence, verbose)
    _more(console, count, count if verbose else TOP)


def _clusters(console: Console, report: Report, verbose: bool) -> None:
    partition = report.partition
    if partition is None or not partition.clusters:
        return
    console.print(
        Text(f"{counted(len(partition.clusters), 'coupling cluster')} (modularity Q = {partition.modularity:.2f})", style="bold")
    )
    table = Table(box=None, pad_edge=False)
    for column in ("cluster", "modules", "cohesion", "coupling", "tables owned / shared"):
        table.add_column(column, justify="left" if column == "cluster" else "right")
    shown = partition.clusters if verbose else partition.clusters[:TOP]
    for c in shown:
        tables = f"{len(c.tables_owned)} / {len(c.tables_shared)}"
        table.add_row(printable(c.name), str(len(c.modules)), f"{c.cohesion:.2f}", str(c.coupling), tables)
    console.print(table)
    _more(console, len(partition.clusters), len(shown))
    if partition.hubs:
        hubs = partition.hubs if verbose else partition.hubs[:TOP]
        more = f" and {len(partition.hubs) - len(hubs)} more" if len(hubs) < len(partition.hubs) else ""
        console.print(f"  shared core (used by nearly everything, left out): {', '.join(hubs)}{more}")
    _package_fit(console, partition.packages, verbose)
    console.print()


def _package_fit(console: Console, fits: tuple[PackageFit, ...], verbose: bool) -> None:
    """Where the coupling respects the packages and Django apps, and where it crosses them:
    one line, the largest first; --verbose lists each with its clusters."""
    if not fits:
        return
    whole = sorted((f for f in fits if len(f.clusters) == 1), key=lambda f: (-f.modules, f.package))
    split = sorted((f for f in fits if len(f.clusters) > 1), key=lambda f: (-len(f.clusters), f.package))
    if verbose:
        for f in whole + split:
            app = f" (Django app {f.app})" if f.app else ""
            where = ", ".join(f"{c} {n}" for c, n in f.clusters)
            console.print(Text(f"  {f.package}{app}: {'kept whole' if len(f.clusters) == 1 else 'split'} - {where}"))
        return
    def some(items: list[str]) -> str:
        return ", ".join(items[:3]) + (", ..." if len(items) > 3 else "")
    parts = []
    if whole:
        parts.append(f"{len(whole)} kept whole ({some([f.package for f in whole])})")
    if split:
        parts.append(f"{len(split)} split ({some([f'{f.package} across {len(f.clusters)}' for f in split])})")
    console.print(Text("  packages and Django apps: " + ", ".join(parts)))


def _splits(console: Console, report: Report, verbose: bool) -> None:
    if not report.split_candidates:
        return
    console.print(Text("Split candidates (score = separation x size x data x cycles)", style="bold"))
    shown = report.split_candidates if verbose else report.split_candidates[:3]
    for s in shown:
        parts = " x ".join(f"{v:.2f}" for _, v in s.score_parts)
        console.print(f"  {s.name}: score {s.score:.2f} = {parts}; {s.size} modules, {s.packages}")
        core = f"; to the shared core: {counted(s.core_imports, 'import')}, {counted(s.core_calls, 'call')}" \
            if s.core_imports or s.core_calls else ""
        console.print(f"    cut: {counted(s.cut_imports, 'import')}, {counted(s.cut_calls, 'call')} "
                      f"would become network calls{core}")
        for edge in s.heaviest[: 5 if verbose else 2]:
            console.print(f"      {where(edge.where.path, edge.where.line)}  {edge.source} -> {edge.target}")
        if s.tables_owned or s.tables_shared:
            shared = ", ".join(f"{t} (with {', '.join(w)})" for t, w in s.tables_shared) or "none"
            console.print(f"    tables: owns {', '.join(s.tables_owned) or 'none'}; shares {shared}")
        for cycle in s.cycles if verbose else s.cycles[:1]:
            members = ", ".join(cycle[: None if verbose else 6]) + (", ..." if not verbose and len(cycle) > 6 else "")
            console.print(Text(f"    sits in an import cycle across its boundary ({len(cycle)} modules: {members})"))
        _more(console, len(s.cycles), len(s.cycles) if verbose else 1, " cycles", indent="    ")
    _more(console, len(report.split_candidates), len(shown))
    console.print()


def _findings(console: Console, report: Report, verbose: bool) -> None:
    findings = sorted(report.findings, key=Finding.sort_key)
    if not findings:
        console.print("No findings.")
        return
    counts = Counter(f.severity for f in findings)
    parts = [counted(counts[s], s) for s in (ERROR, WARNING) if counts[s]]
    head = ", ".join(parts + ([f"{counts['info']} info"] if counts["info"] else []))
    console.print(Text(f"Findings: {head}", style="bold"))
    shown = findings if verbose else findings[: TOP * 2]
    for f in shown:
        line = Text()
        line.append(f"  {where(f.path, f.line)}  ")
        line.append(f"{f.rule}", style=_STYLE.get(f.severity, ""))
        line.append(f" {f.message}")
        console.print(line, soft_wrap=True)  # one finding, one line (the terminal folds it)
    _more(console, len(findings), len(shown))


def _more(console: Console, total: int, shown: int, what: str = "", indent: str = "  ") -> None:
    """The line that says a section shows only its top rows."""
    if shown < total:
        console.print(f"{indent}... and {total - shown} more{what} (--verbose)")
