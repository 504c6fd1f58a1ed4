"""What a user asks of a diagram: the level and how much of the system to show."""

from __future__ import annotations

from dataclasses import dataclass

SERVICE, CLUSTER, PACKAGE, MODULE, FUNCTION = "service", "cluster", "package", "module", "function"
LEVELS = (SERVICE, CLUSTER, PACKAGE, MODULE, FUNCTION)
FORMATS = ("dot", "svg", "png", "pdf", "mermaid", "json")
EXTENSIONS = {
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".json": "json",
}
DEFAULT_MAX_NODES = 60
EDGES_PER_NODE = 3


@dataclass(frozen=True, slots=True)
class DiagramOptions:
    """``level`` None picks the default: the service level when the report has two or more
    services, else packages. ``focus`` names a module, package, cluster, service or function
    whose neighbourhood of ``depth`` steps is drawn; ``exclude`` holds globs over names
    (``shop.legacy.**``) and paths (``tests``) of what is left out. ``max_edges`` None
    allows EDGES_PER_NODE edges per drawn node, 0 every edge."""

    level: str | None = None
    max_nodes: int = DEFAULT_MAX_NODES
    focus: str | None = None
    depth: int = 1
    exclude: tuple[str, ...] = ()
    max_edges: int | None = None
