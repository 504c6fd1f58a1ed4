"""The function-level call graph: definitions, resolved calls, and how much was resolved.

Names are fully qualified with the module's id (docs/modules.md): ``shop.orders.place``,
``shop.orders.Order.save``, ``shop.orders.outer.inner``; a call made at module level has
the module itself (``shop.orders``) as its caller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, unsafe_hash=True)
class Function:
    """A function, method or class defined in the scanned code."""

    name: str  # module id + "." + qualname
    module: str
    kind: str  # "function" | "class"
    path: str
    line: int


@dataclass(slots=True, unsafe_hash=True)
class Call:
    """``caller`` calls ``callee`` at ``lines`` of the caller's file (``count`` call sites;
    two calls on one line count twice). ``source`` / ``target`` are the modules holding
    them, kept so that nobody has to split a qualified name to find its module."""

    caller: str
    callee: str
    source: str
    target: str
    lines: tuple[int, ...]
    count: int


@dataclass(slots=True, unsafe_hash=True)
class CallCoverage:
    """Call sites by what their callee turned out to be (docs/calls.md):

    - ``resolved``: an internal function, method or class, exactly;
    - ``unresolved``: internal-looking (bound to internal code, or self / cls / super in an
      internal class) but not soundly resolvable;
    - ``external``: builtins, the standard library, third-party code;
    - ``opaque``: nothing static can tell (parameters, values returned by calls,
      subscripts, lambdas, undefined names).
    """

    sites: int = 0
    resolved: int = 0
    unresolved: int = 0
    external: int = 0
    opaque: int = 0

    @property
    def internal(self) -> int:
        """Internal-looking call sites: the denominator of the coverage."""
        return self.resolved + self.unresolved

    @property
    def coverage(self) -> float:
        return round(self.resolved / self.internal, 4) if self.internal else 1.0
