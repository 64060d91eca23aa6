"""The core is a library: it never imports streamlit, and each package pins its public names."""

import subprocess
import sys

import pytest


def test_core_never_imports_streamlit():
    code = ("import sys, claims, claims.workspace, claims.cli, index, index.vectors, index.embed, "
            "index.lexical, index.fusion; "
            "print('streamlit' in sys.modules, any(m == 'lab' or m.startswith('lab.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"  # nor the lab


@pytest.mark.parametrize(
    "module",
    ["claims", "claims.errors", "claims.models", "claims.settings", "claims.store", "claims.review",
     "claims.readers", "claims.archive", "claims.export", "claims.workspace", "claims.segment",
     "claims.detect", "claims.detector", "claims.speakers", "claims.extract", "claims.safety", "claims.calibration",
     "claims.store.matchcache", "claims.store.judgements", "index", "index.embed",
     "index.vectors", "index.lexical", "index.fusion", "lab", "lab.bench", "lab.rerank", "lab.newsset",
     "lab.checkworthiness", "lab.cli"],
)
def test_every_public_name_exists(module):
    mod = __import__(module, fromlist=["__all__"])
    assert mod.__all__, f"{module} has no __all__"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} is in __all__ but missing"
