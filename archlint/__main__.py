"""`python -m archlint` is the `archlint` command."""

import os
import sys

# `python -m` puts the current directory first on sys.path. Run inside a checkout of
# untrusted code, a `click.py` or `rich.py` there would be imported in place of the real
# library: drop that entry before anything else is imported (archlint's own modules are
# found through the package, not through sys.path).
_here = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", ".", _here)]

from archlint.cli import entry  # noqa: E402

if __name__ == "__main__":
    entry()
