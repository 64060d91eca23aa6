"""The core is a library: it never imports streamlit, and each package pins its public names."""

import subprocess
import sys

import pytest


def test_core_never_imports_streamlit():
    code = ("import sys, claims, claims.workspace, claims.cli, claims.bench, index, index.vectors, index.embed, "
            "index.lexical, index.fusion, index.rerank; "
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "module",
    ["claims", "claims.errors", "claims.models", "claims.settings", "claims.store", "claims.review",
     "claims.readers", "claims.archive", "claims.export", "claims.workspace", "claims.segment",
     "claims.detect", "claims.speakers", "claims.extract", "claims.bench", "index", "index.embed", "index.vectors",
     "index.lexical", "index.fusion", "index.rerank"],
)
def test_every_public_name_exists(module):
    mod = __import__(module, fromlist=["__all__"])
    assert mod.__all__, f"{module} has no __all__"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} is in __all__ but missing"
