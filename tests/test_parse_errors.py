"""A file that does not parse is a finding with its path and line; the scan goes on."""

from __future__ import annotations

from conftest import edges, module_names, run_cli, scan_in_process


def test_unparseable_files_become_findings_and_the_rest_is_complete(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/good.py": "from app import other\n",
            "app/other.py": "",
            "app/broken.py": "import os\n\ndef f(:\n    pass\n",
            "app/py2.py": "import os\nprint 'hello'\n",
            "app/latin.py": b"# -*- coding: utf-8 -*-\nname = '\xff\xfe'\n",
            "app/junk.py": bytes(range(256)) * 4,
            "app/conflict.py": "<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> branch\n",
        }
    )
    report = scan_in_process(root)
    findings = {f["path"]: f for f in report["findings"]}
    assert findings["app/broken.py"]["rule"] == "AL001"
    assert findings["app/broken.py"]["line"] == 3
    assert findings["app/py2.py"]["rule"] == "AL001"
    assert findings["app/py2.py"]["line"] == 2
    assert "Missing parentheses in call to 'print'" in findings["app/py2.py"]["message"]
    assert findings["app/latin.py"]["rule"] == "AL002"
    assert findings["app/junk.py"]["rule"] == "AL002"  # NUL bytes
    assert findings["app/conflict.py"]["rule"] == "AL001"
    assert findings["app/conflict.py"]["line"] == 1
    assert report["summary"]["parse_errors"] == 5
    # every file is still a module, and the good ones' imports are all there
    assert set(module_names(report)) >= {"app.good", "app.broken", "app.py2", "app.junk"}
    assert edges(report) == {("app.good", "app.other")}


def test_cli_exit_code_is_zero_for_scan_with_parse_errors(tree):
    root = tree({"a.py": "def (:\n", "b.py": "import a\n"})
    proc = run_cli("scan", str(root))
    assert proc.returncode == 0
    assert "a.py:1" in proc.stdout and "AL001" in proc.stdout
    assert "Traceback" not in proc.stderr
