"""`python -m archlint` is the `archlint` command."""

from archlint.cli import entry

if __name__ == "__main__":
    entry()
