"""The README's sample output is what archlint prints: every line it shows (cut lines
marked `...` aside) appears in a real scan of the bundled examples."""

from __future__ import annotations

import re

from conftest import REPO, run_cli


def console_blocks() -> list[tuple[str, list[str]]]:
    """(command, shown lines) of each ```console block of the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        first, *lines = block.splitlines()
        assert first.startswith("$ archlint scan "), first
        out.append((first[2:], lines))
    return out


def squash(text: str) -> str:
    return " ".join(text.split())


def test_readme_console_output_is_real_output():
    blocks = console_blocks()
    assert [command for command, _ in blocks] == [
        "archlint scan fixtures/monolith-shop", "archlint scan fixtures/microservices"]
    checked = 0
    for command, lines in blocks:
        output = squash(run_cli(*command.split()[1:], "--no-cache", cwd=REPO, env={"COLUMNS": "100"}).stdout)
        for line in lines:
            if line.strip() and line.strip() != "...":
                assert squash(line) in output, (command, line)
                checked += 1
    assert checked > 20
