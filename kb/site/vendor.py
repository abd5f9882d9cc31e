"""The browser files the course site ships for search by meaning: pinned, checked, and
shipped inside the kb package, so that no site build downloads anything.

The site's search page runs a query encoder in the reader's browser with transformers.js
and ONNX Runtime Web. Their files come from the npm registry at the versions pinned in
:data:`PACKAGES`, fetched by kb's set-up, never by a build: :func:`install_vendor` (run by
``make setup`` through ``scripts/vendor_browser.py``, and by any build of the kb package
that lacks them, see ``setup.py``) downloads each package's tarball once into the user
cache (the registry's ``tarball`` address, ``$NPM_CONFIG_REGISTRY`` when set), checks it
against the pinned sha512 integrity, takes out the few files the page needs, checks each
against its pinned sha256, and places them with their licences into
``kb/site/assets/vendor/``: package data, in git's ignore list (about 15 MB), but in every
editable install and every wheel. A build takes them from there
(:func:`vendored_files`, which checks the digests again) or stops saying how to get them.

The query encoder is exported once per machine into the same user cache
(:func:`query_encoder`): ``$KB_CACHE_HOME``, else ``$XDG_CACHE_HOME/kb``, else
``~/.cache/kb``, shared by every course. Nothing is fetched from a CDN when a page runs:
the site serves these copies itself. Updating a version means changing :data:`PACKAGES`
(the script's ``--print-hashes`` prints the new digests of a downloaded tarball).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kb.fs import cache_home
from kb.fs import atomic_write
from kb.errors import KbError

DEFAULT_REGISTRY = "https://registry.npmjs.org"
LICENCES = "LICENSES.txt"
SETUP_FIX = ("run `make setup` in the kb checkout (scripts/vendor_browser.py fetches them from the "
             "npm registry, pinned), or install kb from a wheel built there")


def package_dir() -> Path:
    """Where the browser files lie inside the installed kb package (``kb/site/assets/vendor``)."""
    return Path(str(resources.files("kb.site").joinpath("assets", "vendor")))


@dataclass(frozen=True)
class Package:
    """One npm package at a pinned version and the files the site takes from it."""

    name: str
    version: str
    integrity: str               # the registry's sha512 of the tarball
    licence: str
    files: dict[str, str]        # path inside the tarball (below package/) -> sha256
    licence_file: str | None = None

    @property
    def tarball(self) -> str:
        base = self.name.rsplit("/", 1)[-1]
        registry = (os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY).rstrip("/")
        return f"{registry}/{self.name}/-/{base}-{self.version}.tgz"

    @property
    def folder(self) -> str:
        return f"{self.name.replace('/', '+')}@{self.version}"


TRANSFORMERS = Package(
    name="@huggingface/transformers", version="4.3.1",
    integrity="sha512-5+voSeUCFK6PCKlY15dPhNOKq3/zOTxDN7oC+Wy9dFb1QZ0TSQomZRRy7URRK8YRuUoE9fGMQTTPC5d/pWBJhA==",
    licence="Apache-2.0",
    files={
        # The browser build with ONNX Runtime Web's JavaScript inside (no import map needed).
        "dist/transformers.min.js": "8d6716d9086f57c30a4bf367dba61b887593573c770c454465e8019b2703e743",
        "LICENSE": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
    },
    licence_file="LICENSE",
)
# The version transformers 4.3.1 pins; its plain SIMD build (CPU, no WebGPU) is the smallest.
ORT_WEB = Package(
    name="onnxruntime-web", version="1.31.0-dev.20260914-8d85527a0",
    integrity="sha512-Iy7rtadoBgxS/LLvDr3QW38DB1PNXRnr0GJMcL0TAt7c9qjgVQl83UlGCVyeAnK2InpmW8Uc3PL8XIuqtDeF6g==",
    licence="MIT",
    files={
        "dist/ort-wasm-simd-threaded.mjs": "c57ca56328877353a575e51bbca6f18450027d6c9bf2307a2cb2c41363b4de9f",
        "dist/ort-wasm-simd-threaded.wasm": "06ba057753da3847e4c24f02d91ab133455b0817c69a44993a9a53a2146df9e3",
    },
)
PACKAGES = (TRANSFORMERS, ORT_WEB)
# Not shipped with the site: the accessibility checker the browser tests run in each page.
AXE = Package(
    name="axe-core", version="4.14.1",
    integrity="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    licence="MPL-2.0",
    files={
        "axe.min.js": "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c",
        "LICENSE": "af175b9d96ee93c21a036152e1b905b0b95304d4ae8c2c921c7609100ba8df7e",
    },
    licence_file="LICENSE",
)
TEST_PACKAGES = (AXE,)
# Where each file goes in the site, below assets/kb/vendor/.
SITE_FILES = {
    "transformers.min.js": (TRANSFORMERS, "dist/transformers.min.js"),
    "ort-wasm-simd-threaded.mjs": (ORT_WEB, "dist/ort-wasm-simd-threaded.mjs"),
    "ort-wasm-simd-threaded.wasm": (ORT_WEB, "dist/ort-wasm-simd-threaded.wasm"),
}


class VendorError(KbError):
    """A pinned browser file could not be fetched or did not match its pinned digest."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sri_sha512(data: bytes) -> str:
    """The npm ``integrity`` form of a tarball's sha512."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _download(package: Package, timeout: float = 120) -> bytes:
    url = package.tarball
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read()
    except OSError as exc:
        raise VendorError(f"cannot download {package.name}@{package.version} from {url}: {exc}",
                          fix="give this machine access to the npm registry (or set "
                              "NPM_CONFIG_REGISTRY to a mirror) and run kb's set-up again "
                              "(`make setup`, or `python scripts/vendor_browser.py`)") from None
    if sri_sha512(data) != package.integrity:
        raise VendorError(f"{url} does not match the pinned integrity of "
                          f"{package.name}@{package.version}",
                          fix="check the registry or mirror; if the pin is wrong, update "
                              "kb/site/vendor.py from `npm view <name>@<version> dist.integrity`")
    return data


def _complete(package: Package, folder: Path) -> bool:
    return all((folder / rel).is_file() and sha256_file(folder / rel) == digest
               for rel, digest in package.files.items())


def ensure_package(package: Package, cache: Path) -> Path:
    """The package's folder of checked files under ``cache``, downloaded now if needed."""
    folder = cache / package.folder
    if _complete(package, folder):
        return folder
    data = _download(package)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for rel, digest in package.files.items():
            try:
                member = archive.extractfile(f"package/{rel}")
            except KeyError:
                member = None
            if member is None:
                raise VendorError(f"{package.name}@{package.version} has no file {rel}",
                                  fix="update the file list in kb/site/vendor.py")
            content = member.read()
            if hashlib.sha256(content).hexdigest() != digest:
                raise VendorError(f"{rel} of {package.name}@{package.version} does not match "
                                  "its pinned sha256", fix="update the pin in kb/site/vendor.py")
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, content)
    return folder


