"""Report -> Diagram at a level -> bytes in a format: the two calls the CLI makes."""

from __future__ import annotations

from archlint.model.errors import UsageError
from archlint.model.report import Report
from archlint.report.diagram.code import code_diagram
from archlint.report.diagram.dot import to_dot
from archlint.report.diagram.functions import function_diagram
from archlint.report.diagram.json_graph import to_json
from archlint.report.diagram.mermaid import to_mermaid
from archlint.report.diagram.model import Diagram
from archlint.report.diagram.options import EXTENSIONS, FORMATS, FUNCTION, LEVELS, PACKAGE, SERVICE, DiagramOptions
from archlint.report.diagram.render import IMAGE_FORMATS, render_image, require_dot
from archlint.report.diagram.services import service_diagram

__all__ = ["build_diagram", "check_format", "default_level", "format_for", "render"]


def default_level(report: Report) -> str:
    """Services when the repository deploys two or more, else its packages."""
    return SERVICE if len(report.services) >= 2 else PACKAGE


def build_diagram(report: Report, options: DiagramOptions) -> Diagram:
    level = options.level or default_level(report)
    if level not in LEVELS:
        raise UsageError(f"unknown diagram level {level!r}: choose one of {', '.join(LEVELS)}")
    if options.max_nodes < 1 or options.depth < 0:
        raise UsageError("--max-nodes must be at least 1 and --depth at least 0")
    if level == SERVICE:
        return service_diagram(report, options)
    if level == FUNCTION:
        return function_diagram(report, options)
    return code_diagram(report, options, level)


def render(diagram: Diagram, fmt: str) -> bytes:
    """The diagram in ``fmt`` (one of FORMATS), as the bytes to write."""
    if fmt == "mermaid":
        return to_mermaid(diagram).encode("utf-8")
    if fmt == "json":
        return to_json(diagram).encode("utf-8")
    source = to_dot(diagram)
    if fmt == "dot":
        return source.encode("utf-8")
    if fmt in IMAGE_FORMATS:
        return render_image(source, fmt)
    raise UsageError(f"unknown diagram format {fmt!r}: choose one of {', '.join(FORMATS)}")


def check_format(fmt: str | None, output: str | None) -> str:
    """The format to write (``fmt``, else from ``output``'s extension, else dot), checked
    before a long scan: an unknown extension, or an image without Graphviz, fails now."""
    fmt = fmt or (format_for(output) if output else "dot")
    if fmt in IMAGE_FORMATS:
        require_dot(fmt)
    return fmt


def format_for(path: str) -> str:
    """The format a file name asks for (``arch.svg`` -> svg); a UsageError for others."""
    lower = path.lower()
    for ext, fmt in EXTENSIONS.items():
        if lower.endswith(ext):
            return fmt
    raise UsageError(f"cannot tell the diagram format from {path!r}: use one of {', '.join(EXTENSIONS)}")
