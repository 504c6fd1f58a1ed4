"""The rule pages: one markdown page per rule, from the catalogue in model/rules.py (the
single source). `archlint rule CODE` prints the page, SARIF carries it as help text, and
docs/rules/ holds them as files:

    python -m archlint.report.rule_docs docs/rules    # regenerate after editing the catalogue
"""

from __future__ import annotations

import os
import sys

from archlint.model.rules import RULES, Rule

INDEX = "README.md"


def rule_page(rule: Rule) -> str:
    return f"""# {rule.code} {rule.name}

{rule.summary}

Default severity: **{rule.severity}**

## Why it matters

{rule.why}

## How to fix it

{rule.fix}

## Example

{rule.example}

## Silencing it

- one place: `# archlint: ignore[{rule.code}]` on the line the finding points at (or on
  any line of its evidence);
- some files: `per_file_ignores = {{"legacy/**" = ["{rule.code}"]}}` in `[tool.archlint]`;
- everywhere: `ignore = ["{rule.code}"]`; a different severity: `severity = {{{rule.code} = "info"}}`;
- today's findings only: a baseline (`archlint baseline`, docs/ci.md).

<!-- generated from archlint/model/rules.py by `python -m archlint.report.rule_docs docs/rules` -->
"""


def index_page() -> str:
    rows = "\n".join(
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.summary} |"
        for r in sorted(RULES.values(), key=lambda r: r.code)
    )
    return f"""# Rules

Every finding archlint reports has a stable code. `archlint rules` lists them,
`archlint rule CODE` prints one page. Codes: AL0xx reading the code, AL1xx import
structure, AL2xx services and data, AL3xx contracts (docs/contracts.md), AL4xx gates on
the architecture (docs/configuration.md).

| code | name | default severity | what it finds |
|---|---|---|---|
{rows}

<!-- generated from archlint/model/rules.py by `python -m archlint.report.rule_docs docs/rules` -->
"""


def pages() -> dict[str, str]:
    """{file name: content} of every page docs/rules/ should hold."""
    out = {f"{code}.md": rule_page(rule) for code, rule in RULES.items()}
    out[INDEX] = index_page()
    return out


def write(directory: str) -> list[str]:
    """Write the pages, remove pages of rules that no longer exist; the files changed."""
    os.makedirs(directory, exist_ok=True)
    wanted = pages()
    changed = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".md") and name not in wanted:
            os.remove(os.path.join(directory, name))
            changed.append(name)
    for name, text in sorted(wanted.items()):
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    continue
        except FileNotFoundError:
            pass
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        changed.append(name)
    return changed


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join("docs", "rules")
    for changed in write(target):
        print(f"updated {os.path.join(target, changed)}")
