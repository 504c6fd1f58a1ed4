"""Which files a scan reads: .gitignore through git, default and configured excludes."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import edges, module_names, run_cli, scan_in_process, write_tree


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def scan_listed(root, in_git):
    """The report of ``root``, listed by git (a fresh work tree) or by a walk."""
    if in_git:
        git(root, "init", "-q")
    return scan_in_process(root)


def test_gitignore_is_honoured_in_a_work_tree(tree):
    root = tree(
        {
            ".gitignore": "generated/\n*_pb2.py\n",
            "app/__init__.py": "",
            "app/api_pb2.py": "",
            "generated/junk.py": "",
            "app/untracked.py": "",
        }
    )
    git(root, "init", "-q")
    git(root, "add", ".gitignore", "app/__init__.py")
    report = scan_in_process(root)
    # tracked and untracked-but-not-ignored files count; ignored ones do not
    assert set(module_names(report)) == {"app", "app.untracked"}


def test_git_repository_without_commits_and_plain_directory(tree):
    root = tree({"a/__init__.py": "", "a/b.py": "import a\n"})
    plain = scan_in_process(root)
    git(root, "init", "-q")
    in_git = scan_in_process(root)
    assert set(module_names(plain)) == set(module_names(in_git)) == {"a", "a.b"}


def test_default_excludes_and_virtualenvs(tree):
    root = tree(
        {
            "app/__init__.py": "",
            ".venv/lib/site.py": "",
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/python3.12/site-packages/requests/__init__.py": "",
            "node_modules/x/y.py": "",
            "build/lib/app/__init__.py": "",
            "app/__pycache__/x.py": "",
            "vendor/six.py": "",
        }
    )
    assert set(module_names(scan_in_process(root))) == {"app"}


@pytest.mark.parametrize("in_git", [False, True])
def test_include_scans_what_a_default_exclude_hides(tree, tmp_path, in_git):
    """A package named like a default exclude (pypa/build's ``src/build``, a project's own
    ``vendor``) is scanned once ``include`` names it; other default-excluded directories
    stay out, and the project's own ``exclude`` still wins."""
    root = tree(
        {
            "pyproject.toml": '[tool.archlint]\ninclude = ["src/build", "vendor/ours/**"]\n'
                              'exclude = ["vendor/ours/legacy.py"]\nroots = ["src", "."]\n',
            "src/build/__init__.py": "from build import env\n",
            "src/build/env.py": "",
            "vendor/__init__.py": "",
            "vendor/ours/__init__.py": "",
            "vendor/ours/client.py": "",
            "vendor/ours/legacy.py": "",
            "vendor/six.py": "",
            "other/build/__init__.py": "",
            "node_modules/x/y.py": "",
            # default excludes below an included directory stay out
            "src/build/node_modules/z.py": "",
            "src/build/env_local/pyvenv.cfg": "home = /usr\n",
            "src/build/env_local/lib/m.py": "",
        }
    )
    report = scan_listed(root, in_git)
    names = set(module_names(report))
    assert {"build", "build.env", "vendor.ours", "vendor.ours.client"} <= names, names
    assert not any(n.startswith(("vendor.six", "other", "x", "vendor.ours.legacy", "build.node_modules", "build.env_local"))
                   for n in names), names
    assert ("build", "build.env") in edges(report)
    # a bare name lifts directories of that name only, not a virtualenv above one
    root = write_tree(tmp_path / "bare", {
        "pyproject.toml": '[tool.archlint]\ninclude = ["build"]\n',
        "pkg/__init__.py": "",
        "pkg/build/__init__.py": "",
        ".venv/lib/site-packages/dep/build/__init__.py": "",
    })
    assert set(module_names(scan_listed(root, in_git))) == {"pkg", "pkg.build"}


def test_configured_and_command_line_excludes(tree):
    root = tree(
        {
            "pyproject.toml": '[tool.archlint]\nexclude = ["legacy", "**/migrations/0*.py"]\n',
            "app/__init__.py": "",
            "app/migrations/__init__.py": "",
            "app/migrations/0001_initial.py": "",
            "legacy/old.py": "",
            "tools/one.py": "",
            "tools/two.py": "",
        }
    )
    names = set(module_names(scan_in_process(root, exclude=("tools/two.py",))))
    assert names == {"app", "app.migrations", "tools.one"}


