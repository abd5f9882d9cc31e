"""``python -m kb.cli``: the kb command, for a Python without the kb script on its PATH."""

from kb.cli import main

main()
