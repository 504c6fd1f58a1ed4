"""Names from scanned code are data in every diagram format: quotes, backslashes and DOT
escapes, HTML, newlines, record braces, Graphviz's own id syntax, control characters and
undecodable bytes can neither break the DOT nor inject into the SVG or Mermaid."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagram_svg import parse_svg
from diagram_systems import HOSTILE, hostile_system

from archlint.report.diagram.build import build_diagram, render
from archlint.report.diagram.escape import BACKSLASH, REPLACEMENT, dot_id, printable
from archlint.report.diagram.options import DiagramOptions

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def shown(name: str) -> str:
    """How DOT output shows a name: backslash as U+2216, unprintables as U+FFFD."""
    return printable(name).replace("\\", BACKSLASH)


@given(st.text())
def test_dot_ids_are_plain_and_never_collide(name):
    ident = dot_id(name)
    assert re.fullmatch(r"[A-Za-z0-9_./~-]+", ident)
    assert not ident.startswith("%")
    # reversible, so two names never share an id
    decoded = re.sub(
        r"(?:~[0-9A-F]{2})+",
        lambda m: bytes(int(h, 16) for h in m.group(0).split("~")[1:]).decode("utf-8", "surrogatepass"),
        ident,
    )
    assert decoded == name or (name == "" and ident == "~")


@needs_dot
def test_hostile_service_names_render_as_text():
    diagram = build_diagram(hostile_system(), DiagramOptions(level="service"))
    picture = parse_svg(render(diagram, "svg"))  # well-formed XML, or this raises
    # nothing merged, nothing lost: one drawn node per diagram node (no %3... id merging)
    drawn = {n for n in picture.nodes if not n.startswith("~legend")}
    assert drawn == {dot_id(n.id) for n in diagram.nodes}
    assert len(drawn) == len(HOSTILE) * 4  # services, databases, channels, external hosts
    texts = set(picture.texts)
    for name in HOSTILE:
        assert shown(name) in texts, name
    assert f"{len(HOSTILE)} modules" not in texts
    # a backslash escape was not expanded: \N is not the node's name
    assert all("service/" not in t for t in texts)
    # tables of the shared databases are in the tooltips, escaped
    tooltips = " ".join(node.tooltip for node in picture.nodes.values())
    assert shown("table " + HOSTILE[2]) in tooltips


@needs_dot
@pytest.mark.parametrize("level", ["module", "package", "cluster"])
def test_hostile_module_names_render_as_text(tree, level):
    files = {
        "<script>alert(1).py": 'import importlib\nimportlib.import_module(\'a"q\')\n',
        'a"q.py': "import importlib\nimportlib.import_module('we\\\\ird&{}')\n",
        "we\\ird&{}.py": "import importlib\nimportlib.import_module('<script>alert(1)')\n",
        "%3Cx.py": "import importlib\nimportlib.import_module('%3Cy')\n",
        "%3Cy.py": "import importlib\nimportlib.import_module('a\"q')\n",
        "new\nline.py": "x = 1\n",
        "back\\N\\G.py": "import importlib\nimportlib.import_module('%3Cx')\n",
    }
    root = tree(files)
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(root), jobs=1)).report
    names = {m.id for m in report.modules}
    assert {"<script>alert(1)", 'a"q', "we\\ird&{}", "%3Cx", "%3Cy", "new\nline"} <= names
    diagram = build_diagram(report, DiagramOptions(level=level))
    picture = parse_svg(render(diagram, "svg"))
    assert {n for n in picture.nodes if not n.startswith("~legend")} == {dot_id(n.id) for n in diagram.nodes}
    assert {e for e in picture.edges if not e[0].startswith("~legend")} == {
        (dot_id(e.source), dot_id(e.target)) for e in diagram.edges
    }
    texts = " ".join(picture.texts)
    if level != "cluster":
        for name in names:
            assert shown(name) in picture.texts, name
    assert "<script>" in texts  # as text, escaped in the file
    assert "new" + REPLACEMENT + "line" in texts or level == "cluster"


def test_mermaid_labels_hold_no_raw_syntax():
    text = render(build_diagram(hostile_system(), DiagramOptions(level="service")), "mermaid").decode()
    for line in text.splitlines()[4:]:
        quoted = re.findall(r'"([^"]*)"', line)
        for label in quoted:
            assert not set(label.replace("<br/>", "")) & set("<>`\\\n"), line  # only entity codes
    assert "#lt;b#gt;bold#lt;/b#gt;" in text
    assert "q#quot;uote" in text


def test_json_graph_keeps_names_exactly():
    graph = json.loads(render(build_diagram(hostile_system(), DiagramOptions(level="service")), "json"))
    services = {n["data"]["service"] for n in graph["nodes"] if n["kind"] == "service"}
    assert services == {name for name in HOSTILE}  # surrogates survive as JSON escapes


def test_mermaid_lines_use_only_mermaid_link_syntax():
    from diagram_systems import shop_system

    text = render(build_diagram(shop_system(), DiagramOptions(level="service")), "mermaid").decode()
    links = [line for line in text.splitlines() if re.match(r"  n\d+ \S", line)]
    assert len(links) == len(build_diagram(shop_system(), DiagramOptions(level="service")).edges)
    for line in links:
        assert re.fullmatch(r'  n\d+ (---|-->|-\.-|-\.->|===|==>)(\|"[^"]*"\|)? n\d+', line), line
    assert any(" --- " in line for line in links)  # a database use: no arrowhead
    assert any(" -.-> " in line or '-.->|' in line for line in links)  # messaging: dashed
