"""The layer rules of pyproject.toml's ``[tool.importlinter]``, checked by import-linter.

The product (``claims``, ``index``) never imports the lab or streamlit, and ``index`` knows nothing
of ``claims`` beyond its errors and settings.
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), "import-linter is missing: pip install -r requirements-dev.txt"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
