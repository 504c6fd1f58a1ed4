"""The rule catalogue is the single source of `archlint rules`, `archlint rule CODE`, the
SARIF help and docs/rules/: the pages must be regenerated when it changes."""

from __future__ import annotations

import re

from archlint.model.rules import RULES
from archlint.report.rule_docs import pages, write
from conftest import REPO, run_cli

DOCS = REPO / "docs" / "rules"


def test_docs_rules_are_generated_from_the_catalogue():
    expected = pages()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name))
    assert not stale, (
        f"docs/rules is out of date ({', '.join(stale)}): run `python -m archlint.report.rule_docs docs/rules`"
    )


def test_the_generator_writes_and_prunes(tmp_path):
    (tmp_path / "AL999.md").write_text("a rule that no longer exists")
    changed = write(str(tmp_path))
    assert "AL999.md" in changed and not (tmp_path / "AL999.md").exists()
    assert write(str(tmp_path)) == []  # idempotent
    assert {p.name for p in tmp_path.iterdir()} == set(pages())


def test_every_rule_is_complete():
    assert "AL001" in RULES and "AL402" in RULES
    for code, rule in RULES.items():
        assert re.fullmatch(r"AL\d{3}", code) and rule.code == code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert rule.severity in ("error", "warning", "info")
        for text in (rule.summary, rule.why, rule.fix, rule.example):
            assert text.strip()
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


def test_rules_and_rule_commands():
    proc = run_cli("rules")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == len(RULES)
    assert re.match(r"AL301 +layers-contract +error +A lower layer imports", next(x for x in lines if x.startswith("AL301")))
    for code in ("AL101", "AL205", "AL402"):
        proc = run_cli("rule", code.lower())
        assert proc.returncode == 0 and proc.stdout == (DOCS / f"{code}.md").read_text(encoding="utf-8")
    assert run_cli("rule", "shared-database").stdout.startswith("# AL202 shared-database")
    proc = run_cli("rule", "AL3O1")
    assert proc.returncode == 2 and "no rule AL3O1 (did you mean AL301?)" in proc.stderr