def ensure_vendor(cache: Path) -> dict[str, Path]:
    """Site name -> local path of every browser file the search page needs, downloaded into
    ``cache`` if missing (the set-up's step; a build uses :func:`vendored_files`)."""
    folders = {p.name: ensure_package(p, cache) for p in PACKAGES}
    return {name: folders[package.name] / rel for name, (package, rel) in SITE_FILES.items()}


def install_vendor(target: Path | None = None, cache: Path | None = None) -> dict[str, Path]:
    """Place the checked browser files and their licences into ``target`` (the package's
    folder by default), fetching what the download ``cache`` lacks. Returns site name -> path."""
    target = target or package_dir()
    cache = cache or cache_home() / "npm"
    try:
        return vendored_files(target)
    except VendorError:
        pass
    found = ensure_vendor(cache)
    target.mkdir(parents=True, exist_ok=True)
    for name, path in found.items():
        shutil.copyfile(path, target / name)
    atomic_write(target / LICENCES, licence_notes(cache))
    return vendored_files(target)


def vendored_files(folder: Path | None = None) -> dict[str, Path]:
    """Site name (below ``assets/kb/vendor/``) -> the shipped file, each checked against its
    pinned sha256; raises VendorError naming the set-up step when one is missing or wrong."""
    folder = folder or package_dir()
    out: dict[str, Path] = {}
    for name, (package, rel) in SITE_FILES.items():
        path = folder / name
        if not path.is_file():
            raise VendorError(f"the search page's browser file {name} ({package.name}@"
                              f"{package.version}) is not in {folder}", fix=SETUP_FIX)
        if sha256_file(path) != package.files[rel]:
            raise VendorError(f"{path} does not match its pinned sha256", fix=SETUP_FIX)
        out[name] = path
    if not (folder / LICENCES).is_file():
        raise VendorError(f"{folder / LICENCES} is missing", fix=SETUP_FIX)
    out[LICENCES] = folder / LICENCES
    return out


def query_encoder(model_dir: Path, note: Callable[[str], object] | None = None) -> Path:
    """The browser's query encoder exported from ``model_dir`` into the user cache, once per
    machine (about 20 s, said through ``note`` before it starts); later builds reuse it."""
    from kb.search.onnx_export import ensure_onnx_model

    return ensure_onnx_model(model_dir, cache_home() / "onnx", note=note)


def quick_model(model_dir: Path, note: Callable[[str], object] | None = None) -> Path:
    """The site's quick model (:mod:`kb.search.static`) distilled from ``model_dir`` into the
    user cache, once per machine (about 20 s, said through ``note``); later builds reuse it."""
    from kb.search.static import ensure_static_model

    return ensure_static_model(model_dir, cache_home() / "static", note=note)


def licence_notes(cache: Path) -> str:
    """The text of ``assets/kb/vendor/LICENSES.txt``: what each file is, whose, which licence."""
    lines = ["Third-party files in this folder, unchanged copies from the npm registry.", ""]
    for package in PACKAGES:
        lines.append(f"{package.name}@{package.version} ({package.licence}), {package.tarball}")
        for name, (owner, rel) in SITE_FILES.items():
            if owner is package:
                lines.append(f"  {name}: package/{rel}, sha256 {package.files[rel]}")
        lines.append("")
    for package in PACKAGES:
        if package.licence_file:
            text = (cache / package.folder / package.licence_file).read_text("utf-8")
            lines += [f"----- {package.name} {package.licence_file} -----", text.rstrip(), ""]
    lines.append("onnxruntime-web ships no licence file in its package; its package.json "
                 "declares MIT (Copyright (c) Microsoft Corporation).")
    return "\n".join(lines) + "\n"
