"""The ``kb`` command line: a thin layer that parses arguments, calls one library function
and formats its result (text tables by default, ``--json``/``--format json`` for scripts).

Exit codes: 0 success, 1 the command ran and found problems, 2 the command could not run.
"""

from __future__ import annotations

from kb.cli.app import cli, main

# Each module registers its commands on ``cli`` when imported; a lazy entry imports it only
# when one of its commands runs, so a command pays for no other command's imports.
cli.add_lazy({
    "check": "kb.cli.check_cmd", "init": "kb.cli.check_cmd",
    "search": "kb.cli.search_cmd", "related": "kb.cli.search_cmd",
    "suggest": "kb.cli.search_cmd", "sync": "kb.cli.search_cmd",
    "import": "kb.cli.bib_cmd", "export": "kb.cli.bib_cmd",
    "report": "kb.cli.report_cmd", "fields": "kb.cli.fields_cmd",
    "add": "kb.cli.add_cmd", "enrich": "kb.cli.add_cmd", "tag": "kb.cli.add_cmd",
    "site": "kb.cli.site_cmd",
})

__all__ = ["cli", "main"]
