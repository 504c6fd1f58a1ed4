"""The command line: options in, one call into the pipeline, a renderer out.

Heavy modules (libcst, networkx, rich) are imported inside the commands, so that
``archlint --version`` and ``--help`` answer at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from archlint import __version__
# loaded with the module, where __main__ catches a Ctrl-C: run() needs it before its try
from archlint.model.errors import UsageError
from archlint.report.diagram.options import DEFAULT_MAX_NODES, LEVELS
from archlint.report.diagram.options import FORMATS as DIAGRAM_FORMATS

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = ["text", "json", "sarif", "github"]
SEVERITY_CHOICE = click.Choice(["error", "warning", "info"])
DEFAULT_BASELINE = "archlint-baseline.json"
PROGRESS_MIN_FILES = 200  # smaller scans finish before a bar would help


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="archlint")
def main() -> None:
    """How a Python code base really behaves - monolith, generic services or
    microservices - with evidence, and where it could be split."""


def scan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that scans a tree."""
    options = [
        click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True)),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Skip paths matching GLOB (repeatable; adds to [tool.archlint] exclude).",
        ),
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            expose_value=False,
            callback=_remember,
            help="Scan paths matching GLOB that a default exclude (build, dist, venv, ...) hides "
            "(repeatable; adds to [tool.archlint] include).",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False),
            help="Read settings from this file instead of PATH/pyproject.toml or PATH/archlint.toml.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            help="Worker processes for parsing (default: all cores; 1 parses in-process).",
        ),
        click.option("--debug", is_flag=True, help="Show tracebacks of internal errors."),
        # Not passed to the command: _scan_options() reads them, so every command built on
        # these options gets the cache without a parameter of its own.
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False),
            envvar="ARCHLINT_CACHE_DIR",
            expose_value=False,
            callback=_remember,
            help="Keep the facts cache in DIRECTORY (default: PATH/.archlint_cache; env: ARCHLINT_CACHE_DIR).",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            expose_value=False,
            callback=_remember,
            help="Neither read nor write the facts cache: nothing at all is written.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"archlint.{param.name}"] = value
    return value


