"""Builds the kb package with the site's browser files inside (kb/site/assets/vendor/).

Those files (transformers.js, ONNX Runtime Web's wasm: about 15 MB) are not in git. `make setup`
fetches them, pinned and sha256-checked (kb/site/vendor.py); a wheel or an install built from a
checkout that lacks them fetches them here first, the same way, so every installed kb has them
and no course build ever downloads anything. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithBrowserFiles(build_py):
    def run(self) -> None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from kb.site.vendor import install_vendor

        install_vendor(Path(__file__).resolve().parent / "kb" / "site" / "assets" / "vendor")
        super().run()


setup(cmdclass={"build_py": BuildWithBrowserFiles})
