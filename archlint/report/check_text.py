"""The terminal output of `archlint check`: what failed and where, nothing else. New
findings with their evidence chains, contracts kept and broken, the baseline's state, and
one closing line that says whether the gate passed."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from archlint.model.check import CheckOutcome
from archlint.model.findings import ERROR, WARNING, Finding, counted, severity_rank
from archlint.model.report import Report
from archlint.report.console import make_console, where

_STYLE = {ERROR: "bold red", WARNING: "yellow"}


def render_check(report: Report, *, verbose: bool = False, color: bool = False, width: int = 100) -> str:
    out = io.StringIO()
    console = make_console(out, color=color, width=width)
    check = report.check
    if check is None:
        raise ValueError("render_check needs the outcome of `archlint check`")
    s = report.summary
    verdict = f", verdict {report.verdict.kind}" if report.verdict else ""
    console.print(Text(f"archlint check - {report.root}: {s.files} files, {s.modules} modules{verdict}", style="bold"))
    contracts_section(console, report)
    new = set(check.new)
    shown = [f for f in report.findings if f.fingerprint in new or verbose]
    failing = set(check.failing)
    if shown:
        console.print()
        for f in shown:
            _finding(console, f, f.fingerprint in failing, f.fingerprint not in new)
    _baseline(console, check, verbose)
    console.print()
    console.print(_closing(report, check))
    return out.getvalue()


def contracts_section(console: Console, report: Report) -> None:
    if not report.contracts:
        return
    kept = sum(c.kept for c in report.contracts)
    console.print(f"Contracts: {kept} kept, {len(report.contracts) - kept} broken")
    for c in report.contracts:
        line = Text("  ")
        if c.kept:
            line.append("kept    ", style="green")
            line.append(f"{c.name} ({c.type})")
        else:
            line.append("BROKEN  ", style="bold red")
            line.append(f"{c.name} ({c.type}): {counted(c.violations, 'violation')}")
        console.print(line)
        for entry in c.unused_ignores:
            console.print(f"          unused ignore_imports entry '{entry}': it matches no import, remove it")


def _finding(console: Console, f: Finding, failing: bool, baselined: bool) -> None:
    line = Text(f"{where(f.path, f.line) if f.path else '-'}  ")
    line.append(f.rule, style=_STYLE.get(f.severity, "") if failing else "")
    tag = " (baselined)" if baselined else ""
    line.append(f" [{f.severity}]{tag} {f.message}")
    console.print(line, soft_wrap=True)  # one finding, one line (the terminal folds it)
    for step in f.evidence:
        console.print(f"    {where(step.path, step.line)}  {step.note}")


def _baseline(console: Console, check: CheckOutcome, verbose: bool) -> None:
    if check.baseline is None:
        return
    console.print()
    hidden = "" if verbose or not check.baselined else " (--verbose shows them)"
    console.print(f"Baseline {check.baseline}: {check.baselined} finding(s) accepted{hidden}")
    if check.stale:
        console.print(
            f"{len(check.stale)} baseline entr{'y is' if len(check.stale) == 1 else 'ies are'} stale "
            f"(fixed): run `archlint baseline -o {check.baseline}` to tighten it"
        )
        for entry in check.stale:
            console.print(f"  {entry.rule} {where(entry.path)}  {entry.message}", soft_wrap=True)


def _closing(report: Report, check: CheckOutcome) -> Text:
    below = [
        f for f in report.findings if f.fingerprint in set(check.new) and f.fingerprint not in set(check.failing)
    ]
    quiet = f"; {len(below)} new below {check.fail_on}" if below else ""
    if check.failed:
        count = len(check.failing)
        levels = sorted({f.severity for f in report.findings if f.fingerprint in set(check.failing)}, key=severity_rank)
        text = f"Failed: {counted(count, 'new finding')} at or above {check.fail_on} ({', '.join(levels)}){quiet}"
        return Text(text, style="bold red")
    return Text(f"Passed: no new finding at or above {check.fail_on}{quiet}", style="bold green")
