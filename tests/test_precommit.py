"""A real pre-commit run of this checkout's hook (`pre-commit try-repo`): it installs
archlint into its own virtualenv (from PyPI for the dependencies), fails on a commit that
breaks a contract, showing the violation, and passes once it is fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, write_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_pre_commit_hook_fails_on_a_violation_and_passes_when_fixed(tmp_path):
    repo = write_tree(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/web/__init__.py": "",
            "app/web/views.py": "from app.db import models\n",
            "app/db/__init__.py": "",
            "app/db/models.py": "import os\n",
            "pyproject.toml": '[tool.archlint]\n\n[[tool.archlint.contracts]]\nname = "web above db"\n'
            'type = "layers"\nlayers = ["app.web", "app.db"]\n',
        },
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    env.pop("PYTHONPATH", None)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "archlint", "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "a layered app")
    (repo / "app/db/models.py").write_text("import os\nfrom app.web import views\n")
    git("add", "-A")
    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "archlint" in failed.stdout and "Failed" in failed.stdout
    assert "app/db/models.py:2  AL301 [error] web above db: app.db.models imports app.web.views" in failed.stdout
    (repo / "app/db/models.py").write_text("import os\n")
    git("add", "-A")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
