"""The ``kb`` command line: a thin layer that parses arguments, calls one library function
and formats its result (text tables by default, ``--json``/``--format json`` for scripts).

Exit codes: 0 success, 1 the command ran and found problems, 2 the command could not run.
"""

from __future__ import annotations

from kb.cli.app import cli, main

# Each module registers its commands on ``cli``.
from kb.cli import check_cmd  # noqa: F401
from kb.cli import search_cmd  # noqa: F401
from kb.cli import bib_cmd  # noqa: F401
from kb.cli import report_cmd  # noqa: F401
from kb.cli import fields_cmd  # noqa: F401
from kb.cli import add_cmd  # noqa: F401

__all__ = ["cli", "main"]
