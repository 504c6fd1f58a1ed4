"""The rule catalogue: every finding archlint can emit has a stable code listed here.

The long texts are the single source for ``archlint rule CODE``, the SARIF rule
catalogue and the pages under docs/rules/ (generated from here; a test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from archlint.model.findings import ERROR, INFO, WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: str  # the default; configuration may change it
    summary: str
    why: str
    fix: str
    example: str


_RULES = (
    Rule(
        "AL001",
        "parse-error",
        ERROR,
        "A Python file could not be parsed.",
        "archlint learns a file's imports, calls and data access from its syntax tree. A file "
        "that does not parse (a syntax error, Python 2 syntax, a merge conflict marker, binary "
        "content named .py) contributes nothing, so the architecture report is blind to it.",
        "Fix the syntax error, port the file to Python 3, or exclude it "
        '(`exclude = ["legacy/**"]` in `[tool.archlint]`).',
        "```python\nprint 'hello'   # Python 2: AL001 at line 1\n```",
    ),
    Rule(
        "AL002",
        "unreadable-file",
        ERROR,
        "A file could not be read or decoded.",
        "A file that cannot be read (permissions, a broken symlink, a file that vanished during "
        "the scan) or decoded (bytes that are not valid in its declared encoding, NUL bytes) "
        "is missing from the analysis.",
        "Make the file readable, fix its encoding or its `# -*- coding: ... -*-` cookie, or "
        "exclude it.",
        "```python\n# -*- coding: utf-8 -*-\nname = '\\xff\\xfe'  # raw bytes 0xff 0xfe in the file: AL002\n```",
    ),
    Rule(
        "AL003",
        "file-too-large",
        WARNING,
        "A file is larger than `max_file_size` and was skipped.",
        "Very large files are almost always generated (protobuf modules, data dumps, vendored "
        "bundles). Parsing them costs seconds and memory for facts nobody needs.",
        "Exclude the file, or raise `max_file_size` in `[tool.archlint]` if the file is "
        "hand-written code that matters to the architecture.",
        "```toml\n[tool.archlint]\nmax_file_size = 2_000_000  # bytes\n```",
    ),
    Rule(
        "AL004",
        "internal-error",
        ERROR,
        "archlint failed on one file; the rest of the report is complete.",
        "A bug in archlint should cost one file, not the scan. The finding says which file, so "
        "the report can be trusted for everything else.",
        "Run again with `--debug` to see the traceback and report it with the file if you can.",
        "```\nAL004 internal error while extracting app/models.py: RecursionError\n```",
    ),
    Rule(
        "AL005",
        "path-not-followed",
        INFO,
        "A symlink was not followed: it points out of the scanned tree or at a directory.",
        "archlint never reads outside the directory it was asked to scan (a pull request could "
        "add a link to /etc or to a secrets mount), and does not follow directory links, "
        "which can loop or count the same code twice.",
        "Nothing to do if the link is intentional. If the linked code belongs to the project, "
        "scan the directory it points to, or replace the link with the files.",
        "```\nshared -> ../../common   # AL005: symlinked directory, not followed\n```",
    ),
    Rule(
        "AL101",
        "import-cycle",
        WARNING,
        "Modules import each other in a cycle.",
        "A cycle makes its modules one unit: none can be understood, tested, or moved to another "
        "service without the others. Cycles between packages are the first thing that stops a "
        "monolith from being split.",
        "Move the shared piece into a module both can import, invert the dependency (pass a "
        "callback or an interface), or defer the import into the function that needs it if the "
        "cycle is only at import time.",
        "```python\n# shop/orders.py\nfrom shop.billing import invoice\n"
        "# shop/billing.py\nfrom shop.orders import Order   # AL101: shop.billing -> shop.orders -> shop.billing\n```",
    ),
)

_RULES += (
    Rule(
        "AL102",
        "package-cycle",
        WARNING,
        "Packages import each other in a cycle.",
        "Packages are the units a code base is split along: into layers, into modules of a "
        "modular monolith, into services. Two packages in a cycle cannot be separated, "
        "deployed or even understood apart; every split candidate that crosses the cycle "
        "inherits it.",
        "Find the imports that go against the intended direction (the evidence lists one "
        "for each step of the cycle) and move the code they need, or invert the dependency.",
        "```\nshop.orders -> shop.billing -> shop.orders\n"
        "  shop/orders/service.py:1  from shop.billing.invoice import create_invoice\n"
        "  shop/billing/invoice.py:2  from shop.orders.service import order_total\n```",
    ),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}

__all__ = ["Rule", "RULES", "ERROR", "WARNING", "INFO"]
