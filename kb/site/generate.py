"""``kb site build`` and ``kb site serve``: the course site through an installed generator.

The generator runs the kb plugin from mkdocs.yml as it is: MkDocs 1.x (``mkdocs``, pinned
below 2 by kb's requirements, since MkDocs 2 runs no plugins) or ProperDocs (``properdocs``,
the maintained continuation of MkDocs 1.x, which runs the same plugins). Which one: the one
asked for (``--generator``, else ``$KB_SITE_GENERATOR``), else ProperDocs when it is installed,
else MkDocs. It runs as ``python -m <generator>`` in the course's folder, without the
end-of-life notices MkDocs-era packages print (``NO_MKDOCS_2_WARNING``,
``DISABLE_MKDOCS_2_WARNING``): the site does not depend on what they announce.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from kb.errors import MissingDependencyError

GENERATORS = ("mkdocs", "properdocs")
NAMES = {"mkdocs": "MkDocs", "properdocs": "ProperDocs"}
QUIET = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def choose(asked: str | None = None) -> str:
    """The generator to run (see the module docstring)."""
    asked = asked or os.environ.get("KB_SITE_GENERATOR") or "auto"
    if asked == "auto":
        return "properdocs" if installed("properdocs") else "mkdocs"
    if asked not in GENERATORS:
        raise MissingDependencyError(f"unknown site generator {asked!r}",
                                     fix=f"use one of: auto, {', '.join(GENERATORS)}")
    if not installed(asked):
        raise MissingDependencyError(f"{NAMES[asked]} is not installed",
                                     fix=f"pip install {asked} (or use --generator auto)")
    return asked


def describe(name: str) -> str:
    """'ProperDocs 1.6.7', for the line that says what runs."""
    try:
        return f"{NAMES[name]} {importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return NAMES[name]


def quiet_environment() -> dict[str, str]:
    """This process's environment with the notices of MkDocs-era packages switched off."""
    return {**os.environ, **QUIET}


def run(command: str, root: Path, generator: str, args: list[str]) -> int:
    """Run ``<generator> <command> -f mkdocs.yml ARGS`` in ``root``; returns its exit status.

    A SIGTERM or SIGHUP to kb is passed on, so stopping kb stops the server it started;
    Ctrl-C reaches both (one process group) and ends a server normally.
    """
    argv = [sys.executable, "-m", generator, command, "-f", str(root / "mkdocs.yml"), *args]
    process = subprocess.Popen(argv, cwd=root, env=quiet_environment())

    def forward(signum: int, frame: Any) -> None:
        process.send_signal(signum)

    previous = {}
    for number in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[number] = signal.signal(number, forward)
        except ValueError:  # not the main thread: nothing to forward from
            pass
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # the generator got it too and is ending
                continue
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