def test_symlink_out_of_the_tree_is_not_followed(tree, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    root = tree({"app/__init__.py": ""})
    (root / "app" / "leak.py").symlink_to(outside)
    (root / "app" / "alias.py").symlink_to(root / "app" / "__init__.py")
    report = scan_in_process(root)
    assert set(module_names(report)) == {"app", "app.alias"}
    notes = {(f["rule"], f["path"]) for f in report["findings"]}
    assert ("AL005", "app/leak.py") in notes


def test_python_in_dot_directories_is_tooling_but_deploy_files_there_are_read(tree):
    root = tree(
        {
            "app/__init__.py": "import django\nimport logging\n",
            # semgrep rule tests: named like the libraries they test
            ".semgrep/correctness/django.py": "import django\n",
            ".semgrep/correctness/logging.py": "import logging\n",
            ".github/scripts/release.py": "import app\n",
            ".chalice/config.json": '{"version": "2.0", "app_name": "x", "stages": {"dev": {}}}',
        }
    )
    report = scan_in_process(root)
    assert set(module_names(report)) == {"app"}
    external = {e["name"]: e["kind"] for e in report["external"]}
    assert external == {"django": "third_party", "logging": "stdlib"}
    assert report["summary"]["unresolved_imports"] == 0


def test_a_loose_module_in_another_root_does_not_shadow_a_library(tree):
    root = tree(
        {
            "app/__init__.py": "import requests\nimport common.util\n",
            "tools/lint-rules/requests.py": "",  # a script dir: its own root, a single file
            "libs/common/pyproject.toml": "[project]\nname = 'common'\n",
            "libs/common/common/__init__.py": "",
            "libs/common/common/util.py": "",
        }
    )
    report = scan_in_process(root)
    assert {e["name"] for e in report["external"]} == {"requests"}
    assert ("app", "common.util") in {(d["source"], d["target"]) for d in report["dependencies"]}


@pytest.mark.parametrize("in_git", [False, True])
def test_an_imported_package_a_default_exclude_hides_is_a_finding(tree, in_git):
    """AL008 names the hidden package, the import that wants it and the setting that scans
    it; build output (no __init__.py of its own), an included or a project-excluded
    directory gives none."""
    files = {
        "src/build/__init__.py": "",
        "src/build/env.py": "",
        "tests/test_env.py": "import os\nimport build.env\n",
        "build/lib/app/__init__.py": "",
        # a subpackage named like an exclude, imported by its dotted name (pip, hatch, pex);
        # the standard library's venv and vendored code are not it
        "app/__init__.py": "import app\n",
        "app/venv/__init__.py": "",
        "app/cli.py": "import venv\nfrom . import venv as v\nfrom app._vendor import six\n",
        "app/_vendor/__init__.py": "",
    }
    configs = {
        "": [("AL008", "app/venv/__init__.py"), ("AL008", "src/build/__init__.py")],
        '[tool.archlint]\ninclude = ["src/build", "app/venv"]\n': [],
        '[tool.archlint]\nexclude = ["src/build", "app/venv"]\n': [],
    }
    for config, expected in configs.items():
        root = tree({**files, "pyproject.toml": config})
        report = scan_listed(root, in_git)
        found = [f for f in report["findings"] if f["rule"] == "AL008"]
        assert [(f["rule"], f["path"]) for f in found] == expected, (config, found)
        if found:
            assert found[0]["evidence"] == [{"path": "app/cli.py", "line": 2, "note": "import app.venv"}]
            assert found[1]["evidence"] == [{"path": "tests/test_env.py", "line": 2, "note": "import build"}]
            assert 'imports build once, first at tests/test_env.py:2: include = ["src/build"] scans its 2 Python files' \
                in found[1]["message"]


def test_a_hidden_package_is_a_finding_when_nothing_else_is_scanned(tree):
    """`archlint scan src` of a src/build layout: without AL008 the report said only that no
    code was found."""
    root = tree({"src/build/__init__.py": "from build import env\n", "src/build/env.py": "", "src/tools/x.txt": ""})
    proc = run_cli("scan", "src", "--no-cache", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    found = [(f["rule"], f["path"], f["message"]) for f in json.loads(proc.stdout)["findings"]]
    assert found == [("AL008", "build/__init__.py", "build is excluded by default (a directory named build), and no "
                      "other Python code was found: include = [\"build\"] scans its 2 Python files")]
    # with other code present, an unimported hidden package stays quiet
    (root / "src" / "app.py").write_text("import os\n")
    assert json.loads(run_cli("scan", "src", "--no-cache", "--format", "json", cwd=root).stdout)["findings"] == []
