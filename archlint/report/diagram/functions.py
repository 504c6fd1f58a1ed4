"""The function level: functions and classes that call one another, in boxes of their
modules, filled with their module's coupling cluster; edge width counts call sites.

Functions without an internal call either way are left out (they would only add dots). Past
the node budget the drawing falls back to modules, and says so; ``--focus`` on a function
or module draws its call neighbourhood.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from archlint.model.errors import UsageError
from archlint.model.report import Report
from archlint.report.diagram.code import ClusterInfo, code_diagram, code_legend, paint
from archlint.report.diagram.model import Diagram, Edge, Group, Node
from archlint.report.diagram.options import EDGES_PER_NODE, MODULE, DiagramOptions
from archlint.report.diagram.scope import heaviest_edges, is_excluded, neighbourhood
from archlint.report.diagram.style import EDGE, PACKAGE_FILL, count, penwidth


def function_diagram(report: Report, options: DiagramOptions) -> Diagram:
    paths = {m.id: m.path for m in report.modules}
    module_of = {f.name: f.module for f in report.functions}
    line_of = {f.name: f.line for f in report.functions}
    for m in paths:  # code at a module's top level calls as the module itself
        module_of.setdefault(m, m)

    def kept(name: str) -> bool:
        module = module_of.get(name)
        return module is not None and not is_excluded(module, paths.get(module), options.exclude)

    weights: Counter[tuple[str, str]] = Counter()
    for call in report.calls:
        if call.caller != call.callee and kept(call.caller) and kept(call.callee):
            weights[(call.caller, call.callee)] += call.count
    notes: list[str] = []
    drawn = {n for edge in weights for n in edge}
    if not drawn:
        notes.append("no calls between functions of the repository were resolved")
    if options.focus:
        focus = options.focus
        seeds = {n for n in drawn if n == focus or module_of[n] == focus or module_of[n].startswith(focus + ".")}
        if not seeds:
            raise UsageError(f"--focus {focus}: no function, module or package of that name calls or is called")
        drawn = neighbourhood(seeds, weights, options.depth)
        notes.append(f"call neighbourhood of {options.focus}: {options.depth} step(s) either way")
    else:
        seeds = set()
    if len(drawn) > options.max_nodes:
        diagram = code_diagram(report, options, MODULE)
        diagram.notes.insert(0, f"{len(drawn)} calling functions exceed the node budget of {options.max_nodes}: "
                                "drawn as modules; use --focus FUNCTION or --max-nodes to see functions")
        return diagram
    left_out = sum(1 for f in report.functions if kept(f.name)) - len([n for n in drawn if n in line_of])
    if left_out > 0 and not options.focus:
        notes.append(f"{count(left_out, 'function')} with no resolved call to or from another are not drawn")
    diagram = Diagram(level="function", title=f"{report.root}: functions", notes=notes, direction="LR")
    info = ClusterInfo.of(report)
    for module in sorted({module_of[n] for n in drawn}):
        diagram.groups.append(Group(id=f"module:{module}", label=(module,), kind="module", fill=PACKAGE_FILL,
                                    color="#aaaaaa"))
    for name in sorted(drawn):
        module = module_of[name]
        local = name[len(module) + 1:] if name != module else "(module level)"
        where = f"{paths.get(module, '')}:{line_of[name]}" if name in line_of else paths.get(module, "")
        node = Node(name, (local,), "function", group=f"module:{module}", tooltip=(name, where),
                    data={"module": module, "line": line_of.get(name, 0)})
        diagram.nodes.append(paint(node, [module], info, name in seeds))
    inside = {e: w for e, w in weights.items() if e[0] in drawn and e[1] in drawn}
    budget = options.max_edges if options.max_edges is not None else EDGES_PER_NODE * max(len(drawn), 10)
    if budget and len(inside) > budget:
        keep = heaviest_edges(dict(inside), budget)
        notes.append(f"{len(inside)} calls: the {len(keep)} heaviest drawn; use --max-edges 0 to draw all")
        inside = {e: w for e, w in inside.items() if e in keep}
    lines: dict[tuple[str, str], list[int]] = defaultdict(list)
    for call in report.calls:
        lines[(call.caller, call.callee)] += call.lines
    for (a, b), w in sorted(inside.items()):
        where = paths.get(module_of[a], "")
        diagram.edges.append(Edge(a, b, "call", color=EDGE, penwidth=penwidth(w),
                                  tooltip=(f"{a} -> {b}: {count(w, 'call site')}",
                                           *(f"{where}:{n}" for n in sorted(lines[(a, b)])[:5])),
                                  data={"calls": w}))
    diagram.legend = code_legend(diagram, info, weighed="call sites")
    return diagram.sort()
