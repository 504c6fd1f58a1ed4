"""DOT -> SVG / PNG / PDF through Graphviz's ``dot`` program: the only part of the diagram
package that needs Graphviz installed (DOT, Mermaid and JSON never do). ``dot`` runs as a
subprocess, so that a graph it chokes on ends in a timeout, not a hung command."""

from __future__ import annotations

import shutil
import subprocess

from archlint.model.errors import UsageError

IMAGE_FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    "{fmt} output needs Graphviz's `dot`, which is not on PATH: install Graphviz "
    "(apt-get install graphviz, brew install graphviz, or https://graphviz.org/download/), "
    "or use --format dot, mermaid or json"
)
DOT_TIMEOUT = 300  # seconds: the node budget keeps real diagrams far below this


def require_dot(fmt: str) -> str:
    """The path of ``dot`` when ``fmt`` needs it; a UsageError saying how to install it."""
    exe = shutil.which("dot")
    if exe is None:
        raise UsageError(INSTALL_HINT.format(fmt=fmt.upper()))
    return exe


def render_image(dot_source: str, fmt: str) -> bytes:
    """The picture ``dot`` draws from ``dot_source``; a UsageError (one line for the user)
    when ``dot`` is missing or fails."""
    exe = require_dot(fmt)
    try:
        proc = subprocess.run(
            [exe, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True, timeout=DOT_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"Graphviz's dot took more than {DOT_TIMEOUT} s; draw less (--max-nodes, --focus)") from None
    except OSError as exc:
        raise UsageError(f"cannot run Graphviz's dot ({exe}): {exc.strerror or exc}") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError("Graphviz's dot failed: " + (detail[-1] if detail else f"exit code {proc.returncode}"))
    return proc.stdout
