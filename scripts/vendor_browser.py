"""Fetch the pinned browser files of the site's search page, and export its query encoder.

Downloads transformers.js and ONNX Runtime Web (and axe-core, which only the browser tests use)
from the npm registry at the versions pinned in kb/site/vendor.py, checks each tarball's sha512 and each file's sha256, and keeps the files in
the course's .kb/browser/vendor/ (or $KB_BROWSER_CACHE/vendor/); with --export-model it also
exports the bundled all-MiniLM-L6-v2 to int8 ONNX (kb/search/onnx_export.py) into
.kb/browser/onnx/. `make setup` runs it; a site build does the same when the files are missing.

    .venv/bin/python scripts/vendor_browser.py [--root DIR] [--export-model]
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

from kb.course.config import load_config  # noqa: E402
from kb.errors import KbError  # noqa: E402
from kb.site.semantic import browser_cache  # noqa: E402
from kb.site.vendor import PACKAGES, TEST_PACKAGES, ensure_package, ensure_vendor, sri_sha512  # noqa: E402


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
    parser.add_argument("--root", type=Path, default=ROOT, help="the course repository")
    parser.add_argument("--export-model", action="store_true",
                        help="also export the query encoder to ONNX (needs torch, once)")
    parser.add_argument("--print-hashes", type=Path, metavar="TARBALL",
                        help="print the digests of a downloaded npm tarball and exit")
    args = parser.parse_args()
    if args.print_hashes:
        print_hashes(args.print_hashes)
        return 0
    try:
        config = load_config(args.root)
        cache = browser_cache(config)
        for name, path in ensure_vendor(cache / "vendor").items():
            print(f"{name:32} {path.stat().st_size:>10,} bytes  {path}")
        for package in TEST_PACKAGES:  # for the browser tests only, not shipped
            folder = ensure_package(package, cache / "vendor")
            for rel in package.files:
                print(f"{rel:32} {(folder / rel).stat().st_size:>10,} bytes  {folder / rel}")
        pinned = (*PACKAGES, *TEST_PACKAGES)
        print("pinned: " + ", ".join(f"{p.name}@{p.version} ({p.licence})" for p in pinned))
        if args.export_model:
            from kb.search.embed import model_location
            from kb.search.onnx_export import ensure_onnx_model

            folder = ensure_onnx_model(Path(model_location(config.options.model)), cache / "onnx")
            print(f"query encoder: {folder}")
    except KbError as exc:
        print(f"vendor_browser: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
