"""The pipeline: discover -> extract -> graph -> analyze -> Report. With ``derive`` (graph
and analysis), the one place that knows every stage; the stages know only the model."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from archlint.analyze.gates import compare
from archlint.config.baseline import read_baseline
from archlint.config.load import load_settings
from archlint.discover.deploy import DeployScan, discover_deploy
from archlint.discover.files import cache_dir_trusted, list_tree
from archlint.discover.modules import package_prefix
from archlint.extract.cache import DEFAULT_DIR, FactsCache, cache_key
from archlint.extract.files import Read, extract_files, parse_new, read_sources
from archlint.extract.memo import ReportMemo, inputs_key
from archlint.extract.runner import default_jobs
from archlint.model.errors import UsageError
from archlint.model.facts import FileFacts
from archlint.model.report import Report
from archlint.model.settings import Settings
from archlint.model.source import Tree, is_test_file

if TYPE_CHECKING:
    from archlint.graph.imports import ImportGraph


@dataclass(slots=True)
class ScanOptions:
    path: str = "."
    config: str | None = None
    exclude: tuple[str, ...] = ()
    jobs: int | None = None
    debug: bool = False
    # (total files) -> advance(n): lets the CLI draw a progress bar without the stages
    # knowing about terminals.
    progress: Callable[[int], Callable[[int], None]] | None = field(default=None, repr=False)
    use_config: bool = True  # False: defaults only (`archlint init` replacing a configuration)
    cache: bool = False  # read and write the facts cache (docs/configuration.md)
    cache_dir: str | None = None  # where; None: .archlint_cache in the scanned directory
    include: tuple[str, ...] = ()  # adds to [tool.archlint] include, as exclude does


@dataclass(slots=True)
class Scan:
    """Everything a scan produced: the report and the values it was rendered from (none
    when the report came from the memo: nothing was derived)."""

    report: Report
    settings: Settings
    facts: dict[str, FileFacts] = field(default_factory=dict)
    imports: ImportGraph | None = None


def resolve_root(path: str) -> str:
    if not os.path.exists(path):
        raise UsageError(f"path does not exist: {path}")
    if not os.path.isdir(path):
        raise UsageError(f"not a directory: {path}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError(f"directory is not readable: {path}")
    return os.path.realpath(path)


def cache_directory(root: str, options: ScanOptions) -> str | None:
    """The cache directory this scan uses, if any: none when asked for none, or when it
    would lie in the scanned tree where the tree itself could have planted it
    (docs/security.md)."""
    if not options.cache:
        return None
    directory = os.path.abspath(options.cache_dir) if options.cache_dir else os.path.join(root, DEFAULT_DIR)
    return directory if cache_dir_trusted(root, directory) else None


def facts_cache(directory: str | None) -> FactsCache | None:
    return FactsCache(directory, cache_key()) if directory else None


def memo_inputs(options: ScanOptions, root: str, settings: Settings, tree: Tree, deploy: DeployScan
                ) -> dict[str, Any] | None:
    """What the report memo (extract/memo.py) is keyed by besides the Python files; none
    with --debug (whose tracebacks live in the facts)."""
    if options.debug:
        return None
    config = b""
    if settings.config_file:
        with contextlib.suppress(OSError), open(settings.config_file, "rb") as handle:
            config = handle.read()
    return {
        "root": os.path.basename(root) or root,
        "prefix": package_prefix(root),
        "settings": settings,
        "config": config.decode("utf-8", "surrogateescape"),
        # sizes say nothing the content hashes (or facts) do not, and change with a comment
        "tree": replace(tree, root="", python=[replace(source, size=0) for source in tree.python]),
        "deploy": deploy,
    }


def facts_key(inputs: _Inputs, cache: FactsCache) -> str | None:
    """The memo's second key: its inputs with each file's facts digest in place of its
    content hash (what a scan reads of each file); none when a file has no digest (its
    extraction failed, and is tried again)."""
    digests: dict[str, Any] = {}
    for path, read in inputs.sources.items():
        if isinstance(read, FileFacts):
            digests[path] = read
            continue
        found = cache.digest(read[0], is_test_file(path))
        if found is None:
            return None
        digests[path] = found
    return inputs_key({**(inputs.memo_parts or {}), "facts": digests})


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """A scan builds a few hundred thousand long-lived objects and no garbage cycles worth
    collecting; the cyclic collector would walk them all again and again (measured: it
    doubled the time of a warm scan). Afterwards they are frozen out of its sight: the
    renderers that run next would otherwise pay for them (a second on pandas' report)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if paused:
            gc.enable()


def scan(options: ScanOptions) -> Scan:
    with paused_gc():
        inputs = _read_inputs(options)
        return _scan(inputs, _memorised(inputs))


def scan_output(options: ScanOptions, renderer: str, render: Callable[[Report], str]) -> str:
    """The scan as ``render`` writes it. With the memo, an unchanged tree's output is given
    back as it was last written, without decoding the report to encode it again."""
    with paused_gc():
        inputs = _read_inputs(options)
        parsed = _memorised(inputs)
        if parsed is None and inputs.memo is not None:
            kept = inputs.memo.load_output(renderer)
            if kept is not None:
                return kept
        text = render(_scan(inputs, parsed).report)
        if inputs.memo is not None:
            inputs.memo.save_output(renderer, text)
        return text


@dataclass(slots=True)
class _Inputs:
    """What a scan reads before any file is parsed, and the caches it uses."""

    options: ScanOptions
    root: str
    settings: Settings
    tree: Tree
    deploy: DeployScan
    sources: dict[str, Read]
    directory: str | None
    memo: ReportMemo | None
    memo_parts: dict[str, Any] | None
    jobs: int
    cache: FactsCache | None = None  # loaded once needed: a memorised report needs no facts


def _read_inputs(options: ScanOptions) -> _Inputs:
    root = resolve_root(options.path)
    settings = (
        load_settings(root, options.config, exclude=options.exclude, include=options.include)
        if options.use_config
        else Settings(exclude=options.exclude, include=options.include)
    )
    tree = list_tree(root, settings)
    deploy = discover_deploy(root, tree.files, [source.path for source in tree.python], settings.max_file_size)
    sources = read_sources(root, tree.python, settings.max_file_size)
    directory = cache_directory(root, options)
    parts = memo_inputs(options, root, settings, tree, deploy) if directory is not None else None
    memo = None
    if directory is not None and parts is not None:
        hashes = {path: read[0] if isinstance(read, tuple) else read for path, read in sources.items()}
        memo = ReportMemo(directory, inputs_key({**parts, "sources": hashes}))
    return _Inputs(options, root, settings, tree, deploy, sources, directory, memo, parts,
                   options.jobs or default_jobs())


def _memorised(inputs: _Inputs) -> dict[str, FileFacts] | None:
    """None when the memo holds this scan's report: its key matches, or the files that
    changed have the facts they had (then only they were parsed). Else the facts of the
    files the facts cache had none for, parsed now."""
    memo = inputs.memo
    if memo is not None and memo.holds():
        return None
    cache = inputs.cache = facts_cache(inputs.directory)
    parsed = parse_new(inputs.tree.python, inputs.sources, jobs=inputs.jobs, progress=inputs.options.progress,
                       debug=inputs.options.debug, cache=cache, brief=is_test_file)
    if cache is not None and memo is not None:
        key = facts_key(inputs, cache)
        if key is not None and memo.relink(key):
            cache.save()
            return None
    return parsed


def _scan(inputs: _Inputs, parsed: dict[str, FileFacts] | None) -> Scan:
    options, root, settings, tree, cache, memo = (inputs.options, inputs.root, inputs.settings, inputs.tree,
                                                  inputs.cache, inputs.memo)
    if parsed is None and memo is not None:
        memorised = memo.load()
        if memorised is not None:
            return Scan(memorised, settings)
    if cache is None:
        cache = inputs.cache = facts_cache(inputs.directory)
    facts = extract_files(
        root,
        tree.python,
        max_size=settings.max_file_size,
        jobs=inputs.jobs,
        progress=options.progress,
        debug=options.debug,
        cache=cache,
        sources=inputs.sources,
        brief=is_test_file,  # their calls, assignments and definitions are not read (derive.py)
        parsed=parsed,
    )
    if cache is not None:
        cache.save()
    from archlint.derive import derive  # graphs and analysis: not needed for a memorised report

    report, imports = derive(root, settings, tree, inputs.deploy, facts, parallel=inputs.jobs > 1)
    if memo is not None and cache is not None:
        memo.save(report, facts_key(inputs, cache) or "")  # every file's facts are in the cache now
    return Scan(report, settings, facts, imports)


def check(options: ScanOptions, baseline: str | None = None, fail_on: str | None = None) -> Scan:
    """`archlint check`: a scan, then the verdict of the gate against the baseline (the
    file given, else the configured one)."""
    result = scan(options)
    settings = result.settings
    path = baseline or settings.baseline
    root = resolve_root(options.path)
    label = None
    entries = None
    if path:
        label = baseline or os.path.relpath(path, root).replace(os.sep, "/")
        entries = read_baseline(path, label)
    result.report.check = compare(result.report.findings, entries, label, fail_on or settings.fail_on)
    return result

