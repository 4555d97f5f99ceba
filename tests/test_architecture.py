"""The architecture holds: layers only point down (import-linter contracts in pyproject.toml), and no
function in server/ is longer than a reader can take in at once."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from server.settings import PROJECT_ROOT

MAX_FUNCTION_LINES = 60


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert linter, "import-linter is not installed (pip install -e '.[test]')"
    return subprocess.run([linter, "--no-cache"], cwd=root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(root)), timeout=120)


def test_import_contracts_hold():
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_catch_an_upward_import_and_http_below_web(tmp_path):
    for source in (PROJECT_ROOT / "server").rglob("*.py"):
        target = tmp_path / source.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "server" / "kg" / "__init__.py", "a", encoding="utf-8") as module:
        module.write("\nimport server.catalog  # planted: the build core reaching up\n")
    with open(tmp_path / "server" / "store" / "__init__.py", "a", encoding="utf-8") as module:
        module.write("\nimport flask  # planted: HTTP below the web layer\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "server.kg is not allowed to import server.catalog" in result.stdout
    assert "server.store is not allowed to import flask" in result.stdout


def long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_in_server_is_longer_than_the_limit():
    assert long_functions(PROJECT_ROOT / "server", MAX_FUNCTION_LINES) == []


def test_the_length_check_finds_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n")
    assert long_functions(tmp_path / "pkg", MAX_FUNCTION_LINES) == ["pkg/m.py:5 long (61 lines)"]
