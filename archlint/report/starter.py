"""The starter `[tool.archlint]` that `archlint init` writes: contracts that describe what
the scan found, so that they hold today and catch the next step in the wrong direction."""

from __future__ import annotations

import json
from collections.abc import Mapping

from archlint.model.report import Report
from archlint.model.source import is_peripheral


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def _list(values: list[str], indent: str = "") -> str:
    if len(values) <= 3:
        return "[" + ", ".join(_toml(v) for v in values) + "]"
    body = "".join(f"{indent}    {_toml(v)},\n" for v in values)
    return f"[\n{body}{indent}]"


def render_starter(report: Report, baseline: str | None = None, include: tuple[str, ...] = (),
                   broken: Mapping[str, int] | None = None) -> str:
    """The table as TOML text, comments included (docs/configuration.md explains every key).
    Tests and tooling are left out of the contracts (they import everything); a contract in
    ``broken`` (its name -> violations today) is written commented out, so that `archlint
    check` passes the day the table is written."""
    broken = broken or {}

    def contract(comment: str, body: list[str]) -> list[str]:
        name = next(line for line in body if line.startswith("name = "))
        violations = next((n for key, n in broken.items() if name == f"name = {_toml(key)}"), None)
        if violations is None:
            return ["", comment, "[[tool.archlint.contracts]]", *body]
        note = (f"# Broken today ({violations} violation{'s' if violations != 1 else ''}): uncomment it once "
                "fixed, or keep it with `archlint init --force --baseline`.")
        return ["", comment, note, *(f"# {line}" for line in ["[[tool.archlint.contracts]]", *body])]

    peripheral = {m.id for m in report.modules if is_peripheral(m)}
    out = [
        "[tool.archlint]",
        "# Written by `archlint init` from a scan of this repository: a starting point.",
        "# Keys: docs/configuration.md; contracts: docs/contracts.md; rules: `archlint rules`.",
        'fail_on = "error"',
    ]
    if include:
        out.append(f"include = {_list(list(include))}  # scanned although a default exclude (build, venv...) hides it")
    if baseline:
        out.append(f"baseline = {_toml(baseline)}  # today's findings: `archlint check` fails only on new ones")
    tops = sorted(m.id for m in report.modules if m.package is None and m.is_package and m.id not in peripheral)
    if len(tops) == 1:
        out += contract(f"# No import cycles among the sub-packages of {tops[0]}, at any depth.", [
            f"name = {_toml(f'no cycles between the packages of {tops[0]}')}",
            'type = "acyclic"',
            f"ancestors = {_list(tops)}",
        ])
    elif len(tops) > 1:
        out += contract("# No import cycles among the top-level packages.", [
            'name = "no cycles between the top-level packages"',
            'type = "acyclic"',
            f"modules = {_list(tops)}",
        ])
    out += _layers(report, peripheral)
    services = sorted(s.name for s in report.services if s.modules)
    if len(services) > 1:
        out += contract(f"# The services found in the deploy files ({', '.join(services)}) import none of\n"
                        "# each other's code and share no database.", [
            'name = "services are independent"',
            'type = "service-independence"',
        ])
    return "\n".join(out) + "\n"


def _layers(report: Report, peripheral: set[str]) -> list[str]:
    """A layers contract to uncomment: packages ordered by instability (those that depend
    on many and are depended on by few sit high), most stable last."""
    packages = [p for p in report.packages if (p.afferent or p.efferent) and p.package not in peripheral]
    if len(packages) < 2:
        return []
    ordered = sorted(packages, key=lambda p: (-p.instability, p.package))
    names = [p.package for p in ordered]
    lines = [
        "",
        "# A layers contract, highest layer first, in the order the scan suggests (packages that",
        "# import others sit above the ones they import). Put independent siblings on one line",
        '# ("a | b"), then uncomment it.',
    ]
    if report.package_cycles:
        lines.append("# These packages import each other in cycles today, so no order holds yet (AL102).")
    body = [
        "[[tool.archlint.contracts]]",
        'name = "layers"',
        'type = "layers"',
        f"layers = {_list(names)}",
    ]
    return lines + ["# " + line for text in body for line in text.split("\n")]
