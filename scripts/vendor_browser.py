"""Fetch the pinned browser files of the site's search page into the kb package, and export its
query encoder into the user cache: kb's set-up, so that no site build downloads anything.

Downloads transformers.js and ONNX Runtime Web (and axe-core, which only the browser tests use)
from the npm registry at the versions pinned in kb/site/vendor.py into the user cache
($KB_CACHE_HOME, else $XDG_CACHE_HOME/kb, else ~/.cache/kb), checks each tarball's sha512 and
each file's sha256, and places the site's files with their licences into
kb/site/assets/vendor/ (package data, ignored by git). With --export-model it also exports the
bundled all-MiniLM-L6-v2 to int8 ONNX (kb/search/onnx_export.py) into the user cache, once per
machine, and distils the quick model from it (kb/search/static.py). `make setup` runs it with
--export-model; building the kb package runs the first part
(setup.py).

    .venv/bin/python scripts/vendor_browser.py [--export-model] [--model NAME]
    .venv/bin/python scripts/vendor_browser.py --print-hashes some-package-1.2.3.tgz
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.errors import KbError  # noqa: E402
from kb.fs import cache_home  # noqa: E402
from kb.site.vendor import (PACKAGES, TEST_PACKAGES, ensure_package,  # noqa: E402
                            install_vendor, query_encoder, quick_model, sri_sha512)


def print_hashes(tarball: Path) -> None:
    """The integrity and per-file sha256 of a downloaded tarball, to update the pins."""
    data = tarball.read_bytes()
    print(f"integrity: {sri_sha512(data)}")
    with tarfile.open(tarball, mode="r:gz") as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None:
                digest = hashlib.sha256(handle.read()).hexdigest()
                print(f"{digest}  {member.name.removeprefix('package/')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-model", action="store_true",
                        help="also export the query encoder to ONNX (needs torch, once per machine)")
    parser.add_argument("--model", default="all-MiniLM-L6-v2",
                        help="the sentence-transformers model to export (name or folder)")
    parser.add_argument("--print-hashes", type=Path, metavar="TARBALL",
                        help="print the digests of a downloaded npm tarball and exit")
    args = parser.parse_args()
    if args.print_hashes:
        print_hashes(args.print_hashes)
        return 0
    try:
        for name, path in install_vendor().items():
            print(f"{name:32} {path.stat().st_size:>10,} bytes  {path}")
        for package in TEST_PACKAGES:  # for the browser tests only, not shipped
            folder = ensure_package(package, cache_home() / "npm")
            for rel in package.files:
                print(f"{rel:32} {(folder / rel).stat().st_size:>10,} bytes  {folder / rel}")
        pinned = (*PACKAGES, *TEST_PACKAGES)
        print("pinned: " + ", ".join(f"{p.name}@{p.version} ({p.licence})" for p in pinned))
        if args.export_model:
            from kb.search.embed import model_location

            folder = query_encoder(Path(model_location(args.model)), note=print)
            print(f"query encoder: {folder}")
            print(f"quick model: {quick_model(Path(model_location(args.model)), note=print)}")
    except KbError as exc:
        print(f"vendor_browser: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
