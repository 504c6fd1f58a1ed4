"""`python -m archlint` is the `archlint` command; ``main`` is also the console script."""

import os
import sys

# `python -m` puts the current directory first on sys.path. Run inside a checkout of
# untrusted code, a `click.py` or `rich.py` there would be imported in place of the real
# library: drop that entry before anything else is imported (archlint's own modules are
# found through the package, not through sys.path).
_here = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", ".", _here)]


def main() -> None:
    """The command; Ctrl-C while its libraries are still loading exits 130 as well."""
    try:
        from archlint.cli import entry
    except KeyboardInterrupt:
        sys.stderr.write("archlint: interrupted\n")
        sys.exit(130)
    entry()


if __name__ == "__main__":
    main()
