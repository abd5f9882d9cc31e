"""How headless Chromium is started, the one way: Debian's /usr/bin/chromium with these flags.

Used by the session's ``browser`` fixture in conftest.py and by scripts/site_browser.py (the
search benchmarks). No import of kb, pytest or mkdocs, so a script can use it as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         # every site is on 127.0.0.1: a request for any other host name fails at once, here
         # and on a machine with a network (the tests also fail on it: conftest.py, new_page)
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1280, "height": 900}


def launch(playwright: Any) -> Any:
    """A headless Chromium browser; each test opens its own context (cheap) in it."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)


def launch_persistent(playwright: Any, profile: Path, **options: Any) -> Any:
    """The same Chromium with a profile folder kept on disk (its HTTP cache survives between
    runs, which a benchmark of a warm page load needs)."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=FLAGS, headless=True, **options)