def _scan_options(
    path: str, config: str | None, exclude: tuple[str, ...], jobs: int | None, debug: bool, progress: Any = None
) -> Any:
    """The pipeline's ScanOptions from the options every scanning command shares."""
    from archlint.pipeline import ScanOptions

    meta = click.get_current_context().meta
    return ScanOptions(
        path,
        config,
        exclude,
        jobs,
        debug,
        progress,
        cache=not meta.get("archlint.no_cache", False),
        cache_dir=meta.get("archlint.cache_dir"),
        include=meta.get("archlint.include", ()),
    )


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--format and --output, shared by scan and check."""
    options = [
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default="text",
            show_default=True,
            help="Output format (sarif: code scanning; github: workflow annotations).",
        ),
        click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the output to FILE."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@scan_options
@output_options
@click.option("-v", "--verbose", is_flag=True, help="Show all evidence, not only the top rows.")
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(dir_okay=False),
    help="Also draw the default diagram into FILE (.svg, .png, .pdf, .dot, .mmd or .json).",
)
def scan(
    path: str,
    exclude: tuple[str, ...],
    config: str | None,
    jobs: int | None,
    debug: bool,
    fmt: str,
    output: str | None,
    verbose: bool,
    graph_file: str | None,
) -> None:
    """Scan PATH (default: the current directory) and report its architecture."""
    from archlint.pipeline import scan as run_scan, scan_output

    if graph_file:
        from archlint.report.diagram.build import check_format

        check_format(None, graph_file)  # a bad extension or a missing dot fails before the scan
    if fmt == "json" and not (debug or graph_file):  # the output alone: kept whole in the memo
        from archlint.report.json_report import render_json

        with _progress() as progress:
            text = scan_output(_scan_options(path, config, exclude, jobs, debug, progress), "json", render_json)
        _emit(text, output)
        return
    with _progress() as progress:
        result = run_scan(_scan_options(path, config, exclude, jobs, debug, progress))
    if debug:
        _print_tracebacks(result.facts)
    _emit(_render(result.report, fmt, verbose, output, path), output)
    if graph_file:
        from archlint.report.diagram.options import DiagramOptions

        _draw(result.report, DiagramOptions(exclude=exclude), None, graph_file)


@main.command()
@scan_options
@click.option("--level", type=click.Choice(LEVELS), help="What the boxes are (default: service when PATH deploys two or more services, else package).")
@click.option("-f", "--format", "fmt", type=click.Choice(DIAGRAM_FORMATS), help="Output format (default: from -o's extension, else dot).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the diagram to FILE.")
@click.option("--max-nodes", type=click.IntRange(min=1), default=DEFAULT_MAX_NODES, show_default=True, help="Node budget: past it, modules collapse into packages.")
@click.option("--max-edges", type=click.IntRange(min=0), help="Edge budget (default: 3 per node, each node's heaviest first; 0 draws all).")
@click.option("--focus", metavar="NAME", help="Draw only the neighbourhood of this module, package, cluster or service.")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True, help="Steps around --focus.")
def graph(
    path: str,
    exclude: tuple[str, ...],
    config: str | None,
    jobs: int | None,
    debug: bool,
    level: str | None,
    fmt: str | None,
    output: str | None,
    max_nodes: int,
    max_edges: int | None,
    focus: str | None,
    depth: int,
) -> None:
    """Draw PATH's architecture: services, coupling clusters, packages, modules or functions
    (docs/diagrams.md). --exclude also takes module names: --exclude 'shop.legacy.**'."""
    from archlint.pipeline import scan as run_scan
    from archlint.report.diagram.build import check_format
    from archlint.report.diagram.options import DiagramOptions

    fmt = check_format(fmt, output)
    with _progress() as progress:
        result = run_scan(_scan_options(path, config, exclude, jobs, debug, progress))
    options = DiagramOptions(level, max_nodes, focus, depth, exclude, max_edges)
    _draw(result.report, options, fmt, output)


def _draw(report: Any, options: Any, fmt: str | None, output: str | None) -> None:
    """Build, render and write one diagram; what it left out goes to stderr as notes."""
    from archlint.report.diagram.build import build_diagram, check_format, render

    fmt = check_format(fmt, output)
    if output is None and fmt in ("png", "pdf") and sys.stdout.isatty():
        raise UsageError(f"{fmt.upper()} is binary: write it to a file with -o FILE")
    diagram = build_diagram(report, options)
    data = render(diagram, fmt)
    for note in diagram.notes:
        click.echo(f"archlint: note: {note}", err=True)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _render(report: Any, fmt: str, verbose: bool, output: str | None, path: str) -> str:
    if fmt == "json":
        from archlint.report.json_report import render_json

        return render_json(report)
    if fmt == "sarif":
        from archlint.report.sarif import render_sarif

        return render_sarif(report, prefix=_uri_prefix(path))
    if fmt == "github":
        from archlint.report.github import render_github

        return render_github(report, prefix=_uri_prefix(path))
    color = output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size()[0] if color else 100
    if report.check is not None:
        from archlint.report.check_text import render_check

        return render_check(report, verbose=verbose, color=color, width=width)
    from archlint.report.text import render_text

    return render_text(report, verbose=verbose, color=color, width=width)


def _uri_prefix(path: str) -> str:
    """The scanned directory as seen from where the command runs: code scanning and
    annotations want paths relative to the repository root, which is usually the working
    directory; a directory outside it is given absolutely."""
    root, cwd = os.path.realpath(path), os.path.realpath(os.getcwd())
    rel = os.path.relpath(root, cwd).replace(os.sep, "/")
    if rel == ".":
        return ""
    if rel.startswith(".."):
        return root.replace(os.sep, "/").rstrip("/") + "/"
    return rel + "/"


@main.command()
@scan_options
@output_options
@click.option("-v", "--verbose", is_flag=True, help="Also show findings the baseline covers.")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False),
              help="Fail only on findings not in this baseline (default: [tool.archlint] baseline).")
@click.option("--fail-on", type=SEVERITY_CHOICE, help="Lowest severity that fails the check (default: error).")
def check(
    path: str,
    exclude: tuple[str, ...],
    config: str | None,
    jobs: int | None,
    debug: bool,
    fmt: str,
    output: str | None,
    verbose: bool,
    baseline: str | None,
    fail_on: str | None,
) -> None:
    """Check PATH against its rules and contracts: exit 1 when a new finding at or above
    --fail-on exists, 0 otherwise (2: usage or configuration error)."""
    from archlint.pipeline import check as run_check

    with _progress() as progress:
        result = run_check(_scan_options(path, config, exclude, jobs, debug, progress), baseline, fail_on)
    if debug:
        _print_tracebacks(result.facts)
    _emit(_render(result.report, fmt, verbose, output, path), output)
    if result.report.check and result.report.check.failed:
        raise click.exceptions.Exit(EXIT_GATE)


@main.command("baseline")
@scan_options
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help=f"Where to write (default: [tool.archlint] baseline, else PATH/{DEFAULT_BASELINE}).")
def baseline_command(
    path: str, exclude: tuple[str, ...], config: str | None, jobs: int | None, debug: bool, output: str | None
) -> None:
    """Write today's findings of PATH to a baseline file, so that `archlint check` fails
    only on new ones."""
    from archlint.pipeline import scan as run_scan
    from archlint.report.baseline import render_baseline

    with _progress() as progress:
        result = run_scan(_scan_options(path, config, exclude, jobs, debug, progress))
    target = output or result.settings.baseline or os.path.join(path, DEFAULT_BASELINE)
    _emit(render_baseline(result.report.findings), target)
    count = len(result.report.findings)
    click.echo(f"archlint: wrote {count} finding{'s' if count != 1 else ''} to {target}", err=True)


@main.command("rules")
def rules_command() -> None:
    """List every rule: code, name, default severity and what it finds."""
    from archlint.model.rules import RULES

    width = max(len(r.name) for r in RULES.values())
    for code, rule in sorted(RULES.items()):
        click.echo(f"{code}  {rule.name:<{width}}  {rule.severity:<7}  {rule.summary}")


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Explain rule CODE (the text of docs/rules/CODE.md)."""
    import difflib

    from archlint.model.rules import RULES
    from archlint.report.rule_docs import rule_page

    wanted = code.strip().upper()
    by_name = {r.name: r.code for r in RULES.values()}
    wanted = by_name.get(code.strip().lower(), wanted)
    if wanted not in RULES:
        near = difflib.get_close_matches(wanted, [*RULES, *by_name], n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise UsageError(f"no rule {code}{hint}; `archlint rules` lists them")
    click.echo(rule_page(RULES[wanted]), nl=False)


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, dir_okay=True))
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB while scanning.")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Scan paths matching GLOB that a default exclude hides (written into the table).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes for parsing.")
@click.option("--baseline", "with_baseline", is_flag=True,
              help=f"Also write today's findings to PATH/{DEFAULT_BASELINE} and point the configuration at it.")
