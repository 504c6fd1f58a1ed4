"""Colours, shapes and line widths: one fixed vocabulary, so a picture means the same thing
at every level and in every run (docs/diagrams.md explains it to readers)."""

from __future__ import annotations

import math

# Light fills for coupling clusters, largest cluster first, the first eight of clearly
# different hues. No red (problems) and no grey (outside the system, or the shared core)
# among them, so those keep their meaning.
PALETTE = (
    "#a6cee3",  # light blue
    "#b2df8a",  # light green
    "#fdbf6f",  # light orange
    "#cab2d6",  # lavender
    "#ffff99",  # yellow
    "#8dd3c7",  # teal
    "#fccde5",  # pink
    "#dfc27d",  # khaki
    "#80b1d3",  # blue
    "#b3de69",  # lime
    "#ffed6f",  # gold
    "#ccebc5",  # pale green
)
UNCOLOURED = "#ffffff"  # modules in smaller clusters than the palette covers, or in none
HUB_FILL = "#dddddd"  # the shared core: modules nearly everything uses, left out of clustering

RED = "#d62728"  # a problem: cycles, shared databases, cross-service imports
GREY = "#8c8c8c"  # outside the system
GREY_FILL = "#eeeeee"
INK = "#444444"
EDGE = "#4d4d4db0"  # a little transparent: crossings stay legible
SPLIT = "#1f3b73"  # the outline of split candidates
SPLIT_WIDTH = 3.0
OUTLINED_SPLITS = 3  # the best split candidates, as many as the terminal report shows
FOCUS = "#e377c2"

SERVICE_FILL = "#dbe9f6"
MICROSERVICE_FILL = "#d5f0d0"
GENERIC_SERVICE_FILL = "#ffe0b2"
DATABASE_FILL = "#fff5cc"
CHANNEL_FILL = "#f3e5f5"
DEPLOYMENT_FILL = "#f7f7f7"
PACKAGE_FILL = "#fafafa"

FONT = "Helvetica,Arial,sans-serif"


def cluster_fill(index: int) -> str:
    """The fill of the ``index``-th cluster (0 = largest); the palette is not reused, so
    two clusters never look alike."""
    return PALETTE[index] if 0 <= index < len(PALETTE) else UNCOLOURED


def penwidth(count: int) -> float:
    """Line width for an edge made of ``count`` imports and calls: logarithmic, so that one
    heavy edge does not hide the rest, capped at 5."""
    if count <= 1:
        return 1.0
    return round(min(5.0, 1.0 + 0.8 * math.log2(count)), 2)


def count(n: int, noun: str) -> str:
    """``3 modules``, ``1 module``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
