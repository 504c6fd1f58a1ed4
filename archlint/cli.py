"""The command line: options in, one call into the pipeline, a renderer out.

Heavy modules (libcst, networkx, rich) are imported inside the commands, so that
``archlint --version`` and ``--help`` answer at once.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from archlint import __version__

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@scan_options
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("-v", "--verbose", is_flag=True, help="Show all evidence, not only the top rows.")
def scan(
    path: str,
    exclude: tuple[str, ...],
    config: str | None,
    jobs: int | None,
    debug: bool,
    fmt: str,
    output: str | None,
    verbose: bool,
) -> None:
    """Scan PATH (default: the current directory) and report its architecture."""
    from archlint.pipeline import ScanOptions, scan as run_scan

    with _progress() as progress:
        result = run_scan(ScanOptions(path, config, exclude, jobs, debug, progress))
    if debug:
        _print_tracebacks(result.facts)
    _emit(_render(result.report, fmt, verbose, output), output)


def _render(report: Any, fmt: str, verbose: bool, output: str | None) -> str:
    if fmt == "json":
        from archlint.report.json_report import render_json

        return render_json(report)
    from archlint.report.text import render_text

    color = output is None and sys.stdout.isatty()
    width = click.get_terminal_size()[0] if color else 100
    return render_text(report, verbose=verbose, color=color, width=width)


def _emit(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        from archlint.model.errors import UsageError

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

    def start(total: int) -> Callable[[int], None]:
        if total < PROGRESS_MIN_FILES:
            return lambda n: None
        bar.start()
        task = bar.add_task("parse", total=total)
        return lambda n: bar.advance(task, n)

    try:
        yield start
    finally:
        bar.stop()


def run(argv: list[str] | None = None) -> int:
    """The console entry point: user errors are one line on stderr and exit code 2, never
    a traceback; Ctrl-C exits 130."""
    from archlint.model.errors import UsageError

    try:
        main.main(args=argv, prog_name="archlint", standalone_mode=False)
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
    return EXIT_OK


def entry() -> None:
    sys.exit(run())