@click.option("--force", is_flag=True, help="Replace an existing [tool.archlint] (and nothing else).")
def init(path: str, exclude: tuple[str, ...], include: tuple[str, ...], jobs: int | None, with_baseline: bool,
         force: bool) -> None:
    """Write a starter [tool.archlint] into PATH/pyproject.toml from what a scan finds,
    leaving every other line of the file as it is. A package that a default exclude hides
    and the code imports (AL008) is included in the table."""
    from archlint.config.edit import has_archlint, set_archlint_table
    from archlint.pipeline import ScanOptions, resolve_root, scan as run_scan
    from archlint.report.baseline import render_baseline
    from archlint.report.starter import render_starter

    root = resolve_root(path)
    if os.path.exists(os.path.join(root, "archlint.toml")):
        raise UsageError(f"{os.path.join(path, 'archlint.toml')} exists and configures archlint; edit it instead")
    target = os.path.join(path, "pyproject.toml")
    try:
        with open(target, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {target}: {exc}") from None
    if has_archlint(text) and not force:
        raise UsageError(f"{target} already has [tool.archlint]; --force replaces it (and only it)")
    with _progress() as progress:
        found = run_scan(ScanOptions(path, None, exclude, jobs, progress=progress, use_config=False, cache=True,
                                     include=include))
        hidden = tuple(sorted(f.key for f in found.report.findings if f.rule == "AL008"))
        if hidden:  # the contracts are written for the code as it will be scanned
            include += hidden
            found = run_scan(ScanOptions(path, None, exclude, jobs, progress=progress, use_config=False, cache=True,
                                         include=include))
    table = render_starter(found.report, DEFAULT_BASELINE if with_baseline else None, include)
    _emit(set_archlint_table(text, table), target)
    result = run_scan(ScanOptions(path, None, exclude, jobs, cache=True))
    contracts = result.report.contracts
    broken = {c.name: c.violations for c in contracts if not c.kept}
    if broken and not with_baseline:  # `archlint check` must pass the day the table is written
        _emit(set_archlint_table(text, render_starter(found.report, None, include, broken)), target)
    click.echo(f"archlint: wrote [tool.archlint] with {len(contracts) - (0 if with_baseline else len(broken))} "
               f"contract(s) to {target}", err=True)
    if hidden:
        click.echo(f"archlint: included {', '.join(hidden)}: excluded by default, but imported by the code (AL008)",
                   err=True)
    if with_baseline:
        target = os.path.join(path, DEFAULT_BASELINE)
        _emit(render_baseline(result.report.findings), target)
        click.echo(f"archlint: wrote {len(result.report.findings)} finding(s) to {target}", err=True)
    elif broken:
        click.echo(
            f"archlint: commented out, as broken today: {', '.join(broken)}; fix them and uncomment, or accept "
            "today's state with `archlint init --force --baseline`",
            err=True,
        )


def _emit(text: str, output: str | None) -> None:
    if output is None:
        # color=True: click would strip whatever looks like a colour code, even out of a
        # file name in JSON, SARIF or an annotation; the renderers escaped what they must
        click.echo(text, nl=False, color=True)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _print_tracebacks(facts: Any) -> None:
    for path, f in sorted(facts.items()):
        if f.error is not None and f.error.detail:
            click.echo(f"--- {path}\n{f.error.detail}", err=True)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int], Callable[[int], None]] | None]:
    """A progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def start(total: int) -> Callable[[int], None]:
        """Called with the number of files to parse (none on a warm run: rich stays unloaded)."""
        if total < PROGRESS_MIN_FILES:
            return lambda n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("parsing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bars.append(bar)
        bar.start()
        task = bar.add_task("parse", total=total)
        return lambda n: bar.advance(task, n)

    try:
        yield start
    finally:
        for bar in bars:
            bar.stop()


def run(argv: list[str] | None = None) -> int:
    """The console entry point: user errors are one line on stderr and exit code 2, never
    a traceback; Ctrl-C exits 130."""
    try:
        code = main.main(args=argv, prog_name="archlint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.UsageError as exc:
        click.echo(f"archlint: error: {exc.format_message()}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("archlint: interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("archlint: interrupted", err=True)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        click.echo(f"archlint: error: {exc}", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"archlint: error: {exc.format_message()}", err=True)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if not _interrupted(exc):
            raise
        click.echo("archlint: interrupted", err=True)
        return EXIT_INTERRUPTED
    return code if isinstance(code, int) else EXIT_OK  # click returns an Exit's code here


def _interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C caused ``exc``: Python 3.11 turns a KeyboardInterrupt raised while a
    class is created (libcst's, imported at the first parse) into a RuntimeError."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def entry() -> None:
    code = run()
    if code == EXIT_INTERRUPTED:
        # Python 3.11 ends a process whose Ctrl-C landed in a dataclass being created by
        # SIGINT after all, however it was handled: end it here, with the documented 130
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(EXIT_INTERRUPTED)
    sys.exit(code)
