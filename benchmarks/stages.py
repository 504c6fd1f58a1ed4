"""Where a scan spends its time, stage by stage: runs the pipeline in this process and
times each stage function the pipeline calls (by wrapping the names ``archlint.pipeline``
and ``archlint.derive`` imported; measurement only). The report memo is removed first: this
is a warm scan that derives its report again, as an incremental one does. The derived
stages run one after the other here (with more than one job a scan resolves the call graph
in a child process beside the rest, where this process could not time it), so the times
are each stage's own; a real scan with two jobs overlaps the call graph with the rest.

    python benchmarks/stages.py TREE CACHE_DIR JOBS

Prints JSON: {"stages": {group: seconds}, "functions": {name: seconds}, "total": seconds}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import archlint.derive as derive
import archlint.pipeline as pipeline
from archlint.extract.cache import REPORT_FILE
from archlint.report.json_report import render_json

GROUPS = {
    "discover": ("load_settings", "list_tree", "discover_deploy", "name_modules"),
    "cache and extraction": ("read_sources", "report_memo", "facts_cache", "extract_files"),
    "graph": ("build_import_graph", "runtime_edges", "aggregate", "coupling_graph", "infrastructure_databases"),
    "call graph": ("build_call_graph", "with_call_weights"),
    "data and communication": ("read_code", "assemble_system"),
    "analysis": (
        "resolve_processes",
        "assemble_services",
        "find_cycles",
        "domain_depth",
        "find_clusters",
        "split_candidates",
        "decide",
        "package_metrics",
        "govern",
    ),
}


def main() -> None:
    root, cache_dir, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    spent: dict[str, float] = {}

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return run

    for names in GROUPS.values():
        for name in names:
            for module in (pipeline, derive):
                if hasattr(module, name):
                    setattr(module, name, timed(name, getattr(module, name)))
    if os.path.exists(os.path.join(cache_dir, REPORT_FILE)):
        os.unlink(os.path.join(cache_dir, REPORT_FILE))
    in_process = derive.Background
    derive.Background = lambda _forked, func, *args: in_process(False, func, *args)  # type: ignore[misc]
    start = time.perf_counter()
    result = pipeline.scan(pipeline.ScanOptions(root, jobs=jobs, cache=True, cache_dir=cache_dir))
    rendered = time.perf_counter()
    render_json(result.report)
    end = time.perf_counter()
    stages = {group: sum(spent.get(n, 0.0) for n in names) for group, names in GROUPS.items()}
    stages["report (JSON)"] = end - rendered
    stages["other"] = (end - start) - sum(stages.values())
    print(json.dumps({"stages": stages, "functions": spent, "total": end - start}))


if __name__ == "__main__":
    main()
