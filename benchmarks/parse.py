"""The floors archlint is measured against: parse every .py file under a tree with bare
``libcst.parse_module`` or ``ast.parse``, in N processes, and nothing else.

    python benchmarks/parse.py libcst TREE N
    python benchmarks/parse.py ast TREE 1

Each file is read and parsed in a worker (``multiprocessing.Pool``, one file per task,
largest first, as archlint schedules them, so that no worker is left alone with a long
file at the end); files that do not parse count as parsed. Prints the number of files.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import sys
import warnings


def _files(root: str) -> list[str]:
    paths = [os.path.join(d, f) for d, _, names in os.walk(root) for f in names if f.endswith(".py")]
    return sorted(paths, key=lambda p: (-os.path.getsize(p), p))


def _parse_libcst(path: str) -> None:
    import libcst

    with open(path, "rb") as handle:
        data = handle.read()
    try:
        libcst.parse_module(data)
    except Exception:  # noqa: BLE001 - a syntax error is parsed too
        pass


def _parse_ast(path: str) -> None:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError):
        pass


def main() -> None:
    parser, root, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    parse = _parse_libcst if parser == "libcst" else _parse_ast
    files = _files(root)
    if jobs == 1:
        for path in files:
            parse(path)
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for _ in pool.imap_unordered(parse, files, chunksize=1):
                pass
    print(len(files))


if __name__ == "__main__":
    main()
